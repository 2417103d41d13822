import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import type { FeatureVector } from '../domain/feature-vector.js';
import type { Kline } from '../domain/kline.js';
import { type Handler, operate } from '../kernel/operate.js';
import { type featureParams, parseFeatureParams } from './feature-names.js';
import { createFeatureEngine, type FeatureEngine, type FeatureState } from './indicators/feature-engine.js';

export type { FeatureParams } from './feature-names.js';
export { featureParams } from './feature-names.js';

/** Hooks for observability; not part of the zod params because they are functions, not config. */
export interface FeatureVectorHooks {
  /**
   * Called for each kline dropped because its `ts` is not after the previous kline of the same
   * symbol (a duplicate or an out-of-order candle: a bug upstream). `skipped` is the running count
   * for this subscription.
   */
  onSkip?: (kline: Kline, skipped: number) => void;
}

/** Per-symbol state: the indicator set and the last `ts` consumed (for the order check). */
interface SymbolFeatures {
  readonly state: FeatureState;
  lastTs: number;
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
  const names = engine.names;
  const featureCount = names.length;
  const bySymbol = new Map<string, SymbolFeatures>();
  let skipped = 0;
  return {
    next(kline, emit) {
      let entry = bySymbol.get(kline.symbol);
      if (entry === undefined) {
        entry = { state: engine.createState(), lastTs: Number.NEGATIVE_INFINITY };
        bySymbol.set(kline.symbol, entry);
      } else if (kline.ts <= entry.lastTs) {
        skipped++;
        onSkip?.(kline, skipped);
        return;
      }
      entry.lastTs = kline.ts;
      const values = new Array<number>(featureCount);
      entry.state.update(kline.high, kline.low, kline.close, kline.volume, values);
      emit({ kind: 'features', symbol: kline.symbol, ts: kline.ts, kline, names, values });
    },
  };
};
