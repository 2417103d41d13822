import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { INTERVAL_MS, type Interval } from '../domain/index.js';
import type { BinanceClient } from '../exchange/binance-client.js';
import { wallSleep } from '../kernel/clock.js';
import {
  createRequester,
  parseResponse,
  type Requester,
  serverTimeSchema,
} from './binance-download-requests.js';
import {
  fetchSeries,
  planSeries,
  type SeriesPlan,
  type SeriesSpec,
  type TimeRange,
} from './binance-download-series.js';
import { fundingSpec, KLINES_PAGE_LIMIT, klineSpec } from './binance-download-specs.js';
import { downloadVenueRules } from './binance-download-venue-rules.js';

/**
 * `quantum data download`: real Binance USDⓈ-M history through ccxt's implicit REST methods into
 * the files a backtest reads unchanged —
 *
 * - `<SYM>-<interval>-<YYYY-MM>.csv`: closed klines by open month, data.binance.vision's 12 columns
 *   and header, each value as Binance sent it;
 * - `<SYM>-fundingRate-<YYYY-MM>.csv`: funding settlements by month, data.binance.vision's
 *   `calc_time,funding_interval_hours,last_funding_rate` (kline readers pass over it);
 * - `venue-rules/exchange-info.json` and `venue-rules/leverage-brackets.json`: the REST bodies of
 *   `GET /fapi/v1/exchangeInfo` and the signed `GET /fapi/v1/leverageBracket`. They sit in a
 *   subfolder because the data loader reads every `.json` of the data folder as freqtrade candles.
 *
 * Resumable: each month file is read back (a torn last line from a killed run is cut off) and only
 * what it lacks is asked for, so a rerun neither repeats nor skips a candle. Every flush is a temp
 * file renamed over the old one. A hole in the exchange's own history is reported as a gap, never
 * filled. Requests go one at a time through the client's request-weight budget (`quantum data
 * download` always gives it one, shared through Redis with other processes of the same key when
 * `REDIS_URL` is set), else ccxt's limiter. A 429 that reaches this code is answered by waiting its
 * `Retry-After`, so the server never has reason for a 418 ban.
 */

// The parts live beside this file: binance-download-requests.ts (REST answers, 429s),
// binance-download-files.ts (month files), binance-download-series.ts (planning, paging),
// binance-download-specs.ts (klines and funding), binance-download-venue-rules.ts.
export { monthTag } from './binance-download-files.js';
export {
  FUNDING_CSV_HEADER,
  FUNDING_PAGE_LIMIT,
  KLINE_CSV_HEADER,
  KLINES_PAGE_LIMIT,
} from './binance-download-specs.js';

/** Subfolder of the output that takes the venue's rules (`loadVenueRules` reads it as is). */
export const VENUE_RULES_FOLDER = 'venue-rules';

/** Progress of the candles to fetch (the CLI's bar; `createProgress` fits). */
export interface DownloadProgress {
  update(done: number): void;
  stop(): void;
}

export interface BinanceDownloadOptions {
  /** ccxt's binanceusdm (`createBinanceClient`); keys only matter for the leverage brackets. */
  readonly client: BinanceClient;
  /** Exchange ids, e.g. `BTCUSDT`. */
  readonly symbols: readonly string[];
  readonly interval: Interval;
  /** First candle open (ms since epoch); rounded up to the interval. */
  readonly from: number;
  /** Candles must close by this instant (ms; default now); funding rates are kept before it. */
  readonly to?: number;
  /** Folder of the CSV files (created when missing). */
  readonly outDir: string;
  /** Also the funding rates (default true). */
  readonly funding?: boolean;
  /** More folders that take copies of the venue rules (the bundled `data/binance-usdm/`). */
  readonly extraVenueRulesDirs?: readonly string[];
  /** Klines per request (default 1500; tests page with fewer). */
  readonly klinesPageLimit?: number;
  /** "Now" for what counts as closed (default: the server's clock, `GET /fapi/v1/time`). */
  readonly nowMs?: number;
  /** How to wait out a 429 or a network retry (tests move a virtual clock instead). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Longest `Retry-After` to wait; a longer one (a ban) stops the run. Default 10 min. */
  readonly maxWaitMs?: number;
  /** Called once the work is planned, with the number of candles to fetch. */
  readonly progress?: (totalCandles: number) => DownloadProgress;
}

/** Candles the exchange does not have inside the requested window (open times, inclusive). */
export interface KlineGap {
  readonly symbol: string;
  readonly fromOpenTime: number;
  readonly toOpenTime: number;
  readonly candles: number;
}

export interface SymbolDownload {
  readonly symbol: string;
  /** Month files of the window, in order. */
  readonly klineFiles: readonly string[];
  readonly candlesAdded: number;
  /** Candles in the window's files after the run (kept and added). */
  readonly candlesInFiles: number;
  readonly fundingFiles: readonly string[];
  readonly fundingAdded: number;
  readonly gaps: readonly KlineGap[];
}

export interface BinanceDownloadReport {
  /** First candle open and last candle close asked for (ms), after rounding and clipping to now. */
  readonly fromOpenTime: number;
  readonly toCloseTime: number;
  readonly symbols: readonly SymbolDownload[];
  /** Venue-rules files written. */
  readonly venueFiles: readonly string[];
  /** What was skipped or repaired, for the user. */
  readonly notes: readonly string[];
  /** REST requests made (all endpoints) and 429 waits. */
  readonly requests: number;
  readonly rateLimitWaits: number;
  readonly rateLimitWaitedMs: number;
}

// --- the download --------------------------------------------------------------------------------

/** What every symbol's download shares. */
interface DownloadRun {
  readonly options: BinanceDownloadOptions;
  readonly request: Requester;
  /** First and last candle open, last funding time (ms, inclusive). */
  readonly window: { readonly firstOpen: number; readonly lastOpen: number; readonly fundingEnd: number };
  /** Candles fetched or found missing, for the progress bar. */
  readonly onCandles: (count: number) => void;
  readonly notes: string[];
}

/** Downloads one symbol's klines (and funding); returns what its files hold. */
const downloadSymbol = async (
  run: DownloadRun,
  symbol: string,
  klines: { spec: SeriesSpec; plan: SeriesPlan },
): Promise<SymbolDownload> => {
  const { options, request, window, onCandles, notes } = run;
  const gaps: KlineGap[] = [];
  const stepMs = INTERVAL_MS[options.interval];
  const expected = new Map<TimeRange, number>();
  const gap = (fromOpenTime: number, toOpenTime: number): void => {
    const candles = (toOpenTime - fromOpenTime) / stepMs + 1;
    gaps.push({ symbol, fromOpenTime, toOpenTime, candles });
    onCandles(candles);
  };
  const candlesAdded = await fetchSeries(klines.spec, klines.plan, (range, rows) => {
    const next = expected.get(range) ?? range.start;
    if (rows === undefined) {
      if (next <= range.end) gap(next, range.end);
      return;
    }
    let at = next;
    for (const row of rows) {
      if (row.t > at) gap(at, row.t - stepMs);
      at = row.t + stepMs;
    }
    onCandles(rows.length);
    expected.set(range, at);
  });
  let fundingAdded = 0;
  let fundingFiles: string[] = [];
  if (options.funding !== false && window.fundingEnd >= window.firstOpen) {
    const spec = fundingSpec(request, options.client, options.outDir, symbol);
    const plan = planSeries(spec, window.firstOpen, window.fundingEnd, (note) => notes.push(note));
    fundingAdded = await fetchSeries(spec, plan, () => {});
    fundingFiles = plan.files.filter((file) => plan.states.get(file) !== undefined);
  }
  const states = [...klines.plan.states.values()];
  return {
    symbol,
    klineFiles: klines.plan.files.filter((file) => klines.plan.states.get(file) !== undefined),
    candlesAdded,
    candlesInFiles: states.reduce((sum, state) => sum + (state?.rows ?? 0), 0),
    fundingFiles,
    fundingAdded,
    gaps,
  };
};

/** Each symbol's kline files and what they lack (torn lines are repaired here, before any request). */
const planKlines = (
  options: BinanceDownloadOptions,
  request: Requester,
  window: DownloadRun['window'],
  notes: string[],
): { symbol: string; spec: SeriesSpec; plan: SeriesPlan }[] =>
  options.symbols.map((symbol) => {
    const pageLimit = options.klinesPageLimit ?? KLINES_PAGE_LIMIT;
    const spec = klineSpec(request, options.client, options.outDir, symbol, options.interval, pageLimit);
    const plan =
      window.lastOpen >= window.firstOpen
        ? planSeries(spec, window.firstOpen, window.lastOpen, (note) => notes.push(note))
        : { files: [], states: new Map(), ranges: [] };
    return { symbol, spec, plan };
  });

/**
 * Downloads klines (and funding rates) of `symbols` from `from` to `to` into `outDir`, plus the
 * venue rules into `outDir/venue-rules/` (and `extraVenueRulesDirs`). Checks the symbols against
 * exchangeInfo before any kline request. Resumes what earlier runs left; see the file comment.
 * Throws `UsageError` for a symbol the exchange does not list, `RateLimitExceeded` when asked to
 * wait longer than `maxWaitMs`, `NetworkError` after repeated network failures (rerun to resume).
 */
export const downloadBinanceData = async (
  options: BinanceDownloadOptions,
): Promise<BinanceDownloadReport> => {
  const { client, interval } = options;
  const stepMs = INTERVAL_MS[interval];
  const sleep = options.sleep ?? wallSleep;
  const { request, counts } = createRequester(client, sleep, options.maxWaitMs ?? 10 * 60_000);
  const notes: string[] = [];
  mkdirSync(options.outDir, { recursive: true });
  const venueFiles = await downloadVenueRules(
    request,
    client,
    options.symbols,
    [join(options.outDir, VENUE_RULES_FOLDER), ...(options.extraVenueRulesDirs ?? [])],
    notes,
  );
  const nowMs =
    options.nowMs ??
    parseResponse(
      serverTimeSchema,
      await request('GET /fapi/v1/time', () => client.fapiPublicGetTime()),
      'GET /fapi/v1/time',
    ).serverTime;
  const endMs = Math.min(options.to ?? nowMs, nowMs);
  const window = {
    firstOpen: Math.ceil(options.from / stepMs) * stepMs,
    // Only closed candles: open + interval ≤ the end.
    lastOpen: Math.floor(endMs / stepMs) * stepMs - stepMs,
    fundingEnd: endMs - 1,
  };
  const planned = planKlines(options, request, window, notes);
  const total = planned.reduce(
    (sum, p) => sum + p.plan.ranges.reduce((n, r) => n + (r.end - r.start) / stepMs + 1, 0),
    0,
  );
  const progress = options.progress?.(total);
  let done = 0;
  const run: DownloadRun = {
    options,
    request,
    window,
    notes,
    onCandles: (count) => {
      done += count;
      progress?.update(done);
    },
  };
  const symbols: SymbolDownload[] = [];
  try {
    for (const { symbol, spec, plan } of planned)
      symbols.push(await downloadSymbol(run, symbol, { spec, plan }));
  } finally {
    progress?.stop();
  }
  return {
    fromOpenTime: window.firstOpen,
    toCloseTime: Math.max(window.firstOpen, window.lastOpen + stepMs),
    symbols,
    venueFiles,
    notes,
    ...counts,
  };
};
