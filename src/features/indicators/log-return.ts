import { z } from 'zod';
import { CloseLag } from './close-lag.js';
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
  /** The close `period` candles ago. */
  private readonly lag: CloseLag;

  constructor(params: z.input<typeof logReturnParams> = {}) {
    const { period } = logReturnParams.parse(params);
    this.lag = new CloseLag(period);
    this.lookbacks = [period];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const pastClose = this.lag.push(close);
    const logReturn = Math.log(close / pastClose);
    this.out[0] = logReturn;
  }
}
