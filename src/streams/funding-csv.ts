import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FUNDING_INTERVAL_MS, fundingIntervalMs, type Kline, settlementHourOf } from '../domain/index.js';
import { createIssueLog, type DataIssue, type DataPolicy, dataPolicy } from './data-quality.js';

/** One funding settlement: when (ms) and the rate (fraction of notional, positive ⇒ longs pay). */
export interface FundingRate {
  readonly ts: number;
  readonly rate: number;
}

export const fundingCsvOptions = z.object({ policy: dataPolicy }).strict();

/** Funding rates of one file, ascending by ts, and the issues. */
export interface FundingFileResult {
  readonly file: string;
  readonly rates: FundingRate[];
  readonly issues: DataIssue[];
}

/**
 * Parses a Binance fundingRate dump, `calc_time,funding_interval_hours,last_funding_rate` (header
 * optional; `calc_time` in ms or µs, kept as is — Binance stamps a few ms after the hour;
 * `attachFunding` places each at its hour). A bad number, an earlier or repeated time is an issue
 * handled by `options.policy` (data-quality.ts).
 */
export const parseFundingCsv = (
  text: string,
  file: string,
  options: z.input<typeof fundingCsvOptions> = {},
): FundingFileResult => {
  const opts = fundingCsvOptions.parse(options);
  const log = createIssueLog(file, opts.policy);
  const lines = text.split('\n');
  const hasHeader =
    lines.length > 0 && !Number.isFinite(Number(lines[0].split(',', 1)[0])) && lines[0].trim() !== '';
  const rates: FundingRate[] = [];
  for (let i = hasHeader ? 1 : 0; i < lines.length; i++) {
    const lineText = lines[i].trim();
    if (lineText === '') continue;
    const lineNo = i + 1;
    const fields = lineText.split(',');
    if (fields.length < 3) {
      log.report(
        lineNo,
        'missing-column',
        `expected 3 columns (calc_time,funding_interval_hours,last_funding_rate), found ${fields.length}`,
      );
      continue;
    }
    const rawTs = fields[0] === '' ? Number.NaN : Number(fields[0]);
    const rate = fields[2] === '' ? Number.NaN : Number(fields[2]);
    if (!(rawTs >= 0 && rawTs < Number.POSITIVE_INFINITY)) {
      log.report(lineNo, 'invalid-number', `calc_time is "${fields[0]}", expected ms since the epoch`);
      continue;
    }
    if (!Number.isFinite(rate)) {
      log.report(lineNo, 'invalid-number', `last_funding_rate is "${fields[2]}", expected a number`);
      continue;
    }
    const ts = rawTs > 1e14 ? Math.floor(rawTs / 1000) : rawTs;
    const previous = rates[rates.length - 1];
    if (previous !== undefined && ts <= previous.ts) {
      log.report(
        lineNo,
        ts === previous.ts ? 'duplicate' : 'out-of-order',
        `calc_time ${ts} is not after the previous ${previous.ts}`,
      );
      continue;
    }
    rates.push({ ts, rate });
  }
  return { file, rates, issues: log.issues };
};

/** Reads a Binance fundingRate CSV; see `parseFundingCsv`. */
export const readFundingCsv = (
  path: string,
  options: z.input<typeof fundingCsvOptions> = {},
): FundingFileResult => parseFundingCsv(readFileSync(path, 'utf8'), path, options);

/**
 * Returns the candles with `fundingRate` set on each candle whose `(openTime, ts]` contains a
 * settlement (the candle at whose close it applies); when several fall in one candle (coarse
 * intervals) their rates are summed. A settlement is placed at its whole hour
 * (`settlementHourOf`): Binance's `calc_time` lags it by a few ms, which would otherwise move the
 * 08:00 settlement into the candle that opens at 08:00. Candles are copied, never mutated; candles
 * without funding are returned as the same objects. Both inputs must be sorted by time.
 */
export const attachFunding = (klines: readonly Kline[], rates: readonly FundingRate[]): Kline[] => {
  const result: Kline[] = new Array(klines.length);
  let next = 0;
  for (let i = 0; i < klines.length; i++) {
    const kline = klines[i];
    // Skip funding times before this candle (they fall in no candle we have).
    while (next < rates.length && settlementHourOf(rates[next].ts) <= kline.openTime) next++;
    let rate = 0;
    let found = false;
    while (next < rates.length && settlementHourOf(rates[next].ts) <= kline.ts) {
      rate += rates[next].rate;
      found = true;
      next++;
    }
    result[i] = found ? { ...kline, fundingRate: rate } : kline;
  }
  return result;
};

/**
 * Where a symbol's funding data stops covering its candles, as `gap` issues of `file`: a hole
 * between two settlements longer than 8 h (Binance's longest interval), or candles that run on
 * more than 8 h after the last one. Once a symbol's candles carry rates the simulator charges only
 * what the data lists, so funding there would be missing without a word. Under `fail` the first
 * one throws (data-quality.ts). Candles before the first settlement pay the configured default.
 */
export const fundingCoverageGaps = (
  symbol: string,
  klines: readonly Kline[],
  rates: readonly FundingRate[],
  file: string,
  policy: DataPolicy,
): DataIssue[] => {
  const log = createIssueLog(file, policy);
  const last = klines.at(-1);
  if (last === undefined || rates.length === 0) return log.issues;
  const iso = (ts: number): string => new Date(ts).toISOString();
  const hours = (ms: number): string => `${(ms / fundingIntervalMs(1)).toFixed(1)} h`;
  let previous = settlementHourOf(rates[0].ts);
  for (let i = 1; i < rates.length; i++) {
    const hour = settlementHourOf(rates[i].ts);
    // 8 h is Binance's longest interval: a longer stretch means settlements are missing. Holes
    // outside the candles' range do not matter.
    if (hour - previous > FUNDING_INTERVAL_MS && hour > klines[0].openTime && previous < last.ts) {
      log.report(
        0,
        'gap',
        `${symbol}: no funding settlement between ${iso(previous)} and ${iso(hour)} (${hours(hour - previous)}; Binance settles at least every 8 h): none is charged in between`,
      );
    }
    previous = hour;
  }
  if (last.ts - previous > FUNDING_INTERVAL_MS) {
    log.report(
      0,
      'gap',
      `${symbol}: the funding data ends at ${iso(previous)}, ${hours(last.ts - previous)} before the candles do (${iso(last.ts)}); Binance settles at least every 8 h: none is charged after it`,
    );
  }
  return log.issues;
};
