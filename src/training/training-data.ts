import { createHash } from 'node:crypto';
import { DataError } from '../domain/errors.js';
import type { Kline } from '../domain/kline.js';
import { createFeatureVectorizer } from '../features/feature-vectors.js';
import { createFeatureEngine } from '../features/indicators/feature-engine.js';
import { forwardLabels, type LabelParams } from './labels.js';
import type { TrainingData, TrainingSample, TrainingSeries } from './trainer.js';

/** Training data plus what the manifest records about where it came from. */
export interface BuiltTrainingData {
  readonly data: TrainingData;
  /** SHA-256 of every candle read (symbol, times, OHLCV), in symbol then time order. */
  readonly candlesSha256: string;
  /** Closed candles the features need before they are all defined (the model's warm-up). */
  readonly warmup: number;
  /**
   * The span of candles training saw: the first labelled candle's time to the last candle any
   * label read (`horizon` candles after the last sample), so a backtest's in-sample check is exact.
   */
  readonly range: { readonly from: number; readonly to: number };
}

/**
 * Labelled training data from closed candles of many symbols (any interleaving, each symbol in
 * time order): the features of candle t come from the SAME feature engine the pipeline runs
 * (`createFeatureVectorizer`), fed candles ≤ t only, and its label from close[t + horizon] of
 * the same symbol (labels.ts). The last `horizon` candles of each symbol have no label and are
 * not samples. Samples are ordered by time, then symbol name.
 * @throws DataError when no candle has a label (fewer than horizon + 1 candles per symbol)
 */
export const buildTrainingData = (
  klines: readonly Kline[],
  features: readonly string[],
  label: LabelParams,
  source: string,
): BuiltTrainingData => {
  const engine = createFeatureEngine(features);
  const vectorizer = createFeatureVectorizer(engine);
  const bySymbol = new Map<string, { klines: Kline[]; values: (readonly number[])[] }>();
  for (const kline of klines) {
    const vector = vectorizer.vectorOf(kline);
    // A candle out of order for its symbol is not fed to the features, so not a sample either.
    if (vector === undefined) continue;
    let entry = bySymbol.get(kline.symbol);
    if (entry === undefined) {
      entry = { klines: [], values: [] };
      bySymbol.set(kline.symbol, entry);
    }
    entry.klines.push(kline);
    entry.values.push(vector.values);
  }
  const symbols = [...bySymbol.keys()].sort();
  const series: TrainingSeries[] = [];
  const samples: TrainingSample[] = [];
  const sampleValues: (readonly number[])[] = [];
  const hash = createHash('sha256');
  symbols.forEach((symbol, s) => {
    const entry = bySymbol.get(symbol) as { klines: Kline[]; values: (readonly number[])[] };
    const close = Float64Array.from(entry.klines, (k) => k.close);
    series.push({ symbol, ts: Float64Array.from(entry.klines, (k) => k.ts), close });
    for (const k of entry.klines)
      hash.update(`${symbol},${k.openTime},${k.ts},${k.open},${k.high},${k.low},${k.close},${k.volume}\n`);
    forwardLabels(close, label).forEach(({ label: cls, forwardReturn }, index) => {
      samples.push({ series: s, index, ts: entry.klines[index].ts, label: cls, forwardReturn });
      sampleValues.push(entry.values[index]);
    });
  });
  if (samples.length === 0) {
    throw new DataError(
      `${source}: no candle has a label: each symbol needs more than training.label.horizon = ` +
        `${label.horizon} candles (got ${symbols.map((s) => `${s} ${bySymbol.get(s)?.klines.length}`).join(', ') || 'none'})`,
      source,
    );
  }
  // Time order across symbols (ties by symbol), the order folds and rows follow.
  const order = samples.map((_, n) => n).sort((a, b) => samples[a].ts - samples[b].ts || a - b);
  const width = features.length;
  const rows = new Float64Array(order.length * width);
  order.forEach((n, r) => {
    const values = sampleValues[n];
    for (let f = 0; f < width; f++) rows[r * width + f] = values[f];
  });
  const ordered = order.map((n) => samples[n]);
  return {
    data: { features: [...features], rows, samples: ordered, series, label: { ...label } },
    candlesSha256: hash.digest('hex'),
    warmup: engine.maxLookback,
    range: { from: ordered[0].ts, to: Math.max(...series.map((one) => one.ts[one.ts.length - 1])) },
  };
};
