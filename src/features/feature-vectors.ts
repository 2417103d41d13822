import type { FeatureVector } from '../domain/feature-vector.js';
import type { Kline } from '../domain/kline.js';
import type { FeatureEngine, FeatureState } from './indicators/feature-engine.js';

/** Per-symbol state: the indicator set and the last `ts` consumed (for the order check). */
interface SymbolFeatures {
  readonly state: FeatureState;
  lastTs: number;
}

/** Turns one run's closed klines into feature vectors (see `createFeatureVectorizer`). */
export interface FeatureVectorizer {
  /** The vector of `kline`, or undefined when the kline is skipped (not after its symbol's last). */
  vectorOf(kline: Kline): FeatureVector | undefined;
}

/**
 * The feature engine over a stream of closed klines of many symbols — the one place features are
 * computed, for the engine's stages, the feature export and model training alike (models never
 * import operators). State is per symbol, so interleaved symbols do not mix; `names` is the
 * engine's one frozen array, `values` a fresh array per vector with NaN during warm-up. A kline
 * whose `ts` is ≤ the previous `ts` of its symbol is skipped and reported to `onSkip` with the
 * running count — never fed to the indicators, so their state stays that of an ordered series.
 */
export const createFeatureVectorizer = (
  engine: FeatureEngine,
  onSkip?: (kline: Kline, skipped: number) => void,
): FeatureVectorizer => {
  const names = engine.names;
  const template: number[] = [];
  for (let i = 0; i < names.length; i++) template.push(Number.NaN);
  const bySymbol = new Map<string, SymbolFeatures>();
  let skipped = 0;
  return {
    vectorOf(kline) {
      let entry = bySymbol.get(kline.symbol);
      if (entry === undefined) {
        entry = { state: engine.createState(), lastTs: Number.NEGATIVE_INFINITY };
        bySymbol.set(kline.symbol, entry);
      } else if (kline.ts <= entry.lastTs) {
        skipped++;
        onSkip?.(kline, skipped);
        return undefined;
      }
      entry.lastTs = kline.ts;
      // A copy of a NaN-filled template (pushed, so V8 keeps it a packed double array): one
      // allocation, where a `new Array(n)` is reallocated when the first double is written into it.
      const values = template.slice();
      entry.state.update(kline.high, kline.low, kline.close, kline.volume, values);
      return { kind: 'feature-vector', symbol: kline.symbol, ts: kline.ts, kline, names, values };
    },
  };
};
