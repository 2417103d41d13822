import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { FeatureVector } from '../domain/feature-vector.js';
import type { Kline } from '../domain/kline.js';
import { type featureParams, parseFeatureParams } from '../features/feature-names.js';
import { createFeatureVectorizer } from '../features/feature-vectors.js';
import { createFeatureEngine, type FeatureEngine } from '../features/indicators/feature-engine.js';
import { type Handler, operate } from '../kernel/operate.js';

export type { FeatureParams } from '../features/feature-names.js';
export { featureParams } from '../features/feature-names.js';

/** Hooks for observability; not part of the zod params because they are functions, not config. */
export interface FeatureVectorHooks {
  /**
   * Called for each kline dropped because its `ts` is not after the previous kline of the same
   * symbol (a duplicate or an out-of-order candle: a bug upstream). `skipped` is the running count
   * for this subscription.
   */
  onSkip?: (kline: Kline, skipped: number) => void;
}

/**
 * Turns closed klines into feature vectors, TA-Lib-exact (see `indicators/`).
 *
 * @param params `{ features }` — feature names (`featureParams`, default `DEFAULT_FEATURES`),
 *   validated once here; a bad name throws `ConfigError` naming `features[i]` and the fix.
 * @param hooks optional `onSkip` for dropped out-of-order klines.
 * @returns an operator emitting one `FeatureVector` per kline, synchronously, in input order:
 *   `names` is ONE frozen array shared by every vector of this operator instance; `values` is a
 *   fresh array per vector with `NaN` for a feature still in warm-up. State is per symbol (a `Map`
 *   created per subscription), so interleaved symbols do not mix. No look-ahead: the vector at
 *   `ts` is computed from that symbol's klines with `ts' ≤ ts` only.
 *   Stays silent for a kline whose `ts` is ≤ the previous `ts` of its symbol: it is skipped and
 *   counted (`hooks.onSkip`), never fed to the indicators, so the state stays that of an ordered
 *   series. Errors and completion of the source pass through.
 */
export const featureVectors = (
  params: z.input<typeof featureParams> = {},
  hooks: FeatureVectorHooks = {},
): OperatorFunction<Kline, FeatureVector> => {
  const { features } = parseFeatureParams(params);
  const engine = createFeatureEngine(features);
  const onSkip = hooks.onSkip;

  return operate(() => createFeatureVectors(engine, onSkip));
};

/** The features' logic (see `featureVectors`), as a handler the kernel and the operator share. */
export const createFeatureVectors = (
  engine: FeatureEngine,
  onSkip?: (kline: Kline, skipped: number) => void,
): Handler<Kline, FeatureVector> => {
  const vectorizer = createFeatureVectorizer(engine, onSkip);
  return {
    next(kline, emit) {
      const vector = vectorizer.vectorOf(kline);
      if (vector !== undefined) emit(vector);
    },
  };
};
