import { z } from 'zod';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const emaParams = z.object({ period: periodSchema(2, 12) }).strict();
export type EmaParams = z.output<typeof emaParams>;

/**
 * Exponential moving average of the close, TA-Lib's `EMA` (classic compatibility): the seed is
 * the simple mean of the first `period` values, then `ema += (x − ema) · k` with k = 2/(period+1).
 * Lookback `period − 1`: the first value is at the `period`-th candle; `NaN` before.
 * `next(value)` runs the same EMA on any series (MACD uses it on the MACD line).
 */
export class Ema implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  private readonly k: number;
  /** Values seen so far, until the seed is complete. */
  private count = 0;
  /** Sum of the first `period` values (the seed), then unused. */
  private seedSum = 0;
  private ema = Number.NaN;

  constructor(params: z.input<typeof emaParams> = {}) {
    const { period } = emaParams.parse(params);
    this.period = period;
    this.k = 2 / (period + 1);
    this.lookbacks = [period - 1];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    this.next(close);
  }

  /** Consumes one value of any series; returns the EMA or `NaN` during warm-up. */
  next(value: number): number {
    if (this.count >= this.period) {
      // Same operation order as TA-Lib: ((x − prev) · k) + prev.
      this.ema = (value - this.ema) * this.k + this.ema;
    } else {
      this.seedSum += value;
      this.count++;
      if (this.count === this.period) this.ema = this.seedSum / this.period;
    }
    this.out[0] = this.ema;
    return this.ema;
  }
}
