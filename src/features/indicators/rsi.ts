import { z } from 'zod';
import { periodSchema } from './period.js';
import { isTaZero, type StreamingIndicator } from './streaming-indicator.js';

export const rsiParams = z.object({ period: periodSchema(2, 14) }).strict();
export type RsiParams = z.output<typeof rsiParams>;

/**
 * Relative strength index of the close, TA-Lib's `RSI` (Wilder smoothing): the first average
 * gain/loss is the simple mean of the first `period` changes, then `avg = (avg·(period−1) + x)/period`;
 * RSI = 100·gain/(gain+loss), 0 when gain+loss is TA-Lib-zero. Not rounded (technicalindicators
 * rounds to 2 decimals). Lookback `period`: the first value is at candle `period` (it needs
 * `period` changes).
 */
export class Rsi implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  /** Candles seen. */
  private count = 0;
  private prevClose = 0;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(params: z.input<typeof rsiParams> = {}) {
    const { period } = rsiParams.parse(params);
    this.period = period;
    this.lookbacks = [period];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const period = this.period;
    const count = this.count++;
    const change = close - this.prevClose;
    this.prevClose = close;
    // Warm-up (the first candle, then until `period` changes are seen) leaves out[0] at its NaN.
    if (count === 0) return;
    if (count > period) {
      this.avgLoss *= period - 1;
      this.avgGain *= period - 1;
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      this.avgLoss /= period;
      this.avgGain /= period;
    } else {
      // Seed: plain sums of the first `period` gains and losses, then their mean.
      if (change < 0) this.avgLoss -= change;
      else this.avgGain += change;
      if (count < period) return;
      this.avgLoss /= period;
      this.avgGain /= period;
    }
    const total = this.avgGain + this.avgLoss;
    this.out[0] = isTaZero(total) ? 0 : 100 * (this.avgGain / total);
  }
}
