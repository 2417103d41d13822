import type { OperatorFunction } from 'rxjs';
import type { FeatureVector, ModelPrediction } from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { type AnyModel, abstain, isBatchModel, type Predictor } from '../models/model.js';

/** Every model's prediction for one feature vector, in the order the models were given. */
export type ModelBatch = {
  readonly vector: FeatureVector;
  readonly predictions: readonly ModelPrediction[];
};

/**
 * Asks every model for a vote on each feature vector.
 *
 * @param models the ensemble's members; each gets a fresh predictor (`model.create()`, or
 *   `model.createBatch()` for batched models) per subscription, so two subscriptions never share
 *   model state.
 * @returns one `ModelBatch` per input vector, predictions in `models` order: synchronously when
 *   every model answers synchronously, else once the last asynchronous answer arrived (later
 *   vectors wait, in order). Until a symbol has delivered `model.warmup` vectors, that model's
 *   prediction is replaced by an abstention with reason 'warm-up' (unless it abstained itself; the
 *   predictor still sees the vector, so windowed models fill their windows). Never silent: an empty
 *   model list yields batches with no predictions. A predictor that throws (or rejects, or answers
 *   with the wrong number of votes) errors the stream — in the kernel, a dead letter.
 */
export const predict = (models: readonly AnyModel[]): OperatorFunction<FeatureVector, ModelBatch> =>
  operate(() => createPredict(models));

/** The models' logic (see `predict`), as a handler the kernel and the operator share. */
export const createPredict = (models: readonly AnyModel[]): Handler<FeatureVector, ModelBatch> => {
  const predictors = models.map((model) => (isBatchModel(model) ? undefined : model.create()));
  const batchPredictors = models.map((model) => (isBatchModel(model) ? model.createBatch() : undefined));
  const anyBatched = batchPredictors.some((batch) => batch !== undefined);
  // Largest warm-up of any model: past it the per-symbol counting can stop.
  let maxWarmup = 0;
  for (const model of models) maxWarmup = Math.max(maxWarmup, model.warmup);
  // Vectors seen per symbol, counted only while some model is still warming up.
  const seenBySymbol = new Map<string, number>();

  const settle = (model: AnyModel, vector: FeatureVector, seen: number, prediction: ModelPrediction) =>
    seen < model.warmup && prediction.action !== null ? abstain(model, vector, 'warm-up') : prediction;

  return {
    next(vector, emit) {
      let seen = maxWarmup;
      if (maxWarmup > 0) {
        seen = (seenBySymbol.get(vector.symbol) ?? 0) + 1;
        if (seen <= maxWarmup) seenBySymbol.set(vector.symbol, seen);
      }
      const predictions = new Array<ModelPrediction>(models.length);
      if (!anyBatched) {
        for (let i = 0; i < models.length; i++) {
          const prediction = (predictors[i] as Predictor)(vector);
          const model = models[i];
          predictions[i] =
            seen < model.warmup && prediction.action !== null
              ? abstain(model, vector, 'warm-up')
              : prediction;
        }
        emit({ vector, predictions });
        return;
      }
      const waiting: PromiseLike<void>[] = [];
      for (let i = 0; i < models.length; i++) {
        const batch = batchPredictors[i];
        if (batch === undefined) {
          predictions[i] = settle(models[i], vector, seen, (predictors[i] as Predictor)(vector));
          continue;
        }
        const answer = batch([vector]);
        const take = (votes: readonly ModelPrediction[]): void => {
          if (votes.length !== 1) {
            throw new Error(`model ${models[i].name} answered ${votes.length} votes for 1 vector`);
          }
          predictions[i] = settle(models[i], vector, seen, votes[0]);
        };
        if (isPromiseLike(answer)) waiting.push(answer.then(take));
        else take(answer);
      }
      if (waiting.length === 0) {
        emit({ vector, predictions });
        return;
      }
      return Promise.all(waiting).then(() => emit({ vector, predictions }));
    },
  };
};

const isPromiseLike = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as PromiseLike<T>).then === 'function';
