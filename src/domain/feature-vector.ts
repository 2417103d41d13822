import { z } from 'zod';
import { SymbolId, TimestampMs } from './common.js';
import { Kline } from './kline.js';

/**
 * The features of one symbol at one closed candle. `names` and `values` are parallel; a feature
 * still in warm-up is `NaN` in memory (absent) and `null` on the wire — never a guessed value.
 * `names` is one shared array per feature set, so a vector costs one small allocation.
 */
export const FeatureVector = z
  .object({
    kind: z.literal('feature-vector'),
    symbol: SymbolId,
    ts: TimestampMs,
    kline: Kline,
    names: z.array(z.string()).readonly(),
    values: z
      .array(
        z
          .number()
          .nullable()
          .transform((v) => (v === null ? Number.NaN : v)),
      )
      .readonly(),
  })
  .readonly();
export type FeatureVector = {
  readonly kind: 'feature-vector';
  readonly symbol: string;
  readonly ts: number;
  readonly kline: Kline;
  readonly names: readonly string[];
  readonly values: readonly number[];
};

/** Value of a named feature, `NaN` when absent. */
export const featureValue = (vector: FeatureVector, name: string): number => {
  const index = vector.names.indexOf(name);
  return index < 0 ? Number.NaN : vector.values[index];
};

/** Whether every feature of the vector is present (warm-up over). */
export const isWarm = (vector: FeatureVector): boolean => vector.values.every((v) => !Number.isNaN(v));
