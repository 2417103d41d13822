import { z } from 'zod';
import { periodSchema } from './period.js';
import { RollingRange } from './rolling-range.js';
import { Sma } from './sma.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const stochasticParams = z
  .object({
    /** Candles of the raw %K's high/low window (TA-Lib optInFastK_Period). */
    fastK: periodSchema(1, 14),
    /** SMA length that smooths raw %K into slow %K (TA-Lib optInSlowK_Period, MA type SMA). */
    slowK: periodSchema(1, 3),
    /** SMA length that smooths slow %K into slow %D (TA-Lib optInSlowD_Period, MA type SMA). */
    slowD: periodSchema(1, 3),
  })
  .strict();
export type StochasticParams = z.output<typeof stochasticParams>;

/**
 * Slow stochastic, TA-Lib's `STOCH` with SMA smoothing. Raw %K = (close − lowest)/((highest −
 * lowest)/100) over `fastK` candles (0 when the range is 0); slow %K = SMA(raw %K, slowK); slow
 * %D = SMA(slow %K, slowD). Outputs `out = [slowK, slowD]`. As in TA-Lib both start together at
 * lookback `fastK − 1 + slowK − 1 + slowD − 1` (slow %K is known earlier but not output before %D).
 * Feature names: `stoch_k_14_3` = slow %K with fastK 14, slowK = slowD = 3; `stoch_d_14_3` = slow %D.
 */
export class Stochastic implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  /** [slowK, slowD]. */
  readonly out = new Float64Array([Number.NaN, Number.NaN]);
  private readonly range: RollingRange;
  private readonly slowKSma: Sma;
  private readonly slowDSma: Sma;

  constructor(params: z.input<typeof stochasticParams> = {}) {
    const { fastK, slowK, slowD } = stochasticParams.parse(params);
    this.range = new RollingRange(fastK);
    this.slowKSma = new Sma({ period: slowK });
    this.slowDSma = new Sma({ period: slowD });
    const lookback = fastK - 1 + slowK - 1 + slowD - 1;
    this.lookbacks = [lookback, lookback];
  }

  update(high: number, low: number, close: number, _volume: number): void {
    const range = this.range;
    if (!range.next(high, low)) return;
    const diff = (range.highest - range.lowest) / 100;
    const rawK = diff !== 0 ? (close - range.lowest) / diff : 0;
    const slowK = this.slowKSma.next(rawK);
    if (Number.isNaN(slowK)) return;
    const slowD = this.slowDSma.next(slowK);
    if (Number.isNaN(slowD)) return;
    this.out[0] = slowK;
    this.out[1] = slowD;
  }
}
