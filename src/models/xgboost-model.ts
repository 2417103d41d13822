import { z } from 'zod';
import { Action } from '../domain/common.js';
import { ModelError } from '../domain/errors.js';
import type { FeatureVector } from '../domain/feature-vector.js';
import type { ModelPrediction } from '../domain/signal.js';
import { abstain, featureIndexes, type Model, predictionOf } from './model.js';
import type { ModelManifest } from './model-manifest.js';
import { XGBOOST_OBJECTIVES } from './xgboost-json.js';
import { sigmoid32, type XgboostPredictor } from './xgboost-predictor.js';

export const xgboostModelParams = z
  .object({
    /** Name on the votes (`XGB BUY 85%`). */
    name: z.string().min(1),
    /** Feature names in the model's feature index order (from the manifest). */
    features: z.array(z.string().min(1)).min(1),
    /** Closed candles per symbol before the first vote (abstains before). */
    warmup: z.number().int().nonnegative().default(0),
    /** Let NaN features through as XGBoost "missing" instead of abstaining. ±Infinity always abstains. */
    allowMissing: z.boolean().default(false),
    /** Binary: BUY when P(up) ≥ this. */
    buyThreshold: z.number().min(0).max(1).default(0.55),
    /** Binary: SELL when P(up) ≤ this. */
    sellThreshold: z.number().min(0).max(1).default(0.45),
    /** Multiclass: action of each class index. */
    classes: z.array(Action).min(2).default(['SELL', 'HOLD', 'BUY']),
    /** Regression: BUY when the predicted forward return (a fraction: 0.002 = 0.2 %) ≥ this, SELL when ≤ −this. */
    returnThreshold: z.number().positive().default(0.001),
    /** Feature names the pipeline computes; when given, a missing one fails at construction. */
    available: z.array(z.string()).optional(),
  })
  .strict()
  .refine((p) => p.sellThreshold <= p.buyThreshold, {
    message: 'sellThreshold must be ≤ buyThreshold',
    path: ['sellThreshold'],
  });
export type XgboostModelParams = z.output<typeof xgboostModelParams>;

/** A `Model` backed by a compiled XGBoost forest, plus its raw output for exactness checks. */
export interface XgboostModel extends Model {
  /** The forest's output for values in the model's feature order (see `XgboostPredictor.predict`). */
  predictRaw(values: ArrayLike<number>): Float64Array;
}

const missingFeatureError = (name: string, feature: string, names: readonly string[]): ModelError =>
  new ModelError(
    `model ${name} expects feature ${feature} which the pipeline does not compute ` +
      `(it computes: ${names.join(', ')}); add ${feature} to the features list`,
    `models.${name}`,
  );

/**
 * Makes an engine model from a compiled XGBoost forest. Vectors are mapped to the forest's
 * inputs by feature NAME (positions cached per `names` array, so the lookup is paid once per
 * feature set). Per vector:
 * - abstains until the symbol has delivered `warmup` vectors (the `warmup`-th one votes), when a needed feature is
 *   NaN (unless `allowMissing`) or ±Infinity;
 * - binary objectives: p = P(up). BUY if p ≥ buyThreshold (confidence p), SELL if
 *   p ≤ sellThreshold (confidence 1 − p), else HOLD with confidence 1 − |p − 0.5|·2 (how
 *   sure it is of "neither"); probabilities {BUY: p, SELL: 1 − p, HOLD: 0};
 * - multiclass: action = argmax over `classes` (default SELL, HOLD, BUY), confidence = its
 *   probability, all class probabilities attached;
 * - regression: the output is read as a forward return r (fraction); BUY if r ≥ returnThreshold,
 *   SELL if r ≤ −returnThreshold, confidence min(1, |r| / (2·returnThreshold)); else HOLD with
 *   confidence 1 − |r| / returnThreshold.
 * @throws ModelError at construction when the features do not fit the forest, classes do not
 *   fit num_class, or `available` lacks a feature; at the first vector of a feature set lacking one
 */
export const xgboostModel = (
  predictor: XgboostPredictor,
  input: z.input<typeof xgboostModelParams>,
): XgboostModel => {
  const params = xgboostModelParams.parse(input);
  const { name, features, warmup } = params;
  if (features.length < predictor.numFeature) {
    throw new ModelError(
      `model ${name}: the forest reads ${predictor.numFeature} features but ${features.length} names were given`,
      `models.${name}.features`,
    );
  }
  const transform = XGBOOST_OBJECTIVES[predictor.objective];
  const kind =
    transform === 'softmax'
      ? 'multiclass'
      : transform === 'identity' || transform === 'exp'
        ? 'regression'
        : 'binary';
  if (kind === 'multiclass' && params.classes.length !== predictor.numGroup) {
    throw new ModelError(
      `model ${name}: ${params.classes.length} classes (${params.classes.join(',')}) for num_class = ${predictor.numGroup}`,
      `models.${name}.classes`,
    );
  }
  if (params.available !== undefined) {
    const missing = features.find((feature) => !params.available?.includes(feature));
    if (missing !== undefined) throw missingFeatureError(name, missing, params.available);
  }
  const classIndex = (action: Action): number => params.classes.indexOf(action);

  const create = (): ((vector: FeatureVector) => ModelPrediction) => {
    // Per-subscription state: vectors seen per symbol (warm-up), the feature positions of the
    // last `names` array seen, and scratch buffers reused for every vector.
    const seenBySymbol = new Map<string, number>();
    let lastNames: readonly string[] | undefined;
    let positions: Int32Array = new Int32Array(0);
    const row = new Float64Array(features.length);
    const out = new Float64Array(predictor.numGroup);
    return (vector) => {
      const seen = (seenBySymbol.get(vector.symbol) ?? 0) + 1;
      seenBySymbol.set(vector.symbol, seen);
      if (vector.names !== lastNames) {
        positions = featureIndexes(vector.names, features);
        const absent = positions.indexOf(-1);
        if (absent >= 0) throw missingFeatureError(name, features[absent], vector.names);
        lastNames = vector.names;
      }
      if (seen < warmup) return abstain(name, vector, `warm-up: ${seen} of ${warmup} candles`);
      for (let f = 0; f < row.length; f++) {
        const value = vector.values[positions[f]];
        if (!Number.isFinite(value) && !(params.allowMissing && Number.isNaN(value))) {
          return abstain(name, vector, `feature ${features[f]} is ${value}`);
        }
        row[f] = value;
      }
      predictor.predict(row, out);
      if (kind === 'multiclass') {
        let best = 0;
        for (let g = 1; g < out.length; g++) if (out[g] > out[best]) best = g;
        const at = (action: Action): number => (classIndex(action) < 0 ? 0 : out[classIndex(action)]);
        return predictionOf(name, vector, params.classes[best], out[best], {
          BUY: at('BUY'),
          SELL: at('SELL'),
          HOLD: at('HOLD'),
        });
      }
      if (kind === 'regression') {
        const r = out[0];
        const scale = params.returnThreshold;
        if (r >= scale) return predictionOf(name, vector, 'BUY', Math.min(1, r / (2 * scale)));
        if (r <= -scale) return predictionOf(name, vector, 'SELL', Math.min(1, -r / (2 * scale)));
        return predictionOf(name, vector, 'HOLD', 1 - Math.abs(r) / scale);
      }
      // binary:logitraw outputs a margin: turn it into a probability like binary:logistic would.
      const p = transform === 'logit-identity' ? sigmoid32(out[0]) : out[0];
      const probabilities = { BUY: p, SELL: 1 - p, HOLD: 0 };
      if (p >= params.buyThreshold) return predictionOf(name, vector, 'BUY', p, probabilities);
      if (p <= params.sellThreshold) return predictionOf(name, vector, 'SELL', 1 - p, probabilities);
      return predictionOf(name, vector, 'HOLD', 1 - Math.abs(p - 0.5) * 2, probabilities);
    };
  };

  return {
    name,
    features,
    warmup,
    create,
    predictRaw: (values) => predictor.predict(values),
  };
};

/**
 * The engine model of a registry entry: name, features, warm-up and classes from its manifest,
 * anything else (thresholds, `allowMissing`, `available`) from `overrides`.
 */
export const xgboostModelOf = (
  loaded: { readonly manifest: ModelManifest; readonly predictor: XgboostPredictor },
  overrides: Partial<z.input<typeof xgboostModelParams>> = {},
): XgboostModel => {
  const model = xgboostModel(loaded.predictor, {
    name: loaded.manifest.name,
    features: loaded.manifest.features,
    warmup: loaded.manifest.warmup,
    ...(loaded.manifest.classes === undefined ? {} : { classes: loaded.manifest.classes }),
    ...overrides,
  });
  // The supervisor's references: the training distribution (PSI) and the training metrics (accuracy).
  const { featureStats, metrics, trainingRange } = loaded.manifest;
  return {
    ...model,
    ...(trainingRange === undefined ? {} : { trainingRange }),
    ...(featureStats === undefined ? {} : { featureStats }),
    ...(metrics === undefined ? {} : { metrics }),
  };
};
