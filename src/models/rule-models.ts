import { z } from 'zod';
import type { FeatureVector, ModelPrediction } from '../domain/index.js';
import { abstain, clipConfidence, featureIndexes, type Model, predictionOf } from './model.js';

/**
 * Where a fixed list of named features sits in vectors: the indexes are cached by the identity of
 * the vector's `names` array (one shared array per feature set), so the per-candle cost is a
 * pointer compare; −1 for a feature the set does not compute. The models read their few values
 * straight from the vector (`valueAt`): a loop copying them into a buffer re-checked its three
 * arrays per value, ~50 instructions each.
 */
const createFeatureIndex = (features: readonly string[]): ((vector: FeatureVector) => Int32Array) => {
  // Which `names` array the cached indexes belong to; a new feature set re-resolves them.
  let knownNames: readonly string[] | undefined;
  let indexes: Int32Array = new Int32Array(0);
  return (vector) => {
    if (vector.names !== knownNames) {
      knownNames = vector.names;
      indexes = featureIndexes(vector.names, features);
    }
    return indexes;
  };
};

/** A vector's value at `index`; NaN when its feature set lacks the feature (−1). */
const valueAt = (values: readonly number[], index: number): number =>
  index < 0 ? Number.NaN : values[index];

/** Params of `emaTrendRsiModel`; feature params are feature NAMES of the configured feature set. */
export const emaTrendRsiParams = z
  .object({
    name: z.string().min(1).default('ema-rsi'),
    fast: z.string().min(1).default('ema_12'),
    slow: z.string().min(1).default('ema_26'),
    rsi: z.string().min(1).default('rsi_14'),
    /** ATR feature that scales the EMA spread; when the set lacks it (or it is NaN) the price scales it. */
    atr: z.string().min(1).default('atr_14'),
    /** BUY band: a bullish RSI that is not yet overbought. */
    rsiBuyMin: z.number().min(0).max(100).default(50),
    rsiBuyMax: z.number().min(0).max(100).default(70),
    /** SELL band: a bearish RSI that is not yet oversold. */
    rsiSellMin: z.number().min(0).max(100).default(30),
    rsiSellMax: z.number().min(0).max(100).default(50),
    /** EMA spread (in ATRs) that earns a full spread score. */
    fullSpreadAtr: z.number().positive().default(0.5),
    /** EMA spread (as a fraction of price) that earns a full spread score when no ATR is available. */
    fullSpreadPct: z.number().positive().default(0.002),
    /** Share of the spread score in the strength (the RSI score gets the rest). */
    spreadWeight: z.number().min(0).max(1).default(0.5),
    /** Confidence of a HOLD (no setup). */
    holdConfidence: z.number().min(0).max(1).default(0.5),
    /** Candles before the first vote (EMA 26 needs 26). */
    warmup: z.number().int().nonnegative().default(26),
  })
  .strict();
export type EmaTrendRsiParams = z.output<typeof emaTrendRsiParams>;

/**
 * Baseline trend model: BUY when `fast` EMA > `slow` EMA and RSI ∈ [rsiBuyMin, rsiBuyMax]
 * (bullish, not overbought); SELL when fast < slow and RSI ∈ [rsiSellMin, rsiSellMax]; HOLD
 * otherwise (confidence `holdConfidence`).
 *
 * Confidence of a BUY/SELL, clipped to 0…1:
 *   spreadScore = min(1, |fast − slow| / (fullSpreadAtr × atr))       (or / (fullSpreadPct × close) without ATR)
 *   rsiScore    = min(1, |rsi − 50| / 20)                              (distance from the neutral line)
 *   confidence  = 0.5 + 0.5 × (spreadWeight × spreadScore + (1 − spreadWeight) × rsiScore)
 * so a firing rule is at least a coin flip and a strong setup reaches 1. Example: fast 101,
 * slow 100, atr 4, rsi 60 ⇒ spreadScore 0.5, rsiScore 0.5, confidence 0.75.
 *
 * Abstains with reason 'warm-up' while fast, slow or rsi is NaN (absent or still warming up).
 */
export const emaTrendRsiModel = (params: z.input<typeof emaTrendRsiParams> = {}): Model => {
  const p = emaTrendRsiParams.parse(params);
  const features = [p.fast, p.slow, p.rsi, p.atr] as const;
  return {
    name: p.name,
    features: [p.fast, p.slow, p.rsi],
    warmup: p.warmup,
    create() {
      const indexesOf = createFeatureIndex(features);
      return (vector: FeatureVector): ModelPrediction => {
        const at = indexesOf(vector);
        const values = vector.values;
        const fast = valueAt(values, at[0]);
        const slow = valueAt(values, at[1]);
        const rsi = valueAt(values, at[2]);
        // fast, slow and rsi are required; atr is optional.
        if (!(Number.isFinite(fast) && Number.isFinite(slow) && Number.isFinite(rsi))) {
          return abstain(p.name, vector, 'warm-up');
        }
        const atr = valueAt(values, at[3]);
        const buy = fast > slow && rsi >= p.rsiBuyMin && rsi <= p.rsiBuyMax;
        const sell = fast < slow && rsi >= p.rsiSellMin && rsi <= p.rsiSellMax;
        if (!buy && !sell) return predictionOf(p.name, vector, 'HOLD', p.holdConfidence);
        const spreadUnit =
          Number.isFinite(atr) && atr > 0 ? p.fullSpreadAtr * atr : p.fullSpreadPct * vector.kline.close;
        const spreadScore = Math.min(1, Math.abs(fast - slow) / spreadUnit);
        const rsiScore = Math.min(1, Math.abs(rsi - 50) / 20);
        const strength = p.spreadWeight * spreadScore + (1 - p.spreadWeight) * rsiScore;
        return predictionOf(p.name, vector, buy ? 'BUY' : 'SELL', clipConfidence(0.5 + 0.5 * strength));
      };
    },
  };
};

/** Params of `macdAdxModel`; feature params are feature NAMES of the configured feature set. */
export const macdAdxParams = z
  .object({
    name: z.string().min(1).default('macd-adx'),
    macdHist: z.string().min(1).default('macd_hist_12_26_9'),
    adx: z.string().min(1).default('adx_14'),
    plusDi: z.string().min(1).default('plus_di_14'),
    minusDi: z.string().min(1).default('minus_di_14'),
    /** ADX at or above this is a trend worth following. */
    adxThreshold: z.number().nonnegative().default(25),
    /** ADX at which confidence reaches 1. */
    adxStrong: z.number().positive().default(50),
    holdConfidence: z.number().min(0).max(1).default(0.5),
    /** Candles before the first vote (MACD 12/26/9 needs 34). */
    warmup: z.number().int().nonnegative().default(34),
  })
  .strict()
  .refine((p) => p.adxStrong > p.adxThreshold, {
    message: 'adxStrong must be above adxThreshold',
    path: ['adxStrong'],
  });
export type MacdAdxParams = z.output<typeof macdAdxParams>;

/**
 * Trend-strength model: BUY when MACD histogram > 0, ADX ≥ adxThreshold and +DI > −DI; SELL when
 * histogram < 0, ADX ≥ adxThreshold and −DI > +DI; HOLD otherwise (confidence `holdConfidence`).
 * Confidence = clip(0.5 + 0.5 × (adx − adxThreshold) / (adxStrong − adxThreshold)): 0.5 at the
 * threshold, 1 at `adxStrong` and above (ADX 37.5 with defaults ⇒ 0.75).
 * Abstains with reason 'warm-up' while any of its four features is NaN.
 */
export const macdAdxModel = (params: z.input<typeof macdAdxParams> = {}): Model => {
  const p = macdAdxParams.parse(params);
  const features = [p.macdHist, p.adx, p.plusDi, p.minusDi] as const;
  return {
    name: p.name,
    features,
    warmup: p.warmup,
    create() {
      const indexesOf = createFeatureIndex(features);
      return (vector: FeatureVector): ModelPrediction => {
        const at = indexesOf(vector);
        const values = vector.values;
        const hist = valueAt(values, at[0]);
        const adx = valueAt(values, at[1]);
        const plusDi = valueAt(values, at[2]);
        const minusDi = valueAt(values, at[3]);
        if (
          !(
            Number.isFinite(hist) &&
            Number.isFinite(adx) &&
            Number.isFinite(plusDi) &&
            Number.isFinite(minusDi)
          )
        ) {
          return abstain(p.name, vector, 'warm-up');
        }
        const trending = adx >= p.adxThreshold;
        const buy = trending && hist > 0 && plusDi > minusDi;
        const sell = trending && hist < 0 && minusDi > plusDi;
        if (!buy && !sell) return predictionOf(p.name, vector, 'HOLD', p.holdConfidence);
        const strength = (adx - p.adxThreshold) / (p.adxStrong - p.adxThreshold);
        return predictionOf(p.name, vector, buy ? 'BUY' : 'SELL', clipConfidence(0.5 + 0.5 * strength));
      };
    },
  };
};
