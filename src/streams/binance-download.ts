import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { z } from 'zod';
import {
  DataError,
  ExchangeError,
  INTERVAL_MS,
  type Interval,
  NetworkError,
  RateLimitExceeded,
  UsageError,
} from '../domain/index.js';
import type { BinanceClient } from '../exchange/binance-client.js';
import { VENUE_RULES_FILES } from '../exchange/venue-rules.js';
import { wallSleep } from '../kernel/clock.js';

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

/** Klines per `GET /fapi/v1/klines` (Binance's maximum). */
export const KLINES_PAGE_LIMIT = 1500;
/** Funding rates per `GET /fapi/v1/fundingRate` (Binance's maximum). */
export const FUNDING_PAGE_LIMIT = 1000;
/** data.binance.vision's kline header. */
export const KLINE_CSV_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
/** data.binance.vision's funding-rate header (what `parseFundingCsv` reads). */
export const FUNDING_CSV_HEADER = 'calc_time,funding_interval_hours,last_funding_rate';
/** Subfolder of the output that takes the venue's rules (`loadVenueRules` reads it as is). */
export const VENUE_RULES_FOLDER = 'venue-rules';

const HOUR_MS = 3_600_000;
/** Binance's funding intervals, hours; anything else between two rates is a missing settlement. */
const FUNDING_HOURS = new Set([1, 2, 4, 8]);
const NETWORK_RETRIES = 3;

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

// --- boundary schemas ---------------------------------------------------------------------------

const decimal = z.union([z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i), z.number()]);
const integer = z.number().int().nonnegative();
/** `GET /fapi/v1/klines` row: `[openTime, o, h, l, c, v, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]`. */
const klineRowSchema = z.tuple(
  [
    integer,
    decimal,
    decimal,
    decimal,
    decimal,
    decimal,
    integer,
    decimal,
    integer,
    decimal,
    decimal,
    decimal,
  ],
  z.unknown(),
);
const fundingRowSchema = z.looseObject({ symbol: z.string(), fundingTime: integer, fundingRate: decimal });
const exchangeInfoSchema = z.looseObject({
  symbols: z.array(z.looseObject({ symbol: z.string(), status: z.string().optional() })),
});
const leverageBracketsSchema = z.array(z.looseObject({ symbol: z.string(), brackets: z.array(z.unknown()) }));
const serverTimeSchema = z.looseObject({ serverTime: integer });

const parseResponse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ExchangeError(
    'QT_EXCHANGE_BAD_RESPONSE',
    `${what}: unexpected answer at ${issue.path.join('.') || 'the top'} (${issue.message})`,
  );
};

// --- requests: one at a time, 429 waited out ------------------------------------------------------

/**
 * Calls the exchange (paced by the client's budget or ccxt's limiter); waits `Retry-After` on a
 * 429/418 the client gave up on (none without a budget) and retries network errors.
 */
const createRequester = (client: BinanceClient, sleep: (ms: number) => Promise<void>, maxWaitMs: number) => {
  const counts = { requests: 0, rateLimitWaits: 0, rateLimitWaitedMs: 0 };
  const request = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    for (let networkFailures = 0; ; ) {
      counts.requests++;
      try {
        return await call();
      } catch (error) {
        // ccxt answers both 429 and 418 with DDoSProtection (a NetworkError): test it first.
        if (error instanceof ccxt.DDoSProtection || error instanceof ccxt.RateLimitExceeded) {
          const waitMs = retryAfterMs(client);
          if (waitMs > maxWaitMs) {
            throw new RateLimitExceeded(
              `${what}: Binance asks to wait ${Math.ceil(waitMs / 1000)} s (rate limit or ban); rerun later — the download resumes where it stopped`,
              error,
            );
          }
          counts.rateLimitWaits++;
          counts.rateLimitWaitedMs += waitMs;
          await sleep(waitMs);
          continue;
        }
        if (error instanceof ccxt.NetworkError && networkFailures < NETWORK_RETRIES) {
          await sleep(1000 * 2 ** networkFailures++);
          continue;
        }
        if (error instanceof ccxt.NetworkError) {
          throw new NetworkError(
            `${what}: ${(error as Error).message}; rerun the same command to resume`,
            error,
          );
        }
        throw new ExchangeError('QT_EXCHANGE_REFUSED', `${what}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  };
  return { request, counts };
};

/** The last answer's `Retry-After` in ms (Binance sends seconds), a minute when absent. */
const retryAfterMs = (client: BinanceClient): number => {
  const headers = client.last_response_headers ?? {};
  const value = Number(headers['Retry-After'] ?? headers['retry-after']);
  return Number.isFinite(value) && value >= 0 ? value * 1000 : 60_000;
};

// --- month files ---------------------------------------------------------------------------------

/** `2026-02` of a time (UTC). */
export const monthTag = (ts: number): string => new Date(ts).toISOString().slice(0, 7);
const monthStart = (ts: number): number => {
  const date = new Date(ts);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};
const nextMonthStart = (ts: number): number => {
  const date = new Date(ts);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
};

/** What a month file already holds: its first and last row times (ms). */
interface FileState {
  first: number;
  last: number;
  rows: number;
}

/** One row of a series file: its time (open time or funding time) and its CSV text. */
interface SeriesRow {
  readonly t: number;
  readonly line: string;
}

const isDataLine = (line: string): boolean => /^\d/.test(line);
const timeOf = (line: string, file: string, lineNo: number): number => {
  const t = Number(line.slice(0, line.indexOf(',')));
  if (!Number.isSafeInteger(t) || t > 1e14) {
    throw new DataError(
      `${file}:${lineNo}: cannot resume after "${line.slice(0, 40)}": expected a time in ms; move the file away to download its month again`,
      `${file}:${lineNo}`,
    );
  }
  return t;
};

/** Writes `text` to `path` through a temp file and a rename: a reader never sees half a file. */
const writeAtomically = (path: string, text: string): void => {
  const temp = `${path}.partial`;
  writeFileSync(temp, text);
  renameSync(temp, path);
};

/**
 * Reads back a month file: cuts a torn last line (a run killed mid-write, or a copy cut short) and
 * returns its first/last times, or undefined when it has no row. `repaired` hears of each cut.
 */
const readFileState = (path: string, repaired: (note: string) => void): FileState | undefined => {
  rmSync(`${path}.partial`, { force: true });
  if (!existsSync(path)) return undefined;
  let text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    repaired(`${path}: cut a torn last line (${text.length - keep} bytes) left by an interrupted run`);
    text = text.slice(0, keep);
    writeAtomically(path, text);
  }
  const lines = text.split('\n');
  let firstLine = -1;
  let lastLine = -1;
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!isDataLine(lines[i])) continue;
    if (firstLine < 0) firstLine = i;
    lastLine = i;
    rows++;
  }
  if (firstLine < 0) return undefined;
  const first = timeOf(lines[firstLine], path, firstLine + 1);
  const last = timeOf(lines[lastLine], path, lastLine + 1);
  if (last < first) {
    throw new DataError(
      `${path}:${lastLine + 1}: the last row is older than the first; move the file away to download its month again`,
      path,
    );
  }
  return { first, last, rows };
};

/**
 * Adds rows to a month file: after its last row (copy + append, the common case), between rows
 * already there (a head fetched later: rewrite), or as a new file with `header`; always through a
 * temp file and a rename. Rows that would interleave with kept ones are refused, never merged.
 */
const addRows = (path: string, header: string, state: FileState | undefined, rows: readonly SeriesRow[]) => {
  const text = `${rows.map((row) => row.line).join('\n')}\n`;
  const temp = `${path}.partial`;
  if (state === undefined) {
    writeFileSync(temp, `${header}\n${text}`);
  } else if (rows[0].t > state.last) {
    copyFileSync(path, temp);
    appendFileSync(temp, text);
  } else {
    writeFileSync(temp, insertRows(readFileSync(path, 'utf8'), rows, text, path));
  }
  renameSync(temp, path);
};

/** `existing` with `text` (the lines of `rows`) inserted before the first kept row after them. */
const insertRows = (existing: string, rows: readonly SeriesRow[], text: string, path: string): string => {
  const first = rows[0].t;
  const last = rows[rows.length - 1].t;
  let at = 0;
  let lineNo = 0;
  while (at < existing.length) {
    lineNo++;
    const end = existing.indexOf('\n', at) + 1 || existing.length;
    const line = existing.slice(at, end);
    if (isDataLine(line)) {
      const t = timeOf(line, path, lineNo);
      if (t > last) break;
      if (t >= first)
        throw new DataError(`${path}:${lineNo}: new rows would overlap the rows already there`, path);
    }
    at = end;
  }
  return existing.slice(0, at) + text + existing.slice(at);
};

// --- planning: what each month file lacks ---------------------------------------------------------

/** Times to fetch, inclusive at both ends. */
interface TimeRange {
  start: number;
  end: number;
}

/** How one kind of series (klines, funding) is laid out and paged. */
interface SeriesSpec {
  readonly header: string;
  /** Distance between consecutive rows on the grid (the interval; 1 ms for funding). */
  readonly stepMs: number;
  /** A month file whose first row is this far after the month's start is missing its beginning. */
  readonly headSlackMs: number;
  readonly pageLimit: number;
  fileOf(month: string): string;
  /** One page from `start` to `end` (inclusive), rows ascending; `previousT` is the row before `start`, if known. */
  fetchPage(start: number, end: number, previousT: number | undefined): Promise<SeriesRow[]>;
}

interface SeriesPlan {
  readonly files: string[];
  readonly states: Map<string, FileState | undefined>;
  readonly ranges: TimeRange[];
}

/** The month files of `[start, end]` and the ranges they lack (ascending, touching ones joined). */
const planSeries = (spec: SeriesSpec, start: number, end: number, repaired: (note: string) => void) => {
  const plan: SeriesPlan = { files: [], states: new Map(), ranges: [] };
  const need = (range: TimeRange): void => {
    const previous = plan.ranges[plan.ranges.length - 1];
    if (previous !== undefined && range.start === previous.end + spec.stepMs) previous.end = range.end;
    else plan.ranges.push(range);
  };
  for (let month = monthStart(start); month <= end; month = nextMonthStart(month)) {
    const file = spec.fileOf(monthTag(month));
    const from = Math.max(start, month);
    const to = Math.min(end, nextMonthStart(month) - spec.stepMs);
    const state = readFileState(file, repaired);
    plan.files.push(file);
    plan.states.set(file, state);
    if (state === undefined) {
      need({ start: from, end: to });
      continue;
    }
    // A file stays one unbroken stretch: a window that starts after its end or stops before its
    // start still fetches the stretch between, or a later run would take the hole for the exchange's.
    if (state.first - from >= spec.headSlackMs) need({ start: from, end: state.first - spec.stepMs });
    if (to - state.last >= spec.stepMs) need({ start: state.last + spec.stepMs, end: to });
  }
  return plan;
};

/** The latest row time the plan's files hold before `t`. */
const knownBefore = (plan: SeriesPlan, t: number): number | undefined => {
  let best: number | undefined;
  for (const state of plan.states.values()) {
    if (state === undefined) continue;
    if (state.last < t && (best === undefined || state.last > best)) best = state.last;
  }
  return best;
};

/** Adds `part` (rows of one month file) to the file and its state. */
const writePart = (spec: SeriesSpec, plan: SeriesPlan, file: string, part: readonly SeriesRow[]): void => {
  const state = plan.states.get(file);
  addRows(file, spec.header, state, part);
  plan.states.set(
    file,
    state === undefined
      ? { first: part[0].t, last: part[part.length - 1].t, rows: part.length }
      : {
          first: Math.min(state.first, part[0].t),
          last: Math.max(state.last, part[part.length - 1].t),
          rows: state.rows + part.length,
        },
  );
};

/**
 * Writes one page's rows into their month files. Rows that extend a file at its end are written
 * now; rows that go before kept rows (a head fetched later) wait in `held` until their range is
 * done, so a file never holds a hole that a rerun would take for the exchange's own gap.
 */
const flushPage = (
  spec: SeriesSpec,
  plan: SeriesPlan,
  rows: readonly SeriesRow[],
  held: Map<string, SeriesRow[]>,
): void => {
  let at = 0;
  while (at < rows.length) {
    const month = monthTag(rows[at].t);
    let end = at;
    while (end < rows.length && monthTag(rows[end].t) === month) end++;
    const file = spec.fileOf(month);
    const part = rows.slice(at, end);
    const state = plan.states.get(file);
    if (state === undefined || part[0].t > state.last) writePart(spec, plan, file, part);
    else held.set(file, [...(held.get(file) ?? []), ...part]);
    at = end;
  }
};

/**
 * Pages through each range forward, flushing every page, and calls `onRows` with each page and
 * the range it belongs to (gaps are found there). Stops a range at an empty or short page.
 */
const fetchSeries = async (
  spec: SeriesSpec,
  plan: SeriesPlan,
  onRows: (range: TimeRange, rows: readonly SeriesRow[] | undefined) => void,
): Promise<number> => {
  let added = 0;
  for (const range of plan.ranges) {
    let cursor = range.start;
    let previousT = knownBefore(plan, range.start);
    const held = new Map<string, SeriesRow[]>();
    while (cursor <= range.end) {
      const page = await spec.fetchPage(cursor, range.end, previousT);
      const rows = page.filter((row) => row.t >= cursor && row.t <= range.end);
      if (rows.length === 0) break;
      flushPage(spec, plan, rows, held);
      onRows(range, rows);
      added += rows.length;
      previousT = rows[rows.length - 1].t;
      cursor = previousT + spec.stepMs;
      if (page.length < spec.pageLimit) break;
    }
    for (const [file, part] of held) writePart(spec, plan, file, part);
    onRows(range, undefined);
  }
  return added;
};

// --- klines and funding as series ----------------------------------------------------------------

const klineSpec = (
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

const fundingSpec = (
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

type Requester = ReturnType<typeof createRequester>['request'];

// --- venue rules -----------------------------------------------------------------------------

/** Edit distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
};

/** Refuses symbols the exchange does not list, naming each with the nearest listed ones. */
const checkSymbols = (symbols: readonly string[], listed: readonly string[], where: string): void => {
  const known = new Set(listed);
  const unknown = symbols.filter((symbol) => !known.has(symbol));
  if (unknown.length === 0) return;
  const named = unknown.map((symbol) => {
    const near = [...listed]
      .map((candidate) => ({ candidate, d: distance(symbol, candidate) }))
      .filter((x) => x.d <= 2)
      .sort((a, b) => a.d - b.d || (a.candidate < b.candidate ? -1 : 1))
      .slice(0, 3)
      .map((x) => x.candidate);
    return near.length === 0 ? symbol : `${symbol} (did you mean ${near.join(', ')}?)`;
  });
  throw new UsageError(
    `${named.join('; ')}: not ${unknown.length === 1 ? 'a symbol' : 'symbols'} of Binance USDⓈ-M at ${where} (its exchangeInfo lists ${listed.length}); use exchange ids such as BTCUSDT`,
  );
};

/** Fetches exchangeInfo (checks the symbols) and, with keys, the leverage brackets; writes both. */
const downloadVenueRules = async (
  request: Requester,
  client: BinanceClient,
  symbols: readonly string[],
  dirs: readonly string[],
  notes: string[],
): Promise<string[]> => {
  const where = String((client.urls.api as Record<string, unknown>).fapiPublic ?? 'the server');
  const infoWhat = 'GET /fapi/v1/exchangeInfo';
  const info = await request(infoWhat, () => client.fapiPublicGetExchangeInfo());
  const parsed = parseResponse(exchangeInfoSchema, info, infoWhat);
  checkSymbols(
    symbols,
    parsed.symbols.map((s) => s.symbol),
    where.replace(/\/fapi\/v1$/, ''),
  );
  const written: string[] = [];
  const save = (file: string, body: unknown): void => {
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true });
      writeAtomically(join(dir, file), `${JSON.stringify(body, null, 2)}\n`);
      written.push(join(dir, file));
    }
  };
  save(VENUE_RULES_FILES.exchangeInfo, info);
  if (!client.apiKey || !client.secret) {
    notes.push(
      'leverage brackets skipped: GET /fapi/v1/leverageBracket is a signed endpoint; set BINANCE_API_KEY and BINANCE_API_SECRET (a read-only key is enough)',
    );
    return written;
  }
  const bracketsWhat = 'GET /fapi/v1/leverageBracket';
  try {
    const brackets = await request(bracketsWhat, () => client.fapiPrivateGetLeverageBracket());
    parseResponse(leverageBracketsSchema, brackets, bracketsWhat);
    save(VENUE_RULES_FILES.leverageBrackets, brackets);
  } catch (error) {
    if (!(error instanceof ExchangeError) || error.code !== 'QT_EXCHANGE_REFUSED') throw error;
    notes.push(`leverage brackets skipped: ${error.message}`);
  }
  return written;
};

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
