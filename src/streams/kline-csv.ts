import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DataError, SymbolId } from '../domain/index.js';
import { checkCandleValues, createIssueLog, type IssueLog } from './data-quality.js';
import {
  allocateRows,
  buildKlines,
  type KlineFileResult,
  klineReadOptions,
  type ParsedRows,
  toEpochMs,
} from './kline-rows.js';
import { intervalFromOpenTimes, metaFromFileName } from './series-meta.js';

export { type KlineFileResult, type KlineReadOptions, klineReadOptions, toEpochMs } from './kline-rows.js';

const FULL_COLUMNS = 12;
const BASIC_COLUMNS = 6;
const FULL_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const isNumericText = (text: string): boolean => text.trim() !== '' && Number.isFinite(Number(text));

/**
 * Parses Binance kline CSV text (data.binance.vision layout: 12 columns `open_time,…,ignore`, or
 * only the first 6 `ts,open,high,low,close,volume`), with or without a header line; open times in
 * ms or µs. Bad rows follow `options.policy` (see data-quality.ts): under `skip` they are dropped
 * and listed in `issues`; under `fail` the first one throws `DataError` (`file:line: …`).
 * The 6-column layout has no quote volume, trade count or taker volume: `quoteVolume` is
 * estimated as `close × volume`, `trades` and `takerBuyVolume` are 0.
 * Throws `DataError` (whatever the policy) when the symbol or interval cannot be determined.
 */
export const parseKlineCsv = (
  text: string,
  file: string,
  options: z.input<typeof klineReadOptions> = {},
): KlineFileResult => {
  const opts = klineReadOptions.parse(options);
  const log = createIssueLog(file, opts.policy);
  const fromMeta = metaFromFileName(file);
  const symbol = opts.symbol ?? fromMeta.symbol;
  if (symbol === undefined || !SymbolId.safeParse(symbol).success) {
    throw new DataError(
      `${file}:0: cannot tell the symbol from the file name; name it like AVAXUSDT-1m-2026-02.csv, or give the symbol (--symbol, data.symbol)`,
      `${file}:0`,
    );
  }
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  const hasHeader = first < lines.length && !isNumericText(lines[first].split(',', 1)[0]);
  // The layout is the widest of the header and the first few rows, so one short row cannot set it.
  let width = hasHeader ? lines[first].split(',').length : 0;
  for (let i = hasHeader ? first + 1 : first, seen = 0; i < lines.length && seen < 5; i++) {
    if (lines[i].trim() === '') continue;
    width = Math.max(width, lines[i].split(',').length);
    seen++;
  }
  const layoutColumns = width >= FULL_COLUMNS ? FULL_COLUMNS : BASIC_COLUMNS;
  const rows = allocateRows(lines.length);
  // The range filter needs the interval, which may only be known after all rows are read.
  const fromTs = opts.from ?? Number.NEGATIVE_INFINITY;
  const toTs = opts.to ?? Number.POSITIVE_INFINITY;
  let fields: string[] = [];
  const rawOf = (field: number): string => fields[field + 1] ?? '';
  for (let i = hasHeader ? first + 1 : first; i < lines.length; i++) {
    let lineText = lines[i];
    if (lineText.length === 0 || lineText === '\r') continue;
    if (lineText.charCodeAt(lineText.length - 1) === 13) lineText = lineText.slice(0, -1);
    const lineNo = i + 1;
    fields = lineText.split(',');
    if (fields.length < layoutColumns) {
      log.report(
        lineNo,
        'missing-column',
        `expected ${layoutColumns} columns (${FULL_HEADER.split(',').slice(0, layoutColumns).join(',')}), found ${fields.length}`,
      );
      continue;
    }
    parseRow(fields, lineNo, layoutColumns, log, rawOf, rows);
  }
  const interval = opts.interval ?? fromMeta.interval ?? intervalFromOpenTimes(rows.openTime, rows.count);
  if (interval === undefined) {
    throw new DataError(
      `${file}:0: cannot tell the candle interval from the file name or the open times; pass options.interval (e.g. '1m')`,
      `${file}:0`,
    );
  }
  return buildKlines(rows, { file, symbol, interval, log, fromTs, toTs });
};

/** Parses one row's fields into `rows`; reports and returns false when the row is bad. */
const parseRow = (
  fields: string[],
  lineNo: number,
  layoutColumns: number,
  log: IssueLog,
  rawOf: (field: number) => string,
  rows: ParsedRows,
): boolean => {
  const rawOpenTime = Number(fields[0]);
  if (!(rawOpenTime >= 0 && rawOpenTime < Number.POSITIVE_INFINITY) || fields[0].trim() === '') {
    log.report(lineNo, 'invalid-number', `open_time is "${fields[0]}", expected a timestamp in ms or µs`);
    return false;
  }
  // `Number('')` is 0, so an empty price field must be caught by its text, not its value.
  const open = fields[1] === '' ? Number.NaN : Number(fields[1]);
  const high = fields[2] === '' ? Number.NaN : Number(fields[2]);
  const low = fields[3] === '' ? Number.NaN : Number(fields[3]);
  const close = fields[4] === '' ? Number.NaN : Number(fields[4]);
  const volume = fields[5] === '' ? Number.NaN : Number(fields[5]);
  if (!checkCandleValues(log, lineNo, open, high, low, close, volume, rawOf)) return false;
  let quoteVolume = close * volume;
  let trades = 0;
  let takerBuyVolume = 0;
  if (layoutColumns === FULL_COLUMNS) {
    quoteVolume = fields[7] === '' ? Number.NaN : Number(fields[7]);
    trades = fields[8] === '' ? Number.NaN : Number(fields[8]);
    takerBuyVolume = fields[9] === '' ? Number.NaN : Number(fields[9]);
    if (!(quoteVolume >= 0 && quoteVolume < Number.POSITIVE_INFINITY)) {
      log.report(lineNo, 'invalid-number', `quote_volume is "${fields[7]}", expected a non-negative number`);
      return false;
    }
    if (!(trades >= 0 && Number.isInteger(trades))) {
      log.report(lineNo, 'invalid-number', `count is "${fields[8]}", expected a non-negative integer`);
      return false;
    }
    if (!(takerBuyVolume >= 0 && takerBuyVolume < Number.POSITIVE_INFINITY)) {
      log.report(
        lineNo,
        'invalid-number',
        `taker_buy_volume is "${fields[9]}", expected a non-negative number`,
      );
      return false;
    }
  }
  const at = rows.count++;
  rows.openTime[at] = toEpochMs(rawOpenTime);
  rows.open[at] = open;
  rows.high[at] = high;
  rows.low[at] = low;
  rows.close[at] = close;
  rows.volume[at] = volume;
  rows.quoteVolume[at] = quoteVolume;
  rows.trades[at] = trades;
  rows.takerBuyVolume[at] = takerBuyVolume;
  rows.line[at] = lineNo;
  return true;
};

/** Reads a Binance kline CSV file; see `parseKlineCsv` for layouts, options and the bad-input policy. */
export const readKlineCsv = (path: string, options: z.input<typeof klineReadOptions> = {}): KlineFileResult =>
  parseKlineCsv(readFileSync(path, 'utf8'), path, options);
