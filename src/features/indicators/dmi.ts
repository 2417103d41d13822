import { z } from 'zod';
import { periodSchema } from './period.js';
import { isTaZero, type StreamingIndicator, trueRange } from './streaming-indicator.js';

export const dmiParams = z.object({ period: periodSchema(2, 14) }).strict();
export type DmiParams = z.output<typeof dmiParams>;

/**
 * Wilder's directional movement system, TA-Lib's `ADX`, `PLUS_DI` and `MINUS_DI` in one pass.
 * Outputs `out = [adx, plusDi, minusDi]`.
 *
 * +DM/−DM and TR are Wilder *sums* (TA-Lib: the first `period − 1` raw values are added, then each
 * candle `sum = sum − sum/period + x`); DI = 100·DM/TR (0 when TR is TA-Lib-zero, as `PLUS_DI`
 * outputs). DX = 100·|−DI − +DI|/(−DI + +DI); the first ADX is the mean of the first `period` DX
 * values, then `adx = (adx·(period−1) + dx)/period`; a candle whose TR or DI sum is TA-Lib-zero
 * leaves ADX unchanged (TA-Lib's `ADX` skips it). Lookbacks: DI `period`, ADX `2·period − 1`.
 */
export class Dmi implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  /** [adx, plusDi, minusDi]. */
  readonly out = new Float64Array([Number.NaN, Number.NaN, Number.NaN]);
  private readonly period: number;
  private count = 0;
  private prevHigh = 0;
  private prevLow = 0;
  private prevClose = 0;
  private plusDm = 0;
  private minusDm = 0;
  private tr = 0;
  /** Sum of DX during the ADX seed, then the smoothed ADX. */
  private adx = 0;

  constructor(params: z.input<typeof dmiParams> = {}) {
    const { period } = dmiParams.parse(params);
    this.period = period;
    this.lookbacks = [2 * period - 1, period, period];
  }

  update(high: number, low: number, close: number, _volume: number): void {
    const period = this.period;
    const count = this.count++;
    const diffPlus = high - this.prevHigh;
    const diffMinus = this.prevLow - low;
    const tr = count === 0 ? 0 : trueRange(high, low, this.prevClose);
    this.prevHigh = high;
    this.prevLow = low;
    this.prevClose = close;
    if (count === 0) return;
    if (count < period) {
      // Seed: raw sums of the first `period − 1` movements and true ranges.
      if (diffMinus > 0 && diffPlus < diffMinus) this.minusDm += diffMinus;
      else if (diffPlus > 0 && diffPlus > diffMinus) this.plusDm += diffPlus;
      this.tr += tr;
      return;
    }
    this.minusDm -= this.minusDm / period;
    this.plusDm -= this.plusDm / period;
    if (diffMinus > 0 && diffPlus < diffMinus) this.minusDm += diffMinus;
    else if (diffPlus > 0 && diffPlus > diffMinus) this.plusDm += diffPlus;
    this.tr = this.tr - this.tr / period + tr;

    const out = this.out;
    let dx = Number.NaN;
    if (isTaZero(this.tr)) {
      out[1] = 0;
      out[2] = 0;
    } else {
      const minusDi = 100 * (this.minusDm / this.tr);
      const plusDi = 100 * (this.plusDm / this.tr);
      out[1] = plusDi;
      out[2] = minusDi;
      const diSum = minusDi + plusDi;
      if (!isTaZero(diSum)) dx = 100 * (Math.abs(minusDi - plusDi) / diSum);
    }
    // DX values of candles period … 2·period−1 seed the ADX.
    const seedEnd = 2 * period - 1;
    if (count < seedEnd) {
      if (!Number.isNaN(dx)) this.adx += dx;
    } else if (count === seedEnd) {
      if (!Number.isNaN(dx)) this.adx += dx;
      this.adx = this.adx / period;
      out[0] = this.adx;
    } else {
      if (!Number.isNaN(dx)) this.adx = (this.adx * (period - 1) + dx) / period;
      out[0] = this.adx;
    }
  }
}
