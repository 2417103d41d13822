import { z } from 'zod';
import { CloseLag } from './close-lag.js';
import { periodSchema } from './period.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const rocParams = z.object({ period: periodSchema(1, 10) }).strict();
export type RocParams = z.output<typeof rocParams>;

/**
 * Rate of change of the close in percent, TA-Lib's `ROC`: (close/close[period ago] − 1)·100, 0 when
 * the old close is 0. Lookback `period`.
 */
export class Roc implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  /** The close `period` candles ago. */
  private readonly lag: CloseLag;

  constructor(params: z.input<typeof rocParams> = {}) {
    const { period } = rocParams.parse(params);
    this.lag = new CloseLag(period);
    this.lookbacks = [period];
  }

  update(_high: number, _low: number, close: number, _volume: number): void {
    const pastClose = this.lag.push(close);
    // NaN during warm-up stays NaN; an old close of 0 gives 0 (TA-Lib).
    const roc = pastClose === 0 ? 0 : (close / pastClose - 1) * 100;
    this.out[0] = roc;
  }
}
