import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { INTERVAL_MS, Kline, type MarketEvent, SymbolId, Tick } from '../domain/index.js';
import {
  createIssueLog,
  createSequenceCheck,
  type DataIssue,
  dataPolicy,
  type SequenceCheck,
} from './data-quality.js';

/** Options of the JSONL reader. */
export const jsonlReadOptions = z
  .object({
    policy: dataPolicy,
    /** Keep events with `from ≤ ts` (ms). */
    from: z.number().optional(),
    /** Keep events with `ts < to` (ms). */
    to: z.number().optional(),
    /** Keep only these symbols (all when absent). */
    symbols: z.array(SymbolId).optional(),
  })
  .strict();
export type JsonlReadOptions = z.output<typeof jsonlReadOptions>;

/** What the JSONL reader returns: accepted events in file order, and the issues. */
export interface JsonlResult {
  readonly file: string;
  readonly events: MarketEvent[];
  /** 1-based line of each accepted event, parallel to `events`. */
  readonly lines: number[];
  readonly issues: DataIssue[];
}

const firstZodProblem = (error: z.ZodError): string => {
  const issue = error.issues[0];
  const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`;
};

/**
 * Parses our JSONL market recording: one event per line, `{"kind":"kline",…}` or
 * `{"kind":"tick",…}`, each validated with the domain schema (Kline, Tick). Blank lines are
 * ignored. Per symbol, klines follow the sequence policy (duplicate and out-of-order dropped,
 * gaps reported and kept) and ticks must not go back in time (out-of-order dropped); a line that
 * is not JSON or fails the schema is an `invalid-event`. Bad lines follow `options.policy`.
 */
export const parseJsonlEvents = (
  text: string,
  file: string,
  options: z.input<typeof jsonlReadOptions> = {},
): JsonlResult => {
  const opts = jsonlReadOptions.parse(options);
  const log = createIssueLog(file, opts.policy);
  const fromTs = opts.from ?? Number.NEGATIVE_INFINITY;
  const toTs = opts.to ?? Number.POSITIVE_INFINITY;
  const wanted = opts.symbols === undefined ? undefined : new Set(opts.symbols);
  // Per-series state: a kline series is one symbol and interval; ticks are per symbol.
  const klineChecks = new Map<string, SequenceCheck>();
  const lastTick = new Map<string, { ts: number; line: number }>();
  const events: MarketEvent[] = [];
  const lines: number[] = [];
  const textLines = text.split('\n');
  for (let i = 0; i < textLines.length; i++) {
    const lineText = textLines[i].trim();
    if (lineText === '') continue;
    const lineNo = i + 1;
    let json: unknown;
    try {
      json = JSON.parse(lineText);
    } catch {
      log.report(lineNo, 'invalid-event', `not JSON: ${lineText.slice(0, 60)}`);
      continue;
    }
    const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
    if (kind === 'kline') {
      const parsed = Kline.safeParse(json);
      if (!parsed.success) {
        log.report(lineNo, 'invalid-event', `kline: ${firstZodProblem(parsed.error)}`);
        continue;
      }
      const kline = parsed.data;
      if (kline.ts < fromTs || kline.ts >= toTs || (wanted !== undefined && !wanted.has(kline.symbol)))
        continue;
      const key = `${kline.symbol}|${kline.interval}`;
      let check = klineChecks.get(key);
      if (check === undefined) {
        check = createSequenceCheck(log, INTERVAL_MS[kline.interval], kline.interval);
        klineChecks.set(key, check);
      }
      if (!check.accept(kline.openTime, lineNo)) continue;
      events.push(kline);
      lines.push(lineNo);
    } else if (kind === 'tick') {
      const parsed = Tick.safeParse(json);
      if (!parsed.success) {
        log.report(lineNo, 'invalid-event', `tick: ${firstZodProblem(parsed.error)}`);
        continue;
      }
      const tick = parsed.data;
      if (tick.ts < fromTs || tick.ts >= toTs || (wanted !== undefined && !wanted.has(tick.symbol))) continue;
      const previous = lastTick.get(tick.symbol);
      if (previous !== undefined && tick.ts < previous.ts) {
        log.report(
          lineNo,
          'out-of-order',
          `tick ts ${tick.ts} is before the previous ${tick.symbol} tick's ${previous.ts} (line ${previous.line})`,
        );
        continue;
      }
      lastTick.set(tick.symbol, { ts: tick.ts, line: lineNo });
      events.push(tick);
      lines.push(lineNo);
    } else {
      log.report(lineNo, 'invalid-event', `kind is ${JSON.stringify(kind)}, expected "kline" or "tick"`);
    }
  }
  return { file, events, lines, issues: log.issues };
};

/** Reads a JSONL market recording; see `parseJsonlEvents`. */
export const readJsonlEvents = (path: string, options: z.input<typeof jsonlReadOptions> = {}): JsonlResult =>
  parseJsonlEvents(readFileSync(path, 'utf8'), path, options);

// Lines are buffered into chunks of about this many characters before each write.
const WRITE_CHUNK_CHARS = 1 << 20;

/**
 * Writes events (market data, or any engine event) as JSONL (one `JSON.stringify` per line, `\n`-terminated), replacing the file.
 * Synchronous and chunked, so a recording of millions of events neither blocks on one huge
 * string nor interleaves with other writers. Returns the number of events written.
 */
export const writeJsonl = (path: string, events: Iterable<{ readonly kind: string }>): number => {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    let chunk = '';
    for (const event of events) {
      chunk += `${JSON.stringify(event)}\n`;
      written++;
      if (chunk.length >= WRITE_CHUNK_CHARS) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return written;
};
