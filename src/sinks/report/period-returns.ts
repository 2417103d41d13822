/**
 * Period returns of an equity curve and the ratios built on them (Sharpe, Sortino).
 *
 * Basis: when the run spans at least 3 days, equity is resampled to daily UTC closes (the last point
 * of each UTC day; a day without points carries the previous close, i.e. a 0 return) and annualized
 * with 365 periods a year, because crypto futures trade every day. Shorter runs have too few days,
 * so they use one return per equity point (one per bar) annualized with bars-per-year =
 * 365 days / barIntervalMs; that basis assumes the points are not downsampled.
 * The first return is measured from the initial equity. Risk-free rate is 0.
 */

export const DAY_MS = 86_400_000;
export const YEAR_DAYS = 365;
/** Spans at least this long are measured on daily returns. */
export const DAILY_BASIS_MIN_SPAN_MS = 3 * DAY_MS;

export type ReturnsBasis = 'daily' | 'bar';

export interface PeriodReturns {
  readonly basis: ReturnsBasis;
  readonly returns: Float64Array;
  readonly periodsPerYear: number;
}

/** Equity points as two parallel arrays, the shape the loops below read without allocating. */
export interface EquitySeries {
  readonly ts: ArrayLike<number>;
  readonly equityUsdt: ArrayLike<number>;
}

// A blown account (equity ≤ 0) has no meaningful further returns; count them as flat.
const simpleReturn = (value: number, previous: number): number => (previous > 0 ? value / previous - 1 : 0);

/**
 * Returns per period of an equity series (see the file comment for the basis).
 * `fromTs`/`toTs` bound the run; `initialEquityUsdt` is the value before the first point.
 */
export const periodReturns = (
  series: EquitySeries,
  initialEquityUsdt: number,
  fromTs: number,
  toTs: number,
  barIntervalMs: number,
): PeriodReturns => {
  const count = series.ts.length;
  if (toTs - fromTs >= DAILY_BASIS_MIN_SPAN_MS && count > 0) {
    const firstDay = Math.floor(Math.min(fromTs, series.ts[0]) / DAY_MS);
    const lastDay = Math.floor(series.ts[count - 1] / DAY_MS);
    const dayCount = lastDay - firstDay + 1;
    const closes = new Float64Array(dayCount).fill(Number.NaN);
    for (let i = 0; i < count; i++) {
      closes[Math.floor(series.ts[i] / DAY_MS) - firstDay] = series.equityUsdt[i];
    }
    const returns = new Float64Array(dayCount);
    let previous = initialEquityUsdt;
    for (let d = 0; d < dayCount; d++) {
      const close = Number.isNaN(closes[d]) ? previous : closes[d];
      returns[d] = simpleReturn(close, previous);
      previous = close;
    }
    return { basis: 'daily', returns, periodsPerYear: YEAR_DAYS };
  }
  const returns = new Float64Array(count);
  let previous = initialEquityUsdt;
  for (let i = 0; i < count; i++) {
    const value = series.equityUsdt[i];
    returns[i] = simpleReturn(value, previous);
    previous = value;
  }
  return { basis: 'bar', returns, periodsPerYear: (YEAR_DAYS * DAY_MS) / barIntervalMs };
};

const meanOf = (values: Float64Array): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
};

/**
 * Annualized Sharpe ratio: mean / sample standard deviation (n − 1) × √periodsPerYear.
 * Null with fewer than 2 periods or when returns never vary (the ratio is undefined).
 */
export const sharpeRatio = (returns: Float64Array, periodsPerYear: number): number | null => {
  const n = returns.length;
  if (n < 2) return null;
  const mean = meanOf(returns);
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (returns[i] - mean) ** 2;
  const std = Math.sqrt(squares / (n - 1));
  // Flat returns leave only float noise in std; treat that as no variation at all.
  if (std <= 1e-15) return null;
  return (mean / std) * Math.sqrt(periodsPerYear);
};

/**
 * Annualized Sortino ratio: mean / downside deviation × √periodsPerYear, where the downside
 * deviation is √(Σ min(r, 0)² / n) over ALL n periods (target 0), not only the losing ones.
 * No losing period: +Infinity when the mean is positive, null when it is 0. Null below 2 periods.
 */
export const sortinoRatio = (returns: Float64Array, periodsPerYear: number): number | null => {
  const n = returns.length;
  if (n < 2) return null;
  const mean = meanOf(returns);
  let downsideSquares = 0;
  for (let i = 0; i < n; i++) if (returns[i] < 0) downsideSquares += returns[i] * returns[i];
  const downside = Math.sqrt(downsideSquares / n);
  if (downside === 0) return mean > 0 ? Number.POSITIVE_INFINITY : null;
  return (mean / downside) * Math.sqrt(periodsPerYear);
};
