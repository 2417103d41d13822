/**
 * Binance's funding settlement instants: every 8 h from 00:00 UTC on most USDⓈ-M perpetuals. One
 * definition for every place that asks which settlements a candle holds — the Binance venue, the
 * live kline feed, the fake venue.
 */
export const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** Settlement instants in `(from, to]` (ms): the candle that closes at 08:00 holds the 08:00 one. */
export const fundingInstantsIn = (from: number, to: number, intervalMs = FUNDING_INTERVAL_MS): number[] => {
  const instants: number[] = [];
  for (let t = Math.floor(from / intervalMs) * intervalMs + intervalMs; t <= to; t += intervalMs)
    instants.push(t);
  return instants;
};

/** The first settlement instant after `t`. */
export const nextFundingTime = (t: number, intervalMs = FUNDING_INTERVAL_MS): number =>
  Math.floor(t / intervalMs) * intervalMs + intervalMs;
