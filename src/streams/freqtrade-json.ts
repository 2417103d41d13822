import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DataError, SymbolId } from '../domain/index.js';
import { checkCandleValues, createIssueLog } from './data-quality.js';
import {
  allocateRows,
  buildKlines,
  type KlineFileResult,
  klineReadOptions,
  toEpochMs,
} from './kline-rows.js';
import { intervalFromOpenTimes, metaFromFileName } from './series-meta.js';

// Only the outer shape is checked by zod; each value is checked by the candle checks, which know
// how to report one bad candle without refusing the whole file.
const freqtradeCandles = z.array(z.array(z.unknown()));

// freqtrade writes pandas' NaN as a bare `NaN` token, which JSON.parse refuses: read it as null.
const NON_JSON_NUMBERS = /\bNaN\b|-?\bInfinity\b/g;

const FIELD_NAMES = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Parses freqtrade candle JSON, `[[ts_ms, open, high, low, close, volume], …]` (ts in ms or µs;
 * file names like `XRPUSDT-5m-futures.freqtrade.json`, `ETHBTC-5m.freqtrade.json` give symbol and
 * interval; else from options, else the interval from the open times). freqtrade has no quote
 * volume, trade count or taker volume: `quoteVolume` is estimated as `close × volume`, the
 * others are 0. A null/NaN volume (mark-price files) is read as 0 and noted as a `repaired` issue.
 * Issue `line`s are 1-based candle indexes. Bad candles follow `options.policy` (data-quality.ts).
 * Throws `DataError` when the text is not a JSON array of arrays or symbol/interval are unknown.
 */
export const parseFreqtradeJson = (
  text: string,
  file: string,
  options: z.input<typeof klineReadOptions> = {},
): KlineFileResult => {
  const opts = klineReadOptions.parse(options);
  const log = createIssueLog(file, opts.policy);
  const fromMeta = metaFromFileName(file.replace(/\.freqtrade\.json$/, '.json'));
  const symbol = opts.symbol ?? fromMeta.symbol;
  if (symbol === undefined || !SymbolId.safeParse(symbol).success) {
    throw new DataError(
      `${file}:0: cannot tell the symbol from the file name; name it like XRPUSDT-5m-futures.freqtrade.json, or give the symbol (--symbol, data.symbol)`,
      `${file}:0`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(NON_JSON_NUMBERS, 'null'));
  } catch (cause) {
    throw new DataError(`${file}:0: not valid JSON (${(cause as Error).message})`, `${file}:0`);
  }
  const parsed = freqtradeCandles.safeParse(json);
  if (!parsed.success) {
    throw new DataError(
      `${file}:0: expected freqtrade candles [[ts_ms, open, high, low, close, volume], …]`,
      `${file}:0`,
    );
  }
  const candles = parsed.data;
  const rows = allocateRows(candles.length);
  let candle: unknown[] = [];
  const rawOf = (field: number): unknown => candle[field + 1];
  for (let i = 0; i < candles.length; i++) {
    candle = candles[i];
    const candleNo = i + 1;
    if (candle.length < FIELD_NAMES.length) {
      log.report(
        candleNo,
        'missing-column',
        `expected 6 values [ts, open, high, low, close, volume], found ${candle.length}`,
      );
      continue;
    }
    const rawTs = candle[0];
    if (typeof rawTs !== 'number' || !(rawTs >= 0 && rawTs < Number.POSITIVE_INFINITY)) {
      log.report(candleNo, 'invalid-number', `ts is ${JSON.stringify(rawTs)}, expected a timestamp in ms`);
      continue;
    }
    const open = numberOrNaN(candle[1]);
    const high = numberOrNaN(candle[2]);
    const low = numberOrNaN(candle[3]);
    const close = numberOrNaN(candle[4]);
    let volume = numberOrNaN(candle[5]);
    if (candle[5] === null) {
      // Check the prices first, so a fully broken candle is reported as such, not as a repair.
      if (!checkCandleValues(log, candleNo, open, high, low, close, 0, rawOf)) continue;
      log.report(candleNo, 'repaired', 'volume is null (NaN in the file), read as 0');
      volume = 0;
    }
    if (!checkCandleValues(log, candleNo, open, high, low, close, volume, rawOf)) continue;
    const at = rows.count++;
    rows.openTime[at] = toEpochMs(rawTs);
    rows.open[at] = open;
    rows.high[at] = high;
    rows.low[at] = low;
    rows.close[at] = close;
    rows.volume[at] = volume;
    rows.quoteVolume[at] = close * volume;
    rows.trades[at] = 0;
    rows.takerBuyVolume[at] = 0;
    rows.line[at] = candleNo;
  }
  const interval = opts.interval ?? fromMeta.interval ?? intervalFromOpenTimes(rows.openTime, rows.count);
  if (interval === undefined) {
    throw new DataError(
      `${file}:0: cannot tell the candle interval from the file name or the open times; pass options.interval (e.g. '5m')`,
      `${file}:0`,
    );
  }
  return buildKlines(rows, {
    file,
    symbol,
    interval,
    log,
    fromTs: opts.from ?? Number.NEGATIVE_INFINITY,
    toTs: opts.to ?? Number.POSITIVE_INFINITY,
  });
};

const numberOrNaN = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

/** Reads a freqtrade candle JSON file; see `parseFreqtradeJson`. */
export const readFreqtradeJson = (
  path: string,
  options: z.input<typeof klineReadOptions> = {},
): KlineFileResult => parseFreqtradeJson(readFileSync(path, 'utf8'), path, options);
