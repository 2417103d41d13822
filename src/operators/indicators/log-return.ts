import { z } from 'zod';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const logReturnParams = z.object({ period: periodSchema(1, 1) }).strict();
export type LogReturnParams = z.output<typeof logReturnParams>;

/**
 * Log return over `period` candles: ln(close_t / close_{t−period}) — TA-Lib's `LN(ROCR(close, period))`
 * (ROCR gives 0 for a zero old close; closes are positive here). Lookback `period`.
 */
export class LogReturn implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly period: number;
  private readonly closes: Float64Array;
  private count = 0;

  constructor(params: z.input<typeof logReturnParams> = {}) {
    const { period } = logReturnParams.parse(params);
    this.period = period;
    this.closes = new Float64Array(period);
    this.lookbacks = [period];
  }

  update(_high: number, _low: number, close: number, _volume: number): number {
    const slot = this.count % this.period;
    const pastClose = this.closes[slot];
    this.closes[slot] = close;
    const logReturn = this.count >= this.period ? Math.log(close / pastClose) : Number.NaN;
    this.count++;
    this.out[0] = logReturn;
    return logReturn;
  }
}
