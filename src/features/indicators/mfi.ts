import { z } from 'zod';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const mfiParams = z.object({ period: periodSchema(2, 14) }).strict();
export type MfiParams = z.output<typeof mfiParams>;

/**
 * Money flow index, TA-Lib's `MFI`: money flow = typical price·volume, positive when the typical
 * price rose, negative when it fell, neither when unchanged; MFI = 100·pos/(pos+neg) over the last
 * `period` flows via running sums (TA-Lib's order: subtract the leaving flow, add the new one);
 * 0 when pos+neg < 1 (TA-Lib's test). Not rounded (technicalindicators rounds to 2 decimals).
 * Lookback `period` (the first flow needs a previous typical price).
 */
export class Mfi implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  private readonly positiveFlows: Float64Array;
  private readonly negativeFlows: Float64Array;
  private count = 0;
  private prevTypicalPrice = 0;
  private positiveSum = 0;
  private negativeSum = 0;

  constructor(params: z.input<typeof mfiParams> = {}) {
    const { period } = mfiParams.parse(params);
    this.period = period;
    this.positiveFlows = new Float64Array(period);
    this.negativeFlows = new Float64Array(period);
    this.lookbacks = [period];
  }

  update(high: number, low: number, close: number, volume: number): void {
    const period = this.period;
    const count = this.count++;
    const typicalPrice = (high + low + close) / 3;
    const change = typicalPrice - this.prevTypicalPrice;
    this.prevTypicalPrice = typicalPrice;
    if (count === 0) return;
    // Flow of candle k (k ≥ 1) lives in slot (k − 1) % period.
    const slot = (count - 1) % period;
    if (count > period) {
      this.positiveSum -= this.positiveFlows[slot];
      this.negativeSum -= this.negativeFlows[slot];
    }
    const flow = typicalPrice * volume;
    if (change < 0) {
      this.negativeFlows[slot] = flow;
      this.negativeSum += flow;
      this.positiveFlows[slot] = 0;
    } else if (change > 0) {
      this.positiveFlows[slot] = flow;
      this.positiveSum += flow;
      this.negativeFlows[slot] = 0;
    } else {
      this.positiveFlows[slot] = 0;
      this.negativeFlows[slot] = 0;
    }
    if (count < period) return;
    const total = this.positiveSum + this.negativeSum;
    const mfi = total < 1 ? 0 : 100 * (this.positiveSum / total);
    this.out[0] = mfi;
  }
}
