import { INTERVAL_MS } from './kline.js';

const HOUR_MS = INTERVAL_MS['1h'];

/** A funding interval given in hours (Binance's `fundingIntervalHours`), in ms. */
export const fundingIntervalMs = (hours: number): number => hours * HOUR_MS;

/**
 * Binance's funding settlement instants: every 8 h from 00:00 UTC on most USDⓈ-M perpetuals (its
 * longest interval; some symbols settle every 4 h or every hour). One definition for every place
 * that asks which settlements a candle holds — the Binance venue, the live kline feed, the fake venue.
 */
export const FUNDING_INTERVAL_MS = fundingIntervalMs(8);

/** Settlement instants in `(from, to]` (ms): the candle that closes at 08:00 holds the 08:00 one. */
export const fundingInstantsIn = (from: number, to: number, intervalMs = FUNDING_INTERVAL_MS): number[] => {
  const instants: number[] = [];
  for (let t = Math.floor(from / intervalMs) * intervalMs + intervalMs; t <= to; t += intervalMs)
    instants.push(t);
  return instants;
};

/**
 * The settlement instant a funding record stands for: the nearest whole hour (UTC). Binance settles
 * on whole hours (every 8 h, or 4 h / 1 h on some symbols) and its `calc_time` / `fundingTime`
 * lags that hour by a few ms (XRPUSDT: 0 to 17 ms) — taken literally, the 08:00 settlement would
 * land in the candle that opens at 08:00 instead of the one that closes then.
 */
export const settlementHourOf = (fundingTime: number): number => Math.round(fundingTime / HOUR_MS) * HOUR_MS;

/**
 * When a candle `(openTime, ts]` that carries a funding rate from data settles it: its last whole
 * hour (where `attachFunding` put the settlement), or its close when it holds none (a rate set on a
 * sub-hour candle by other means).
 */
export const dataSettlementInstant = (openTime: number, ts: number): number => {
  const hour = Math.floor(ts / HOUR_MS) * HOUR_MS;
  return hour > openTime ? hour : ts;
};

/** The first settlement instant after `t`. */
export const nextFundingTime = (t: number, intervalMs = FUNDING_INTERVAL_MS): number =>
  Math.floor(t / intervalMs) * intervalMs + intervalMs;
