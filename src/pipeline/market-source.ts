import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { from as from$, type Observable, toArray } from 'rxjs';
import { DataError, type DeadLetter, type Interval, type Kline } from '../domain/index.js';
import { type DataIssue, type DataPolicy, formatIssue } from '../streams/data-quality.js';
import { loadMarketData, type MarketDataFile } from '../streams/market-data.js';
import { mergeByEventTime } from '../streams/merge-by-event-time.js';
import { syntheticMarket } from '../streams/synthetic-market.js';
import { readTickCsv } from '../streams/tick-csv.js';
import { ticksToKlines } from '../streams/ticks-to-klines.js';
import { configTimeMs, type PipelineConfig } from './config.js';

/** The market a run replays: klines in event-time order, where they came from, and what was refused. */
export interface MarketReplay {
  readonly klines: readonly Kline[];
  readonly symbols: readonly string[];
  readonly source: string;
  readonly intervalMs: number;
  readonly issues: readonly DataIssue[];
  /** What happened to each recorded file (empty for the synthetic market). */
  readonly files: readonly MarketDataFile[];
}

export interface MarketReplayOptions {
  /** A file or folder overriding `config.data` (CLI `--data`). */
  readonly dataPath?: string;
  /** Folder relative paths in the config are resolved against. */
  readonly baseDir?: string;
  readonly from?: number;
  readonly to?: number;
  readonly seed?: number;
  /** The symbol of a single file whose name has none (`--symbol`); overrides `data.symbol`. */
  readonly symbol?: string;
  /** The command cannot run without recorded data (`features`): no hint about the synthetic market. */
  readonly dataRequired?: boolean;
}

/** Drains a synchronous observable into an array; its error is rethrown here, not reported later. */
const collectSync = <T>(source: Observable<T>): T[] => {
  let out: T[] = [];
  let failure: { error: unknown } | undefined;
  source.pipe(toArray()).subscribe({
    next: (values) => {
      out = values;
    },
    error: (error: unknown) => {
      failure = { error };
    },
  });
  if (failure) throw failure.error;
  return out;
};

/**
 * Builds the run's market: recorded files (`--data` or `data.path`) or the seeded synthetic
 * market, cut to `[from, to)` by candle close time, merged across symbols by event time (ties by
 * symbol). Bad rows follow `data.policy`: skipped ones come back as `issues` (dead letters),
 * under `fail` a `DataError` names file and line.
 */
export const loadMarketReplay = (config: PipelineConfig, options: MarketReplayOptions = {}): MarketReplay => {
  const from = options.from ?? configTimeMs(config.data.from);
  const to = options.to ?? configTimeMs(config.data.to);
  const configPath = config.data.source === 'files' ? config.data.path : undefined;
  const path =
    options.dataPath ??
    (configPath === undefined
      ? undefined
      : isAbsolute(configPath)
        ? configPath
        : resolve(options.baseDir ?? '.', configPath));
  if (path !== undefined) {
    if (!existsSync(path)) {
      // The flag or key the path came from, as the user wrote it, and what it resolved to.
      const where =
        options.dataPath !== undefined
          ? `--data ${options.dataPath}`
          : `data.path ${configPath}${path === configPath ? '' : ` (resolved to ${path})`}`;
      throw new DataError(
        `${where}: no such file or folder; give a Binance kline CSV, a freqtrade JSON, a JSONL file or a folder of them ` +
          '(relative paths resolve against the working directory for --data, against the config file for data.path)' +
          (options.dataRequired === true ? '' : ', or leave it out to run the seeded synthetic market'),
        where,
      );
    }
    const symbol = options.symbol ?? config.data.symbol;
    const data = loadMarketData(path, {
      from,
      to,
      policy: config.data.policy,
      symbols: config.data.symbols,
      ...(symbol === undefined ? {} : { symbol }),
    });
    const tickCandles =
      config.data.ticksInterval === undefined
        ? { klinesBySymbol: new Map<string, Kline[]>(), issues: [] }
        : candlesFromTradeFiles(data.files, config.data.ticksInterval, config.data.policy, from, to);
    for (const [symbol, klines] of tickCandles.klinesBySymbol) {
      if (data.klinesBySymbol.has(symbol)) {
        throw new DataError(
          `${path}: ${symbol} has both kline files and trade files; keep one kind per symbol`,
          path,
        );
      }
      if (config.data.symbols === undefined || config.data.symbols.includes(symbol))
        data.klinesBySymbol.set(symbol, klines);
    }
    data.issues.push(...tickCandles.issues);
    const series = [...data.klinesBySymbol.values()];
    const klines = collectSync(mergeByEventTime(series));
    const first = series.find((s) => s.length > 0)?.[0];
    return {
      klines,
      symbols: [...data.klinesBySymbol.keys()],
      source: path,
      intervalMs: first ? first.ts - first.openTime : 60_000,
      issues: data.issues,
      files: data.files,
    };
  }
  const seed = options.seed ?? config.seed;
  const series = syntheticMarket({ ...config.data.synthetic, seed }).map((klines) =>
    klines.filter((k) => (from === undefined || k.ts >= from) && (to === undefined || k.ts < to)),
  );
  const klines = collectSync(mergeByEventTime(series));
  const first = klines[0];
  return {
    klines,
    symbols: config.data.synthetic.symbols.map((s) => s.symbol),
    source: `synthetic:seed=${seed}`,
    intervalMs: first ? first.ts - first.openTime : 60_000,
    issues: [],
    files: [],
  };
};

/**
 * Trade files that `loadMarketData` passed over (a CSV whose header has `price` but no `open`),
 * read as ticks and aggregated by event time into closed candles (`ticksToKlines`); the last,
 * still-open candle of each file is not emitted.
 */
const candlesFromTradeFiles = (
  files: readonly MarketDataFile[],
  interval: Interval,
  policy: DataPolicy,
  from: number | undefined,
  to: number | undefined,
): { klinesBySymbol: Map<string, Kline[]>; issues: DataIssue[] } => {
  const klinesBySymbol = new Map<string, Kline[]>();
  const issues: DataIssue[] = [];
  for (const file of files) {
    if (file.format !== 'kline-csv' || !/^not a kline CSV \(header .*price/.test(file.skipped ?? ''))
      continue;
    const result = readTickCsv(file.path, { policy });
    issues.push(...result.issues);
    const klines = collectSync(from$(result.ticks).pipe(ticksToKlines({ interval }))).filter(
      (k) => (from === undefined || k.ts >= from) && (to === undefined || k.ts < to),
    );
    const known = klinesBySymbol.get(result.symbol);
    klinesBySymbol.set(
      result.symbol,
      known === undefined ? klines : [...known, ...klines].sort((a, b) => a.ts - b.ts),
    );
  }
  return { klinesBySymbol, issues };
};

/** A data issue as a dead letter: where it was and why it was refused. */
export const deadLetterOf = (issue: DataIssue): DeadLetter => ({
  kind: 'dead-letter',
  origin: `${issue.file}:${issue.line}`,
  // Some readers already lead with the kind ("gap: 1 missing …"): say it once.
  reason: issue.message.startsWith(`${issue.kind}:`) ? issue.message : `${issue.kind}: ${issue.message}`,
  payload: formatIssue(issue),
});

/**
 * Why a market has no candle, in words that point at the real fix: no data files in the folder,
 * each file's own reason (no symbol in its name, not a kline CSV, unreadable), or — only when the
 * files did hold candles — the time window or the symbol selection.
 */
export const noCandlesMessage = (market: MarketReplay, window: string): string => {
  const files = market.files;
  if (market.source.startsWith('synthetic:')) {
    return `${market.source}: no candles to replay${window}; check --from/--to (data.from/data.to) against data.synthetic (start and count)`;
  }
  if (files.length === 0) {
    return `${market.source}: no .csv, .json or .jsonl data files there; give a Binance kline CSV, a freqtrade JSON or JSONL file, or a folder of them`;
  }
  const reasons = files.map(
    (file) =>
      `  ${file.path}: ${file.skipped ?? (file.klines === 0 ? 'no candles (empty, a header only, or none inside the window)' : `${file.klines} candles`)}`,
  );
  const shown = reasons.slice(0, 12);
  if (reasons.length > shown.length) shown.push(`  … and ${reasons.length - shown.length} more files`);
  const anyCandlesRead = files.some((file) => file.skipped === undefined && file.klines > 0);
  const hint = anyCandlesRead
    ? 'check --from/--to (data.from/data.to) against the data range, and data.symbols'
    : files.some((file) => /cannot tell the symbol/.test(file.skipped ?? ''))
      ? 'a file without a symbol in its name needs --symbol (data.symbol), or a name like AVAXUSDT-1m-2026-02.csv'
      : 'give Binance kline files (open_time, open, high, low, close, volume …); trades files need data.ticksInterval';
  return `${market.source}: no candles to replay${window}; ${hint}. What each file gave:\n${shown.join('\n')}`;
};

/** Quote assets by which a symbol's quote is named, longest first (USDT before USD). */
const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY'];

/**
 * The engine trades USDT-margined perpetuals and values every position, fee and PnL in USDT: a
 * BTC- or ETH-quoted series would be booked as if its prices were USDT. Refuses them by name with
 * their quote, and says how to keep the USDT pairs.
 */
export const refuseOtherQuotes = (source: string, symbols: readonly string[]): void => {
  const foreign = symbols.filter((symbol) => !symbol.endsWith('USDT'));
  if (foreign.length === 0) return;
  const named = foreign.map((symbol) => {
    const quote = QUOTES.find((q) => symbol.endsWith(q) && symbol.length > q.length);
    return quote === undefined ? `${symbol} (quote unknown)` : `${symbol} (quoted in ${quote})`;
  });
  const usdt = symbols.filter((symbol) => symbol.endsWith('USDT'));
  throw new DataError(
    `${source}: ${named.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not quoted in USDT; ` +
      'positions, fees and PnL are valued in USDT, so other quotes would be booked at the wrong value. ' +
      (usdt.length > 0
        ? `Keep the USDT pairs with data.symbols: [${usdt.join(', ')}], or remove the others from the folder`
        : 'Use USDT-quoted data (e.g. BTCUSDT)'),
    source,
  );
};
