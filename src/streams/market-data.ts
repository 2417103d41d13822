import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { z } from 'zod';
import { DataError, INTERVAL_MS, Interval, type Kline, SymbolId } from '../domain/index.js';
import { createIssueLog, type DataIssue, type DataPolicy, dataPolicy } from './data-quality.js';
import { parseFreqtradeJson } from './freqtrade-json.js';
import { attachFunding, type FundingRate, fundingCoverageGaps, parseFundingCsv } from './funding-csv.js';
import { parseJsonlEvents } from './jsonl-events.js';
import { parseKlineCsv } from './kline-csv.js';
import type { KlineFileResult } from './kline-rows.js';
import { metaFromFileName } from './series-meta.js';

export { klineReplay, mergeByEventTime } from './merge-by-event-time.js';

/** Options of `loadMarketData`. */
export const loadMarketDataOptions = z
  .object({
    /** Keep candles with `from ≤ ts` (close time, ms since epoch). */
    from: z.number().optional(),
    /** Keep candles with `ts < to`. */
    to: z.number().optional(),
    policy: dataPolicy,
    /** Load only these symbols (all when absent). */
    symbols: z.array(SymbolId).optional(),
    /** Load only files of this interval; when absent each symbol keeps its finest interval. */
    interval: Interval.optional(),
    /** The symbol of a single file whose name does not carry one (`mydata.csv`); not for folders. */
    symbol: SymbolId.optional(),
  })
  .strict();
export type LoadMarketDataOptions = z.output<typeof loadMarketDataOptions>;

export type MarketDataFormat = 'kline-csv' | 'funding-csv' | 'freqtrade-json' | 'jsonl';

/** What happened to one input file. */
export interface MarketDataFile {
  readonly path: string;
  readonly format: MarketDataFormat;
  readonly symbols: readonly string[];
  readonly interval?: Interval;
  /** Candles taken from this file. */
  readonly klines: number;
  /** Funding settlements taken from this file (a funding CSV). */
  readonly fundingRates?: number;
  /** Why the file (or part of it) was not used, when it was not. */
  readonly skipped?: string;
}

/** Candles per symbol (keys in ascending symbol order, each series ascending by `ts`), issues and files. */
export interface MarketData {
  readonly klinesBySymbol: Map<string, Kline[]>;
  readonly issues: DataIssue[];
  readonly files: MarketDataFile[];
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, MarketDataFormat>> = {
  '.csv': 'kline-csv',
  '.json': 'freqtrade-json',
  '.jsonl': 'jsonl',
};

/** One file's candles of one symbol, before the files of a symbol are joined. */
interface Part {
  readonly file: string;
  readonly symbol: string;
  readonly interval: Interval;
  readonly klines: readonly Kline[];
  readonly lines: ArrayLike<number>;
  /** The file's issues, reported only if the part is used (a skipped coarser file stays quiet). */
  readonly issues: readonly DataIssue[];
}

/**
 * Loads market data from a file or a directory (its `*.csv`, `*.json`, `*.jsonl` files, not
 * recursive, in sorted name order). The format follows the extension: Binance kline CSV,
 * freqtrade candle JSON, our JSONL (its klines; ticks are counted as skipped — aggregate them
 * with `ticksToKlines`). A funding CSV (`<SYM>-fundingRate-<YYYY-MM>.csv` as `quantum data download`
 * writes it, or any CSV with a `calc_time` header) sets `fundingRate` on the candles of its symbol
 * whose `(openTime, ts]` holds a settlement (`attachFunding`); another CSV whose header has no
 * `open` column (trades) is skipped.
 * Files of one symbol are joined by time; candles repeated across files are dropped as
 * `duplicate` and holes between files are reported as `gap`, all under `policy`.
 * A file whose symbol or interval is not selected is listed in `files` with `skipped`; so is a
 * file that cannot be read at all under `skip` (with an `unreadable-file` issue) — under `fail`
 * any issue throws `DataError`.
 */
export const loadMarketData = (
  path: string,
  options: z.input<typeof loadMarketDataOptions> = {},
): MarketData => {
  const opts = loadMarketDataOptions.parse(options);
  const isFolder = statSync(path).isDirectory();
  if (isFolder && opts.symbol !== undefined) {
    throw new DataError(
      `${path}: a symbol (${opts.symbol}) names the candles of ONE file; a folder's files carry their own symbols in their names (AVAXUSDT-1m-2026-02.csv)`,
      path,
    );
  }
  const paths = isFolder
    ? readdirSync(path)
        .filter((name) => extname(name) in FORMAT_BY_EXTENSION)
        .sort()
        .map((name) => join(path, name))
    : [path];
  const wanted = opts.symbols === undefined ? undefined : new Set(opts.symbols);
  const issues: DataIssue[] = [];
  const files: MarketDataFile[] = [];
  const parts: Part[] = [];
  const funding = new Map<string, FundingRate[]>();
  /** The last funding file read per symbol: where a hole in its coverage is reported. */
  const fundingFile = new Map<string, string>();
  for (const filePath of paths) {
    const format = FORMAT_BY_EXTENSION[extname(filePath)];
    if (format === undefined)
      throw new DataError(`${filePath}:0: unknown extension; expected .csv, .json or .jsonl`);
    const named = metaFromFileName(filePath.replace(/\.freqtrade\.json$/, '.json'));
    if (format !== 'jsonl') {
      const skipped =
        named.symbol !== undefined && wanted !== undefined && !wanted.has(named.symbol)
          ? 'symbol not selected'
          : named.interval !== undefined && opts.interval !== undefined && named.interval !== opts.interval
            ? `interval ${named.interval} is not the requested ${opts.interval}`
            : undefined;
      if (skipped !== undefined) {
        files.push({
          path: filePath,
          format,
          symbols: named.symbol ? [named.symbol] : [],
          klines: 0,
          skipped,
        });
        continue;
      }
    }
    try {
      const text = readFileSync(filePath, 'utf8');
      if (format === 'jsonl') {
        const result = parseJsonlEvents(text, filePath, {
          policy: opts.policy,
          from: opts.from,
          to: opts.to,
          symbols: opts.symbols,
        });
        issues.push(...result.issues);
        const bySymbol = new Map<string, { klines: Kline[]; lines: number[] }>();
        let ticks = 0;
        for (let i = 0; i < result.events.length; i++) {
          const event = result.events[i];
          if (event.kind !== 'kline') {
            ticks++;
            continue;
          }
          const key = `${event.symbol}|${event.interval}`;
          const group = bySymbol.get(key) ?? { klines: [], lines: [] };
          group.klines.push(event);
          group.lines.push(result.lines[i]);
          bySymbol.set(key, group);
        }
        for (const group of bySymbol.values()) {
          const { symbol, interval } = group.klines[0];
          parts.push({
            file: filePath,
            symbol,
            interval,
            klines: group.klines,
            lines: group.lines,
            issues: [],
          });
        }
        const symbols = [...new Set([...bySymbol.values()].map((g) => g.klines[0].symbol))].sort();
        const klines = [...bySymbol.values()].reduce((sum, g) => sum + g.klines.length, 0);
        files.push({
          path: filePath,
          format,
          symbols,
          klines,
          ...(ticks > 0 ? { skipped: `${ticks} ticks (aggregate them with ticksToKlines)` } : {}),
        });
        continue;
      }
      if (format === 'kline-csv' && isFundingCsv(filePath, text)) {
        const symbol = named.symbol;
        const skipped =
          symbol === undefined
            ? 'a funding CSV whose name carries no symbol (expected <SYMBOL>-fundingRate-<YYYY-MM>.csv)'
            : wanted !== undefined && !wanted.has(symbol)
              ? 'symbol not selected'
              : undefined;
        const result =
          skipped === undefined ? parseFundingCsv(text, filePath, { policy: opts.policy }) : undefined;
        if (result !== undefined && symbol !== undefined) {
          issues.push(...result.issues);
          funding.set(symbol, [...(funding.get(symbol) ?? []), ...result.rates]);
          fundingFile.set(symbol, filePath);
        }
        files.push({
          path: filePath,
          format: 'funding-csv',
          symbols: symbol === undefined ? [] : [symbol],
          klines: 0,
          fundingRates: result?.rates.length ?? 0,
          ...(skipped === undefined ? {} : { skipped }),
        });
        continue;
      }
      if (format === 'kline-csv') {
        const firstLine = text.slice(0, text.indexOf('\n') >>> 0).toLowerCase();
        if (/[a-z]/.test(firstLine.split(',', 1)[0]) && !firstLine.includes('open')) {
          files.push({
            path: filePath,
            format,
            symbols: [],
            klines: 0,
            skipped: `not a kline CSV (header ${firstLine})`,
          });
          continue;
        }
      }
      const readOptions =
        opts.symbol === undefined
          ? { policy: opts.policy, from: opts.from, to: opts.to }
          : { policy: opts.policy, from: opts.from, to: opts.to, symbol: opts.symbol };
      const result: KlineFileResult =
        format === 'kline-csv'
          ? parseKlineCsv(text, filePath, readOptions)
          : parseFreqtradeJson(text, filePath, readOptions);
      const skipped =
        opts.interval !== undefined && result.interval !== opts.interval
          ? `interval ${result.interval} is not the requested ${opts.interval}`
          : wanted !== undefined && !wanted.has(result.symbol)
            ? 'symbol not selected'
            : undefined;
      files.push({
        path: filePath,
        format,
        symbols: [result.symbol],
        interval: result.interval,
        klines: skipped === undefined ? result.klines.length : 0,
        ...(skipped === undefined ? {} : { skipped }),
      });
      if (skipped === undefined) parts.push(result);
    } catch (error) {
      if (opts.policy === 'fail' || !(error instanceof DataError)) throw error;
      issues.push({ file: filePath, line: 0, kind: 'unreadable-file', message: error.message });
      files.push({ path: filePath, format, symbols: [], klines: 0, skipped: error.message });
    }
  }
  const klinesBySymbol = joinParts(parts, files, issues, opts.policy);
  for (const [symbol, rates] of funding) {
    const klines = klinesBySymbol.get(symbol);
    if (klines === undefined) continue;
    // Monthly files in name order are in time order; a settlement two files repeat counts once.
    const sorted = rates
      .slice()
      .sort((a, b) => a.ts - b.ts)
      .filter((rate, i, all) => i === 0 || rate.ts !== all[i - 1].ts);
    klinesBySymbol.set(symbol, attachFunding(klines, sorted));
    issues.push(
      ...fundingCoverageGaps(symbol, klines, sorted, fundingFile.get(symbol) ?? symbol, opts.policy),
    );
  }
  return { klinesBySymbol, issues, files };
};

/** A funding-rate CSV: named `…-fundingRate-…` / `…-funding.csv`, or headed `calc_time,…`. */
const isFundingCsv = (path: string, text: string): boolean =>
  /-funding(Rate)?([-_.]|$)/i.test(path.slice(path.lastIndexOf('/') + 1)) ||
  text.slice(0, 9).toLowerCase() === 'calc_time';

/**
 * Joins the parts of each symbol into one series: the finest interval wins (other intervals are
 * marked skipped), parts are ordered by their first open time, and candles a later file repeats
 * are dropped; holes between files are gaps.
 */
const joinParts = (
  parts: readonly Part[],
  files: MarketDataFile[],
  issues: DataIssue[],
  policy: DataPolicy,
): Map<string, Kline[]> => {
  const partsBySymbol = new Map<string, Part[]>();
  for (const part of parts) {
    const list = partsBySymbol.get(part.symbol) ?? [];
    list.push(part);
    partsBySymbol.set(part.symbol, list);
  }
  const klinesBySymbol = new Map<string, Kline[]>();
  for (const symbol of [...partsBySymbol.keys()].sort()) {
    const all = partsBySymbol.get(symbol) ?? [];
    const finestMs = Math.min(...all.map((p) => INTERVAL_MS[p.interval]));
    const finest = all.filter((p) => {
      if (INTERVAL_MS[p.interval] === finestMs) return true;
      const at = files.findIndex((f) => f.path === p.file);
      if (at >= 0)
        files[at] = {
          ...files[at],
          klines: 0,
          skipped: `${symbol} also has finer candles than ${p.interval}`,
        };
      return false;
    });
    for (const part of finest) issues.push(...part.issues);
    const used = finest
      .filter((p) => p.klines.length > 0)
      .sort((a, b) => a.klines[0].openTime - b.klines[0].openTime || (a.file < b.file ? -1 : 1));
    if (used.length === 0) continue;
    if (used.length === 1) {
      klinesBySymbol.set(symbol, used[0].klines as Kline[]);
      continue;
    }
    const joined: Kline[] = [];
    for (const part of used) {
      const log = createIssueLog(part.file, policy);
      let start = 0;
      const last = joined[joined.length - 1];
      if (last !== undefined) {
        while (start < part.klines.length && part.klines[start].openTime <= last.openTime) {
          // An overlap of two files repeats candles the earlier file already gave: duplicates.
          const { openTime } = part.klines[start];
          log.report(
            part.lines[start],
            'duplicate',
            `${symbol} open_time ${openTime} is already covered by an earlier file`,
          );
          start++;
        }
        if (start < part.klines.length && part.klines[start].openTime - last.openTime > finestMs) {
          const missing = Math.round((part.klines[start].openTime - last.openTime) / finestMs) - 1;
          log.report(
            part.lines[start],
            'gap',
            `gap: ${missing} missing ${part.interval} candle(s) between files (previous open_time ${last.openTime}, this ${part.klines[start].openTime})`,
          );
        }
      }
      issues.push(...log.issues);
      for (let i = start; i < part.klines.length; i++) joined.push(part.klines[i]);
    }
    klinesBySymbol.set(symbol, joined);
  }
  return klinesBySymbol;
};
