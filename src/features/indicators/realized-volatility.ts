import { z } from 'zod';
import { periodSchema } from './period.js';
import { RollingMoments, taStdDev } from './rolling-moments.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const realizedVolatilityParams = z.object({ period: periodSchema(2, 20) }).strict();
export type RealizedVolatilityParams = z.output<typeof realizedVolatilityParams>;

/**
 * Realized volatility `rvol_N`: the POPULATION standard deviation (divide by N, like TA-Lib's
 * `STDDEV` and pandas `std(ddof=0)`) of the last N one-candle log returns ln(c_t/c_{t−1}), per
 * candle (not annualized). Equals TA-Lib `STDDEV(LN(ROCR(close, 1)), N, 1)`, computed with the
 * same running sums; 0 when the variance is below TA_EPSILON. The first return is at candle 1,
 * so the lookback is N.
 */
export class RealizedVolatility implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly moments: RollingMoments;
  private prevClose = Number.NaN;

  constructor(params: z.input<typeof realizedVolatilityParams> = {}) {
    const { period } = realizedVolatilityParams.parse(params);
    this.moments = new RollingMoments(period);
    this.lookbacks = [period];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const prevClose = this.prevClose;
    this.prevClose = close;
    let volatility = Number.NaN;
    // The first candle has no return yet (prevClose is NaN).
    if (!Number.isNaN(prevClose) && this.moments.next(Math.log(close / prevClose))) {
      volatility = taStdDev(this.moments.variance);
    }
    this.out[0] = volatility;
  }
}
