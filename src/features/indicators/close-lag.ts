/**
 * The value `period` updates ago, from a ring of the last `period` values: what ROC and log
 * returns compare the current close with. `push` returns NaN until `period` values came before.
 */
export class CloseLag {
  private readonly period: number;
  /** Slot `count % period` holds the value `period` updates ago. */
  private readonly values: Float64Array;
  private count = 0;

  constructor(period: number) {
    this.period = period;
    this.values = new Float64Array(period);
  }

  /** Stores `value` and returns the value `period` updates before it (NaN during warm-up). */
  push(value: number): number {
    const slot = this.count % this.period;
    const past = this.count >= this.period ? this.values[slot] : Number.NaN;
    this.values[slot] = value;
    this.count++;
    return past;
  }
}
