import { z } from 'zod';
import { INTERVAL_MS, Interval, type Kline, SymbolId } from '../domain/index.js';
import { createSequenceCheck, type DataIssue, dataPolicy, type IssueLog } from './data-quality.js';

/** Options shared by the kline readers. */
export const klineReadOptions = z
  .object({
    /** Exchange id; inferred from the file name (`AVAXUSDT-1m-2026-02.csv`) when absent. */
    symbol: SymbolId.optional(),
    /** Inferred from the file name, else from the most common open-time delta. */
    interval: Interval.optional(),
    policy: dataPolicy,
    /** Keep candles with `from ≤ ts` (close time, ms); rows outside are skipped before any check. */
    from: z.number().optional(),
    /** Keep candles with `ts < to` (close time, ms). */
    to: z.number().optional(),
  })
  .strict();
export type KlineReadOptions = z.output<typeof klineReadOptions>;

/** What a kline reader returns for one file. */
export interface KlineFileResult {
  readonly file: string;
  readonly symbol: string;
  readonly interval: Interval;
  /** Accepted candles, ascending by open time, no duplicates. */
  readonly klines: Kline[];
  /** Line (or candle index) each accepted candle came from, parallel to `klines`. */
  readonly lines: Uint32Array;
  readonly issues: DataIssue[];
}

// Above this an epoch timestamp can only be in µs (1e14 ms is the year 5138).
const MICROS_THRESHOLD = 1e14;

/** Open time in ms from a ms or µs value (decided per value). */
export const toEpochMs = (value: number): number =>
  value > MICROS_THRESHOLD ? Math.floor(value / 1000) : value;

/**
 * Columns of the accepted rows before the interval is known: the sequence checks need the
 * interval, and inferring it needs all open times, so rows are parsed into typed arrays first.
 */
export interface ParsedRows {
  count: number;
  openTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  quoteVolume: Float64Array;
  trades: Float64Array;
  takerBuyVolume: Float64Array;
  line: Uint32Array;
}

export const allocateRows = (capacity: number): ParsedRows => ({
  count: 0,
  openTime: new Float64Array(capacity),
  open: new Float64Array(capacity),
  high: new Float64Array(capacity),
  low: new Float64Array(capacity),
  close: new Float64Array(capacity),
  volume: new Float64Array(capacity),
  quoteVolume: new Float64Array(capacity),
  trades: new Float64Array(capacity),
  takerBuyVolume: new Float64Array(capacity),
  line: new Uint32Array(capacity),
});

/** Applies the range filter and the sequence checks, and builds the domain candles. */
export const buildKlines = (
  rows: ParsedRows,
  context: { file: string; symbol: string; interval: Interval; log: IssueLog; fromTs: number; toTs: number },
): KlineFileResult => {
  const { file, symbol, interval, log, fromTs, toTs } = context;
  const intervalMs = INTERVAL_MS[interval];
  const sequence = createSequenceCheck(log, intervalMs, interval);
  const klines: Kline[] = [];
  const acceptedLines = new Uint32Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    const openTime = rows.openTime[i];
    const ts = openTime + intervalMs;
    if (ts < fromTs || ts >= toTs) continue;
    if (!sequence.accept(openTime, rows.line[i])) continue;
    acceptedLines[klines.length] = rows.line[i];
    klines.push({
      kind: 'kline',
      symbol,
      interval,
      openTime,
      ts,
      open: rows.open[i],
      high: rows.high[i],
      low: rows.low[i],
      close: rows.close[i],
      volume: rows.volume[i],
      quoteVolume: rows.quoteVolume[i],
      trades: rows.trades[i],
      takerBuyVolume: rows.takerBuyVolume[i],
    });
  }
  return { file, symbol, interval, klines, lines: acceptedLines.slice(0, klines.length), issues: log.issues };
};
