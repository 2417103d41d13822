import { z } from 'zod';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const cciParams = z.object({ period: periodSchema(2, 20) }).strict();
export type CciParams = z.output<typeof cciParams>;

/**
 * Commodity channel index, TA-Lib's `CCI`: typical price tp = (h+l+c)/3; mean and MEAN absolute
 * deviation of tp over `period`; CCI = (tp − mean)/(0.015·meanDeviation), 0 when either is 0.
 * Sums run over the ring buffer in slot order, as TA-Lib's circular buffer does, so the rounding
 * is the same. O(period) per candle (the mean deviation has no running form). Lookback `period − 1`.
 */
export class Cci implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  private readonly typicalPrices: Float64Array;
  private count = 0;

  constructor(params: z.input<typeof cciParams> = {}) {
    const { period } = cciParams.parse(params);
    this.period = period;
    this.typicalPrices = new Float64Array(period);
    this.lookbacks = [period - 1];
  }

  update(high: number, low: number, close: number, _volume: number): void {
    const period = this.period;
    const prices = this.typicalPrices;
    const typicalPrice = (high + low + close) / 3;
    prices[this.count % period] = typicalPrice;
    this.count++;
    let cci = Number.NaN;
    if (this.count >= period) {
      let average = 0;
      for (let j = 0; j < period; j++) average += prices[j];
      average /= period;
      let deviationSum = 0;
      for (let j = 0; j < period; j++) deviationSum += Math.abs(prices[j] - average);
      const distance = typicalPrice - average;
      cci = distance !== 0 && deviationSum !== 0 ? distance / (0.015 * (deviationSum / period)) : 0;
    }
    this.out[0] = cci;
  }
}
