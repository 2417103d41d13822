import { basename } from 'node:path';
import { INTERVAL_MS, type Interval } from '../domain/index.js';

/** Symbol and interval a file name tells, each absent when the name does not say. */
export interface SeriesMeta {
  readonly symbol?: string;
  readonly interval?: Interval;
}

// `AVAXUSDT-1m-2026-02.csv`, `BTCUSDT-1h-2022-01-spot.csv`, `ETHBTC-5m.freqtrade.json`, `ETHUSDT-trades-2023-02-02.csv`.
const NAME_PATTERN = /^([A-Z0-9]{2,30})(?:[-_.]([0-9]+[mhd]))?(?=[-_.]|$)/;

/**
 * Reads symbol and interval from a data.binance.vision-style file name: the symbol is the
 * leading upper-case id, the interval the next `-`-separated token when it is a Binance interval.
 */
export const metaFromFileName = (path: string): SeriesMeta => {
  const match = NAME_PATTERN.exec(basename(path));
  if (match === null) return {};
  const interval = match[2] !== undefined && match[2] in INTERVAL_MS ? (match[2] as Interval) : undefined;
  return { symbol: match[1], interval };
};

/**
 * The interval whose length is the most common delta between consecutive open times (the first
 * `count` entries of `openTimes`), or undefined when that delta is not a Binance interval or
 * there are fewer than two rows. Gaps and a few bad rows do not change the mode.
 */
export const intervalFromOpenTimes = (openTimes: ArrayLike<number>, count: number): Interval | undefined => {
  const deltaCounts = new Map<number, number>();
  for (let i = 1; i < count; i++) {
    const deltaMs = openTimes[i] - openTimes[i - 1];
    if (deltaMs > 0) deltaCounts.set(deltaMs, (deltaCounts.get(deltaMs) ?? 0) + 1);
  }
  let bestDeltaMs = 0;
  let bestCount = 0;
  for (const [deltaMs, seen] of deltaCounts) {
    if (seen > bestCount || (seen === bestCount && deltaMs < bestDeltaMs)) {
      bestDeltaMs = deltaMs;
      bestCount = seen;
    }
  }
  return intervalOfMs(bestDeltaMs);
};

/** The interval of exactly `intervalMs`, if Binance has one. */
export const intervalOfMs = (intervalMs: number): Interval | undefined => {
  for (const [name, ms] of Object.entries(INTERVAL_MS)) if (ms === intervalMs) return name as Interval;
  return undefined;
};
