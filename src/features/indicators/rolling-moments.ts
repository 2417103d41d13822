/**
 * Mean and population variance of the last `period` values of a series, with TA-Lib's
 * `INT_VAR`/`stddev_using_precalc_ma` arithmetic: running sums of x and x² (add the new value,
 * take the means, subtract the value leaving the window), variance = E[x²] − E[x]². This is not
 * the most accurate variance formula, but it is TA-Lib's, and matching TA-Lib is the point: its
 * rounding (and drift over long series) is reproduced, not replaced by a different one.
 * Used by Bollinger bands, `rvol_N` and `volz_N`; not an indicator on its own.
 */
export class RollingMoments {
  /** Mean of the window after the latest `next` (NaN until full). */
  mean = Number.NaN;
  /** Population variance of the window after the latest `next` (NaN until full). */
  variance = Number.NaN;
  private readonly period: number;
  private readonly window: Float64Array;
  private count = 0;
  private total = 0;
  private totalSquares = 0;

  constructor(period: number) {
    this.period = period;
    this.window = new Float64Array(period);
  }

  /** Adds one value; returns whether the window is full (mean/variance valid). */
  next(value: number): boolean {
    const period = this.period;
    const slot = this.count % period;
    this.count++;
    this.total += value;
    this.totalSquares += value * value;
    if (this.count < period) {
      this.window[slot] = value;
      return false;
    }
    const mean = this.total / period;
    const meanSquares = this.totalSquares / period;
    const oldestSlot = this.count % period;
    const oldest = oldestSlot === slot ? value : this.window[oldestSlot];
    this.total -= oldest;
    this.totalSquares -= oldest * oldest;
    this.window[slot] = value;
    this.mean = mean;
    this.variance = meanSquares - mean * mean;
    return true;
  }
}

/** TA-Lib's standard deviation from a variance: `sqrt(v)`, or 0 when v < TA_EPSILON (`TA_IS_ZERO_OR_NEG`). */
export const taStdDev = (variance: number): number => (variance < 1e-14 ? 0 : Math.sqrt(variance));
