import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError, UsageError } from '../domain/errors.js';
import type { FeatureVector } from '../domain/feature-vector.js';
import type { Kline } from '../domain/kline.js';
import { DEFAULT_FEATURES, parseFeatureParams } from '../features/feature-names.js';
import { createFeatureVectorizer } from '../features/feature-vectors.js';
import { createFeatureEngine } from '../features/indicators/feature-engine.js';
import { formatXgboostFloat } from '../models/xgboost-text-float.js';
import { prepareOutputDir } from '../sinks/output-dir.js';

/** The serializable options of `writeFeatureRows` (everything but the progress callback). */
export const featureExportParams = z
  .object({
    /** Feature names (validated by the operator); default DEFAULT_FEATURES. */
    features: z
      .array(z.string())
      .min(1)
      .default(() => [...DEFAULT_FEATURES]),
    /** Output file; its extension picks the format unless `format` is given (.csv, .libsvm/.svm). */
    out: z.string().min(1),
    format: z.enum(['csv', 'libsvm']).optional(),
    /** Write only rows with from ≤ ts < to (ms, candle close time; `to` exclusive, as in backtest); indicators still warm up on earlier candles. */
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    /** Binary forward-return label: 1 if close[t+horizon]/close[t] − 1 > thresholdPct/100, else 0. */
    label: z
      .object({
        horizon: z.number().int().positive(),
        thresholdPct: z.number().finite().default(0),
      })
      .strict()
      .optional(),
  })
  .strict();
export type FeatureExportParams = z.output<typeof featureExportParams>;

export type FeatureExportOptions = z.input<typeof featureExportParams> & {
  /** Called after each batch and at the end; `total` is NaN when `klines` is not an array. */
  onProgress?: (done: number, total: number) => void;
};

/** Klines pushed between two awaited writes: large enough to be fast, small enough to bound memory. */
const BATCH_SIZE = 8192;

/** A row waiting for its label (or for earlier rows) before it can be written. */
interface PendingRow {
  readonly vector: FeatureVector;
  /** Index of the candle in its symbol's series (for the horizon). */
  readonly index: number;
  /** undefined until the future close arrives. */
  label: number | undefined;
}

/** Per-symbol bookkeeping for labels: candles seen, rows waiting for close[t+h]. */
interface SymbolLabels {
  count: number;
  readonly waiting: PendingRow[];
  head: number;
}

const formatOf = (out: string, format: FeatureExportParams['format']): 'csv' | 'libsvm' => {
  if (format !== undefined) return format;
  const lower = out.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.libsvm') || lower.endsWith('.svm')) return 'libsvm';
  throw new ConfigError(
    `out: cannot tell the format of "${out}" from its extension; name it .csv or .libsvm, or pass format`,
    'out',
  );
};

/**
 * Writes one row per closed candle with from ≤ ts < to, computed by the SAME feature engine
 * (`createFeatureVectorizer`) the ai-engine stage runs (no second implementation), so exported
 * training data equals live features.
 *
 * - CSV: header `ts,symbol,<names…>[,label]`; a feature in warm-up is an empty cell; numbers are
 *   `String(x)` (shortest text that round-trips the double).
 * - libsvm: `<label> <index>:<value> …` with 0-based feature indexes in name order, values written
 *   by `formatXgboostFloat` so XGBoost's text parser reads exactly the float32 the engine feeds the
 *   model (plain `String(x)` is misread one float32 step off for ~1.5 % of values); a feature in
 *   warm-up is omitted (XGBoost reads it as missing); label 0 when no label is requested.
 * - Label (optional): 1 if close[t+h]/close[t] − 1 > thresholdPct/100 else 0, with h candles of
 *   the same symbol. Rows without a future close (the last h of each symbol, or of the input)
 *   get an empty label cell in CSV and are left out of libsvm.
 *
 * Rows are written in input order; indicators warm up on every candle before `from`; iteration
 * stops early once past `to` with nothing left to label. Returns the rows written and the path.
 * Throws `ConfigError` for bad options or feature names; rejects on I/O errors.
 */
export const writeFeatureRows = async (
  klines: Iterable<Kline>,
  options: FeatureExportOptions,
): Promise<{ rows: number; path: string }> => {
  const { onProgress, ...rest } = options;
  const parsed = featureExportParams.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(options)';
    throw new ConfigError(`${where}: ${issue.message}`, where);
  }
  const {
    features,
    out,
    from = Number.NEGATIVE_INFINITY,
    to = Number.POSITIVE_INFINITY,
    label,
  } = parsed.data;
  const format = formatOf(out, parsed.data.format);
  // Built before opening the file so a bad feature name leaves no file behind.
  const vectorizer = createFeatureVectorizer(createFeatureEngine(parseFeatureParams({ features }).features));
  const total = Array.isArray(klines) ? klines.length : Number.NaN;
  const horizon = label?.horizon ?? 0;
  const threshold = (label?.thresholdPct ?? 0) / 100;

  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UsageError(
      `out ${out}: is a folder; name the file to write (e.g. ${join(out, 'features.csv')})`,
    );
  }
  prepareOutputDir(dirname(out), 'out', out);
  const file = await open(out, 'w');
  let chunks: string[] = [];
  let rows = 0;
  const queue: PendingRow[] = [];
  let queueHead = 0;
  const labelsBySymbol = new Map<string, SymbolLabels>();
  let pastWindow = false;

  const formatRow = (row: PendingRow): string | undefined => {
    const values = row.vector.values;
    if (format === 'csv') {
      let line = `${row.vector.ts},${row.vector.symbol}`;
      for (let i = 0; i < values.length; i++) line += Number.isNaN(values[i]) ? ',' : `,${values[i]}`;
      if (label !== undefined) line += row.label === undefined ? ',' : `,${row.label}`;
      return `${line}\n`;
    }
    if (label !== undefined && row.label === undefined) return undefined;
    let line = String(row.label ?? 0);
    for (let i = 0; i < values.length; i++)
      if (!Number.isNaN(values[i])) line += ` ${i}:${formatXgboostFloat(values[i])}`;
    return `${line}\n`;
  };

  /** Moves every leading row whose label is settled (or not needed) to the output chunks. */
  const release = (all: boolean): void => {
    while (queueHead < queue.length) {
      const row = queue[queueHead];
      if (!all && label !== undefined && row.label === undefined) break;
      const line = formatRow(row);
      if (line !== undefined) {
        chunks.push(line);
        rows++;
      }
      queueHead++;
    }
    if (queueHead > 4096 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
  };

  const onVector = (vector: FeatureVector): void => {
    if (label !== undefined) {
      let labels = labelsBySymbol.get(vector.symbol);
      if (labels === undefined) {
        labels = { count: 0, waiting: [], head: 0 };
        labelsBySymbol.set(vector.symbol, labels);
      }
      const index = labels.count++;
      // The candle `horizon` after a waiting row settles that row's label.
      const waiting = labels.waiting;
      while (labels.head < waiting.length && waiting[labels.head].index + horizon <= index) {
        const row = waiting[labels.head++];
        row.label = vector.kline.close / row.vector.kline.close - 1 > threshold ? 1 : 0;
      }
      if (labels.head > 1024 && labels.head * 2 > waiting.length) {
        waiting.splice(0, labels.head);
        labels.head = 0;
      }
      if (vector.ts >= from && vector.ts < to) {
        const row: PendingRow = { vector, index, label: undefined };
        queue.push(row);
        waiting.push(row);
      }
    } else if (vector.ts >= from && vector.ts < to) {
      queue.push({ vector, index: 0, label: undefined });
    }
    release(false);
    pastWindow = vector.ts >= to && queueHead === queue.length;
  };

  const flush = async (): Promise<void> => {
    if (chunks.length === 0) return;
    const text = chunks.join('');
    chunks = [];
    await file.write(text);
  };

  try {
    if (format === 'csv')
      chunks.push(`ts,symbol,${features.join(',')}${label !== undefined ? ',label' : ''}\n`);
    // Pauses every BATCH_SIZE klines to write, so memory stays bounded and the event loop breathes.
    let done = 0;
    for (const kline of klines) {
      if (pastWindow) break;
      const vector = vectorizer.vectorOf(kline);
      if (vector !== undefined) onVector(vector);
      done++;
      if (done % BATCH_SIZE === 0) {
        await flush();
        onProgress?.(done, total);
      }
    }
    onProgress?.(done, total);
    release(true);
    await flush();
  } finally {
    await file.close();
  }
  return { rows, path: out };
};
