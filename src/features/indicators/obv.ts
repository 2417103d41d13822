import type { StreamingIndicator } from './streaming-indicator.js';

/**
 * On-balance volume, TA-Lib's `OBV`: starts at the FIRST candle's volume (technicalindicators
 * starts at 0), then adds the volume on an up close, subtracts it on a down close, keeps it on
 * an unchanged close. Lookback 0: a value from the first candle on. Takes no parameters.
 */
export class Obv implements StreamingIndicator {
  readonly lookbacks: readonly number[] = [0];
  readonly out = new Float64Array([Number.NaN]);
  private started = false;
  private prevClose = 0;
  private obv = 0;

  update(_high: number, _low: number, close: number, volume: number): void {
    if (!this.started) {
      this.started = true;
      this.obv = volume;
    } else if (close > this.prevClose) this.obv += volume;
    else if (close < this.prevClose) this.obv -= volume;
    this.prevClose = close;
    this.out[0] = this.obv;
  }
}
