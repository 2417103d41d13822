import { z } from 'zod';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const wmaParams = z.object({ period: periodSchema(2, 10) }).strict();
export type WmaParams = z.output<typeof wmaParams>;

/**
 * Linearly weighted moving average of the close (weights 1…period, newest heaviest), TA-Lib's
 * `WMA`: two running sums (plain and weighted) updated with TA-Lib's exact operation order.
 * Lookback `period − 1`.
 */
export class Wma implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  /** period·(period+1)/2, the sum of the weights. */
  private readonly divider: number;
  private readonly window: Float64Array;
  private count = 0;
  /** Sum of the window's values (TA-Lib's periodSub). */
  private plainSum = 0;
  /** Weighted sum (TA-Lib's periodSum). */
  private weightedSum = 0;
  /** The value that left the window at the previous candle; subtracted one candle late as TA-Lib does. */
  private trailingValue = 0;

  constructor(params: z.input<typeof wmaParams> = {}) {
    const { period } = wmaParams.parse(params);
    this.period = period;
    this.divider = (period * (period + 1)) / 2;
    this.window = new Float64Array(period);
    this.lookbacks = [period - 1];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const period = this.period;
    const slot = this.count % period;
    this.count++;
    this.window[slot] = close;
    let wma = Number.NaN;
    if (this.count < period) {
      this.plainSum += close;
      this.weightedSum += close * this.count;
    } else {
      this.plainSum += close;
      this.plainSum -= this.trailingValue;
      this.weightedSum += close * period;
      // Oldest value of the current window (written `period − 1` candles ago).
      this.trailingValue = this.window[this.count % period];
      wma = this.weightedSum / this.divider;
      this.weightedSum -= this.plainSum;
    }
    this.out[0] = wma;
  }
}
