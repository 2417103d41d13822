import type { Action, FeatureVector, ModelPrediction } from '../domain/index.js';
import type { FeatureStats } from './model-manifest.js';

/** A stateful predictor for one run: one vote per feature vector, synchronously. */
export type Predictor = (vector: FeatureVector) => ModelPrediction;

/**
 * A batched predictor for one run: one vote per vector of `vectors`, in order, possibly later (a
 * tfjs model on the WebAssembly backend answers asynchronously). The kernel awaits the answer
 * inside the barrier, so an async model sees and decides exactly what a synchronous one would.
 */
export type BatchPredictor = (
  vectors: readonly FeatureVector[],
) => readonly ModelPrediction[] | PromiseLike<readonly ModelPrediction[]>;

/**
 * A model the ensemble can ask for a vote. `features` names the inputs it reads (by name, so it
 * fits any feature set that computes them); `warmup` is how many closed candles it needs before
 * its first real vote (it abstains before that). Rule and tree models predict synchronously per
 * vector (`create`), the fast path.
 */
export interface Model {
  readonly name: string;
  readonly features: readonly string[];
  readonly warmup: number;
  /** Training distribution of each input feature (manifest `featureStats`): the supervisor's PSI reference. */
  readonly featureStats?: Readonly<Record<string, FeatureStats>>;
  /** Training metrics (manifest `metrics`, e.g. `accuracy`): the supervisor's accuracy reference. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** The span of candles it was trained on (manifest `trainingRange`): a backtest over it is in sample. */
  readonly trainingRange?: { readonly from: number; readonly to: number };
  /** Creates a fresh stateful predictor per subscription. */
  create(): Predictor;
}

/** A model that answers in batches and may answer asynchronously (neural forecasters on tfjs). */
export interface BatchModel {
  readonly name: string;
  readonly features: readonly string[];
  readonly warmup: number;
  /** Training distribution of each input feature (manifest `featureStats`): the supervisor's PSI reference. */
  readonly featureStats?: Readonly<Record<string, FeatureStats>>;
  /** Training metrics (manifest `metrics`, e.g. `accuracy`): the supervisor's accuracy reference. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** The span of candles it was trained on (manifest `trainingRange`): a backtest over it is in sample. */
  readonly trainingRange?: { readonly from: number; readonly to: number };
  /** Creates a fresh stateful batched predictor per run. */
  createBatch(): BatchPredictor;
}

/** Either contract; the engine runs both. */
export type AnyModel = Model | BatchModel;

/** Whether a model answers in batches (possibly asynchronously). */
export const isBatchModel = (model: AnyModel): model is BatchModel => 'createBatch' in model;

/** Something that has a model name: a `Model`, or just its name. */
export type ModelRef = Pick<Model, 'name'> | string;

const nameOf = (model: ModelRef): string => (typeof model === 'string' ? model : model.name);

/** Clip to 0…1; NaN becomes 0 so a broken score can never look confident. */
export const clipConfidence = (value: number): number =>
  Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, value));

/**
 * The model abstains on this vector (`action: null`, confidence 0): warm-up, a NaN feature, or
 * anything else that makes a vote meaningless. The ensemble gives it weight 0 and re-weights.
 */
export const abstain = (model: ModelRef, vector: FeatureVector, reason: string): ModelPrediction => ({
  kind: 'model-prediction',
  symbol: vector.symbol,
  ts: vector.ts,
  model: nameOf(model),
  action: null,
  confidence: 0,
  abstainReason: reason,
});

/** A real vote on this vector; `confidence` is clipped to 0…1 (NaN ⇒ 0). */
export const predictionOf = (
  model: ModelRef,
  vector: FeatureVector,
  action: Action,
  confidence: number,
  probabilities?: { readonly BUY: number; readonly SELL: number; readonly HOLD: number },
): ModelPrediction =>
  probabilities === undefined
    ? {
        kind: 'model-prediction',
        symbol: vector.symbol,
        ts: vector.ts,
        model: nameOf(model),
        action,
        confidence: clipConfidence(confidence),
      }
    : {
        kind: 'model-prediction',
        symbol: vector.symbol,
        ts: vector.ts,
        model: nameOf(model),
        action,
        confidence: clipConfidence(confidence),
        probabilities: { BUY: probabilities.BUY, SELL: probabilities.SELL, HOLD: probabilities.HOLD },
      };

/**
 * Positions of `features` inside a vector's `names` (−1 when the feature set lacks one). Feature
 * sets share one `names` array per set, so callers cache the answer by array identity and pay the
 * `indexOf` scans once per feature set, not once per candle.
 */
export const featureIndexes = (names: readonly string[], features: readonly string[]): Int32Array => {
  const indexes = new Int32Array(features.length);
  for (let i = 0; i < features.length; i++) indexes[i] = names.indexOf(features[i]);
  return indexes;
};
