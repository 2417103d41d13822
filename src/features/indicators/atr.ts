import { z } from 'zod';
import { periodSchema } from './period.js';
import { isTaZero, type StreamingIndicator, trueRange } from './streaming-indicator.js';

export const atrParams = z.object({ period: periodSchema(1, 14) }).strict();
export type AtrParams = z.output<typeof atrParams>;

/**
 * Average true range and normalized ATR, TA-Lib's `ATR` and `NATR`. Outputs `out = [atr, natr]`.
 * True range needs the previous close, so the first TR is at candle 1; the first ATR (candle
 * `period`, the lookback) is the simple mean of the first `period` TRs, then Wilder smoothing
 * `atr = (atr·(period−1) + tr)/period`. NATR = atr/close·100 (0 if the close is TA-Lib-zero).
 */
export class Atr implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  /** [atr, natr]. */
  readonly out = new Float64Array([Number.NaN, Number.NaN]);
  private readonly period: number;
  private count = 0;
  private prevClose = 0;
  /** Sum of TRs during the seed, then the smoothed ATR. */
  private atr = 0;

  constructor(params: z.input<typeof atrParams> = {}) {
    const { period } = atrParams.parse(params);
    this.period = period;
    this.lookbacks = [period, period];
  }

  update(high: number, low: number, close: number, _volume: number): void {
    const period = this.period;
    const count = this.count++;
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (count === 0) return;
    const tr = trueRange(high, low, prevClose);
    if (count > period) {
      this.atr *= period - 1;
      this.atr += tr;
      this.atr /= period;
    } else {
      this.atr += tr;
      if (count < period) return;
      this.atr /= period;
    }
    const atr = this.atr;
    this.out[0] = atr;
    this.out[1] = isTaZero(close) ? 0 : (atr / close) * 100;
  }
}
