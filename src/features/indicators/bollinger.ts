import { z } from 'zod';
import { periodSchema } from './period.js';
import { RollingMoments, taStdDev } from './rolling-moments.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const bollingerParams = z
  .object({
    period: periodSchema(2, 20),
    /** Band width in standard deviations, same above and below. */
    nbdev: z.number().finite().positive().default(2),
  })
  .strict();
export type BollingerParams = z.output<typeof bollingerParams>;

/**
 * Bollinger bands of the close, TA-Lib's `BBANDS` with an SMA middle band and equal up/down width:
 * middle = SMA(period), σ = population standard deviation of the same window, upper/lower =
 * middle ± nbdev·σ. Outputs `out = [upper, middle, lower]`; lookback `period − 1`.
 */
export class Bollinger implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  /** [upper, middle, lower]. */
  readonly out = new Float64Array([Number.NaN, Number.NaN, Number.NaN]);
  private readonly nbdev: number;
  private readonly moments: RollingMoments;

  constructor(params: z.input<typeof bollingerParams> = {}) {
    const { period, nbdev } = bollingerParams.parse(params);
    this.nbdev = nbdev;
    this.moments = new RollingMoments(period);
    this.lookbacks = [period - 1, period - 1, period - 1];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const moments = this.moments;
    if (!moments.next(close)) return;
    const middle = moments.mean;
    const width = taStdDev(moments.variance) * this.nbdev;
    const out = this.out;
    out[0] = middle + width;
    out[1] = middle;
    out[2] = middle - width;
  }
}
