import { z } from 'zod';
import { Ema } from './ema.js';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const macdParams = z
  .object({
    fast: periodSchema(2, 12),
    slow: periodSchema(2, 26),
    /** ≥ 2: TA-Lib nominally accepts 1 but then returns a shifted, partly uninitialized series. */
    signal: periodSchema(2, 9),
  })
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast period must be smaller than slow period' });
export type MacdParams = z.output<typeof macdParams>;

/**
 * MACD of the close exactly as TA-Lib's `MACD` computes it. Outputs: `out = [macd, signal, hist]`.
 *
 * TA-Lib's particularities, reproduced here:
 * - the slow EMA is seeded with the mean of closes 0…slow−1, but the FAST EMA is seeded with the
 *   mean of the `fast` closes ending at candle slow−1 (not of the first `fast` closes), so both
 *   EMAs start on the same candle;
 * - the signal EMA (k = 2/(signal+1)) is seeded with the mean of the first `signal` MACD values;
 * - all three outputs start together at candle `slow − 1 + signal − 1` (the MACD line is known
 *   earlier but TA-Lib does not output it before the signal exists), so every lookback is that.
 */
export class Macd implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  /** [macd line, signal, histogram]. */
  readonly out = new Float64Array([Number.NaN, Number.NaN, Number.NaN]);
  private readonly fastEma: Ema;
  private readonly slowEma: Ema;
  private readonly signalEma: Ema;
  /** Candles before the fast EMA starts consuming (slow − fast). */
  private readonly fastDelay: number;
  private count = 0;

  constructor(params: z.input<typeof macdParams> = {}) {
    const { fast, slow, signal } = macdParams.parse(params);
    this.fastEma = new Ema({ period: fast });
    this.slowEma = new Ema({ period: slow });
    this.signalEma = new Ema({ period: signal });
    this.fastDelay = slow - fast;
    const lookback = slow - 1 + signal - 1;
    this.lookbacks = [lookback, lookback, lookback];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const count = this.count++;
    const slow = this.slowEma.next(close);
    if (count < this.fastDelay) return;
    const fast = this.fastEma.next(close);
    // NaN until both EMAs are seeded (at candle slow − 1).
    if (Number.isNaN(slow)) return;
    const line = fast - slow;
    const signal = this.signalEma.next(line);
    const out = this.out;
    if (Number.isNaN(signal)) return;
    out[0] = line;
    out[1] = signal;
    out[2] = line - signal;
  }
}
