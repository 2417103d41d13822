import type { BusEvent, Signal } from '../domain/index.js';
import { createFeatureVectorizer } from '../features/feature-vectors.js';
import { createFeatureEngine } from '../features/indicators/feature-engine.js';
import type { Handler } from '../kernel/operate.js';
import type { AnyModel } from '../models/model.js';
import { createEnsembleVote, ensembleVoteParams } from '../operators/ensemble-vote.js';
import { createPredict, type ModelBatch } from '../operators/predict.js';
import { ensembleWeights, type PipelineConfig } from './config.js';

/**
 * The ai-engine stage: closed klines → TA-Lib-exact features → every model's vote → the weighted
 * ensemble's BUY/SELL signal (HOLD emits nothing). One stage, as the ai-engine service is one
 * process; features and predictions stay inside it.
 */
export const aiEngineHandler = (
  config: PipelineConfig,
  models: readonly AnyModel[],
): Handler<BusEvent, Signal> => {
  const features = createFeatureVectorizer(createFeatureEngine(config.features));
  const predict = createPredict(models);
  const ensemble = createEnsembleVote(
    ensembleVoteParams.parse({ ...config.ensemble, weights: ensembleWeights(config), emitHold: false }),
  );
  // The emit of the call in progress (the ensemble runs inside the models' answer).
  let emitSignal: (signal: Signal) => void = () => undefined;
  const onBatch = (batch: ModelBatch): void => void ensemble.next(batch, emitSignal);
  return {
    next(event, emit) {
      if (event.kind !== 'kline') return;
      const vector = features.vectorOf(event);
      if (vector === undefined) return;
      emitSignal = emit;
      // An async model's answer is a promise: the kernel awaits it inside the barrier.
      return predict.next(vector, onBatch);
    },
  };
};
