// Klines and funding rates as series of `quantum data download` (binance-download.ts): their CSV
// layout (data.binance.vision's), page sizes and the REST page each one fetches.
import { join } from 'node:path';
import { z } from 'zod';
import { ExchangeError, INTERVAL_MS, type Interval } from '../domain/index.js';
import type { BinanceClient } from '../exchange/binance-client.js';
import type { SeriesRow } from './binance-download-files.js';
import {
  fundingRowSchema,
  klineRowSchema,
  parseResponse,
  type Requester,
} from './binance-download-requests.js';
import type { SeriesSpec } from './binance-download-series.js';

/** Klines per `GET /fapi/v1/klines` (Binance's maximum). */
export const KLINES_PAGE_LIMIT = 1500;
/** Funding rates per `GET /fapi/v1/fundingRate` (Binance's maximum). */
export const FUNDING_PAGE_LIMIT = 1000;
/** data.binance.vision's kline header. */
export const KLINE_CSV_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
/** data.binance.vision's funding-rate header (what `parseFundingCsv` reads). */
export const FUNDING_CSV_HEADER = 'calc_time,funding_interval_hours,last_funding_rate';

const HOUR_MS = 3_600_000;
/** Binance's funding intervals, hours; anything else between two rates is a missing settlement. */
const FUNDING_HOURS = new Set([1, 2, 4, 8]);

/** The klines of `symbol`: `<SYM>-<interval>-<YYYY-MM>.csv`, `pageLimit` candles a request. */
export const klineSpec = (
  request: Requester,
  client: BinanceClient,
  outDir: string,
  symbol: string,
  interval: Interval,
  pageLimit: number,
): SeriesSpec => ({
  header: KLINE_CSV_HEADER,
  stepMs: INTERVAL_MS[interval],
  headSlackMs: INTERVAL_MS[interval],
  pageLimit,
  fileOf: (month) => join(outDir, `${symbol}-${interval}-${month}.csv`),
  fetchPage: async (start, end) => {
    const what = `GET /fapi/v1/klines ${symbol} ${interval} from ${new Date(start).toISOString()}`;
    const body = await request(what, () =>
      client.fapiPublicGetKlines({ symbol, interval, startTime: start, endTime: end, limit: pageLimit }),
    );
    const rows = parseResponse(z.array(klineRowSchema), body, what);
    return ascending(
      rows.map((row) => ({ t: row[0], line: row.slice(0, 12).map(String).join(',') })),
      what,
    );
  },
});

/** The funding rates of `symbol`: `<SYM>-fundingRate-<YYYY-MM>.csv`, 1000 a request. */
export const fundingSpec = (
  request: Requester,
  client: BinanceClient,
  outDir: string,
  symbol: string,
): SeriesSpec => ({
  header: FUNDING_CSV_HEADER,
  stepMs: 1,
  // A month whose first settlement is an hour or more after its start (or after --from) lacks its head.
  headSlackMs: HOUR_MS,
  pageLimit: FUNDING_PAGE_LIMIT,
  fileOf: (month) => join(outDir, `${symbol}-fundingRate-${month}.csv`),
  fetchPage: async (start, end, previousT) => {
    const what = `GET /fapi/v1/fundingRate ${symbol} from ${new Date(start).toISOString()}`;
    const body = await request(what, () =>
      client.fapiPublicGetFundingRate({ symbol, startTime: start, endTime: end, limit: FUNDING_PAGE_LIMIT }),
    );
    const rates = parseResponse(z.array(fundingRowSchema), body, what).filter((r) => r.symbol === symbol);
    const times = rates.map((r) => r.fundingTime);
    return ascending(
      rates.map((rate, i) => ({
        t: rate.fundingTime,
        line: `${rate.fundingTime},${fundingHours(times, i, previousT)},${rate.fundingRate}`,
      })),
      what,
    );
  },
});

/** The interval a settlement closes, in hours: the distance to the previous one, else the next, else 8. */
const fundingHours = (times: readonly number[], i: number, previousT: number | undefined): number => {
  const before = i > 0 ? times[i - 1] : previousT;
  const after = times[i + 1];
  for (const deltaMs of [
    before === undefined ? 0 : times[i] - before,
    after === undefined ? 0 : after - times[i],
  ]) {
    const hours = Math.round(deltaMs / HOUR_MS);
    if (FUNDING_HOURS.has(hours)) return hours;
  }
  return 8;
};

const ascending = (rows: SeriesRow[], what: string): SeriesRow[] => {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].t <= rows[i - 1].t) {
      throw new ExchangeError(
        'QT_EXCHANGE_BAD_RESPONSE',
        `${what}: row ${i + 1} (${rows[i].t}) is not after row ${i} (${rows[i - 1].t})`,
      );
    }
  }
  return rows;
};
