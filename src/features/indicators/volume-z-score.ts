import { z } from 'zod';
import { periodSchema } from './period.js';
import { RollingMoments, taStdDev } from './rolling-moments.js';
import type { StreamingIndicator } from './streaming-indicator.js';

export const volumeZScoreParams = z.object({ period: periodSchema(2, 20) }).strict();
export type VolumeZScoreParams = z.output<typeof volumeZScoreParams>;

/**
 * Volume z-score `volz_N`: (v − mean_N)/σ_N over the last N volumes INCLUDING the current candle,
 * σ the population standard deviation; 0 when σ is 0 (a flat window, e.g. no trades). Equals
 * `(v − SMA(v, N)) / STDDEV(v, N, 1)` in TA-Lib terms, with the same running sums. Lookback N − 1.
 */
export class VolumeZScore implements StreamingIndicator {
  readonly lookbacks: readonly number[];
  readonly out = new Float64Array([Number.NaN]);
  private readonly moments: RollingMoments;

  constructor(params: z.input<typeof volumeZScoreParams> = {}) {
    const { period } = volumeZScoreParams.parse(params);
    this.moments = new RollingMoments(period);
    this.lookbacks = [period - 1];
  }

  update(_high: number, _low: number, _close: number, volume: number): void {
    let zScore = Number.NaN;
    if (this.moments.next(volume)) {
      const stdDev = taStdDev(this.moments.variance);
      zScore = stdDev === 0 ? 0 : (volume - this.moments.mean) / stdDev;
    }
    this.out[0] = zScore;
  }
}
