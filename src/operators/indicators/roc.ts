import { z } from 'zod';
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
  private readonly period: number;
  /** The last `period` closes; slot `count % period` holds the close `period` candles ago. */
  private readonly closes: Float64Array;
  private count = 0;

  constructor(params: z.input<typeof rocParams> = {}) {
    const { period } = rocParams.parse(params);
    this.period = period;
    this.closes = new Float64Array(period);
    this.lookbacks = [period];
  }

  update(_high: number, _low: number, close: number, _volume: number): number {
    const slot = this.count % this.period;
    const pastClose = this.closes[slot];
    this.closes[slot] = close;
    let roc = Number.NaN;
    if (this.count >= this.period) roc = pastClose !== 0 ? (close / pastClose - 1) * 100 : 0;
    this.count++;
    this.out[0] = roc;
    return roc;
  }
}
