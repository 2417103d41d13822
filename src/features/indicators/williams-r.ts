import { z } from 'zod';
import { periodSchema } from './period.js';
import { RollingRange } from './rolling-range.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const williamsRParams = z.object({ period: periodSchema(2, 14) }).strict();
export type WilliamsRParams = z.output<typeof williamsRParams>;

/**
 * Williams %R, TA-Lib's `WILLR`: (highest − close)/((highest − lowest)/−100) over `period` candles,
 * in [−100, 0]; 0 when the range is 0. Lookback `period − 1`.
 */
export class WilliamsR implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly range: RollingRange;

  constructor(params: z.input<typeof williamsRParams> = {}) {
    const { period } = williamsRParams.parse(params);
    this.range = new RollingRange(period);
    this.lookbacks = [period - 1];
  }

  update(high: number, low: number, close: number, _volume: number): void {
    const range = this.range;
    let williamsR = Number.NaN;
    if (range.next(high, low)) {
      const diff = (range.highest - range.lowest) / -100;
      williamsR = diff !== 0 ? (range.highest - close) / diff : 0;
    }
    this.out[0] = williamsR;
  }
}
