import type { WindowData } from './train.js';

/**
 * How a forecaster sees prices: scale-free windows of log closes. For a window ending at candle t,
 * `x[k] = (ln close[t−W+1+k] − ln close[t]) / scale` (so the last input is 0) and the targets are
 * `y[j] = (ln close[t+1+j] − ln close[t]) / scale`, j < horizon: the log return j+1 candles ahead.
 * `scale` (the standard deviation of one-candle log returns in the training data) makes inputs of
 * order 1 for every symbol and price level, so one network serves them all.
 */

/** ln of each close; a non-positive or non-finite close becomes NaN (its windows are skipped). */
export const logCloses = (close: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) {
    const c = close[i];
    out[i] = Number.isFinite(c) && c > 0 ? Math.log(c) : Number.NaN;
  }
  return out;
};

/** Standard deviation of one-candle log returns over all series (finite ones); 1e-4 at least. */
export const returnScale = (series: readonly Float64Array[]): number => {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (const logClose of series) {
    for (let i = 1; i < logClose.length; i++) {
      const r = logClose[i] - logClose[i - 1];
      if (!Number.isFinite(r)) continue;
      n++;
      sum += r;
      sumSq += r * r;
    }
  }
  if (n < 2) return 1e-4;
  const mean = sum / n;
  return Math.max(1e-4, Math.sqrt(Math.max(0, sumSq / n - mean * mean)));
};

/** Whether the window ending at `end` (and, with `horizon` > 0, its targets) exists and is finite. */
export const windowIsComplete = (
  logClose: Float64Array,
  end: number,
  window: number,
  horizon: number,
): boolean => {
  if (end - window + 1 < 0 || end + horizon >= logClose.length) return false;
  for (let i = end - window + 1; i <= end + horizon; i++) if (!Number.isFinite(logClose[i])) return false;
  return true;
};

/**
 * Windows ending at each `(series, end)` of `at` (callers keep only complete ones, see
 * `windowIsComplete`); `horizon` 0 ⇒ inputs only (`y` empty).
 */
export const windowsAt = (
  series: readonly Float64Array[],
  at: readonly { readonly series: number; readonly end: number }[],
  window: number,
  horizon: number,
  scale: number,
): WindowData => {
  const x = new Float32Array(at.length * window);
  const y = new Float32Array(at.length * horizon);
  at.forEach(({ series: s, end }, row) => {
    const logClose = series[s];
    const last = logClose[end];
    for (let k = 0; k < window; k++) x[row * window + k] = (logClose[end - window + 1 + k] - last) / scale;
    for (let j = 0; j < horizon; j++) y[row * horizon + j] = (logClose[end + 1 + j] - last) / scale;
  });
  return { x, y, count: at.length };
};

/** Φ, the standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7; deterministic). */
export const normalCdf = (z: number): number => {
  if (Number.isNaN(z)) return Number.NaN;
  const u = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * u);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-u * u);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
};

/**
 * SELL/HOLD/BUY probabilities of a forecast log return `r` at the horizon, with the forecast's
 * error taken as normal with standard deviation `sigma` (its out-of-sample RMSE): BUY when the
 * return beats +threshold, SELL below −threshold, HOLD between — the same classes the training
 * labels use, so a forecaster is scored like the classifiers.
 */
export const forecastProbabilities = (
  r: number,
  sigma: number,
  thresholdPct: number,
): { SELL: number; HOLD: number; BUY: number } => {
  const up = Math.log1p(thresholdPct / 100);
  const down = Math.log1p(-thresholdPct / 100);
  const s = Math.max(sigma, 1e-12);
  const BUY = 1 - normalCdf((up - r) / s);
  const SELL = normalCdf((down - r) / s);
  return { SELL, HOLD: Math.max(0, 1 - BUY - SELL), BUY };
};
