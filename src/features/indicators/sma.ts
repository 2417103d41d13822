import { z } from 'zod';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const smaParams = z.object({ period: periodSchema(1, 20) }).strict();
export type SmaParams = z.output<typeof smaParams>;

/**
 * Simple moving average of the close, TA-Lib's `SMA`/`INT_SMA`: a running sum that adds the new
 * value, divides, then subtracts the value leaving the window — the same operations in the same
 * order as TA-Lib, so its rounding drift is reproduced rather than a different one introduced.
 * Lookback `period − 1`. `next(value)` runs it on any series (Stochastic smooths %K with it).
 * Period 1 is allowed here for Stochastic's smoothing; the `sma_N` feature requires N ≥ 2 as TA-Lib.
 */
export class Sma implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  /** The last `period` values; slot `count % period` holds the oldest once full. */
  private readonly window: Float64Array;
  private count = 0;
  private total = 0;

  constructor(params: z.input<typeof smaParams> = {}) {
    const { period } = smaParams.parse(params);
    this.period = period;
    this.window = new Float64Array(period);
    this.lookbacks = [period - 1];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    this.next(close);
  }

  /** Consumes one value of any series; returns the mean of the last `period` values or `NaN`. */
  next(value: number): number {
    const slot = this.count % this.period;
    this.count++;
    this.total += value;
    let mean = Number.NaN;
    if (this.count >= this.period) {
      mean = this.total / this.period;
      // The value leaving the window is the oldest: it sits in the slot after the newest.
      const oldestSlot = this.count % this.period;
      this.total -= oldestSlot === slot ? value : this.window[oldestSlot];
    }
    this.window[slot] = value;
    this.out[0] = mean;
    return mean;
  }
}
