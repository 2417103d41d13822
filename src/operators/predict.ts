import type { OperatorFunction } from 'rxjs';
import type { FeatureVector, ModelPrediction } from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { abstain, type Model } from '../models/model.js';

/** Every model's prediction for one feature vector, in the order the models were given. */
export type ModelBatch = {
  readonly vector: FeatureVector;
  readonly predictions: readonly ModelPrediction[];
};

/**
 * Asks every model for a vote on each feature vector.
 *
 * @param models the ensemble's members; each gets a fresh predictor (`model.create()`) per
 *   subscription, so two subscriptions never share model state.
 * @returns one `ModelBatch` per input vector, synchronously, predictions in `models` order.
 *   Until a symbol has delivered `model.warmup` vectors, that model's prediction is replaced by an
 *   abstention with reason 'warm-up' (unless it abstained itself; the predictor still sees the vector, so windowed models
 *   fill their windows). Never silent: an empty model list yields batches with no predictions.
 *   A predictor that throws errors the stream.
 */
export const predict = (models: readonly Model[]): OperatorFunction<FeatureVector, ModelBatch> =>
  operate(() => createPredict(models));

/** The models' logic (see `predict`), as a handler the kernel and the operator share. */
export const createPredict = (models: readonly Model[]): Handler<FeatureVector, ModelBatch> => {
  const predictors = models.map((model) => model.create());
  // Largest warm-up of any model: past it the per-symbol counting can stop.
  let maxWarmup = 0;
  for (const model of models) maxWarmup = Math.max(maxWarmup, model.warmup);
  // Vectors seen per symbol, counted only while some model is still warming up.
  const seenBySymbol = new Map<string, number>();
  return {
    next(vector, emit) {
      let seen = maxWarmup;
      if (maxWarmup > 0) {
        seen = (seenBySymbol.get(vector.symbol) ?? 0) + 1;
        if (seen <= maxWarmup) seenBySymbol.set(vector.symbol, seen);
      }
      const predictions = new Array<ModelPrediction>(predictors.length);
      for (let i = 0; i < predictors.length; i++) {
        const prediction = predictors[i](vector);
        predictions[i] =
          seen < models[i].warmup && prediction.action !== null
            ? abstain(models[i], vector, 'warm-up')
            : prediction;
      }
      emit({ vector, predictions });
    },
  };
};
