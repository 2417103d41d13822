// Question 2 of bench/pipeline.ts: the feature + signal chain (featureVectors → predict →
// ensembleVote → signalToIntent) over one symbol's klines, as rxjs operators and as one hand-written
// loop. Each returns the number of intents, so neither can be optimised away and both can be compared.
import { from } from 'rxjs';
import type { Kline } from '../../../src/domain/index.js';
import { createFeatureVectorizer } from '../../../src/features/feature-vectors.js';
import { createFeatureEngine } from '../../../src/features/indicators/feature-engine.js';
import type { Model } from '../../../src/models/model.js';
import { ensembleVote } from '../../../src/operators/ensemble-vote.js';
import { featureVectors } from '../../../src/operators/feature-vector.js';
import { predict } from '../../../src/operators/predict.js';
import { signalToIntent } from '../../../src/operators/signal-to-intent.js';
import type { PipelineConfig } from '../../../src/pipeline/config.js';

/** The chain as rxjs operators: the intents it emits. */
export const chainViaOperators = (
  config: PipelineConfig,
  models: readonly Model[],
  ensembleParams: Parameters<typeof ensembleVote>[0],
  chainKlines: readonly Kline[],
): number => {
  let intents = 0;
  from(chainKlines)
    .pipe(
      featureVectors({ features: config.features }),
      predict(models),
      ensembleVote(ensembleParams),
      signalToIntent(config.strategy),
    )
    .subscribe(() => {
      intents++;
    });
  return intents;
};

/** The same computation in one hand-written loop calling the predictors directly: the intents it makes. */
export const chainViaLoop = (
  config: PipelineConfig,
  models: readonly Model[],
  weights: Record<string, number>,
  chainKlines: readonly Kline[],
): number => {
  const engine = createFeatureEngine(config.features);
  // The one place vectors are made (per-symbol state, order check): the same object the operator builds.
  const vectorizer = createFeatureVectorizer(engine);
  const predictors = models.map((model) => model.create());
  const warmups = models.map((model) => model.warmup);
  const modelWeights = models.map((model) => weights[model.name] ?? 1);
  const atrIndex = engine.names.indexOf(config.ensemble.atrFeature);
  let intents = 0;
  let checksumAtr = 0;
  for (let i = 0; i < chainKlines.length; i++) {
    const vector = vectorizer.vectorOf(chainKlines[i]);
    if (vector === undefined) continue;
    const values = vector.values;
    let buy = 0;
    let sell = 0;
    let hold = 0;
    let total = 0;
    const actions: (string | null)[] = [];
    const confidences: number[] = [];
    for (let m = 0; m < predictors.length; m++) {
      const prediction = predictors[m](vector);
      const action = i + 1 < warmups[m] ? null : prediction.action;
      actions.push(action);
      confidences.push(prediction.confidence);
      if (action !== null) total += modelWeights[m];
    }
    for (let m = 0; m < predictors.length; m++) {
      const action = actions[m];
      if (action === null || total === 0) continue;
      const score = (modelWeights[m] / total) * confidences[m];
      if (action === 'BUY') buy += score;
      else if (action === 'SELL') sell += score;
      else hold += score;
    }
    const best = Math.max(buy, sell, hold);
    const unique = (buy === best ? 1 : 0) + (sell === best ? 1 : 0) + (hold === best ? 1 : 0) === 1;
    const action =
      total > 0 && unique && best >= config.ensemble.minConfidence
        ? buy === best
          ? 'BUY'
          : sell === best
            ? 'SELL'
            : 'HOLD'
        : 'HOLD';
    // The signal carries the ATR; the intent copies it.
    const atr = atrIndex < 0 ? Number.NaN : values[atrIndex];
    if (
      action !== 'HOLD' &&
      best >= config.strategy.minConfidence &&
      (action === 'BUY' || config.strategy.allowShort)
    ) {
      intents++;
      checksumAtr += Number.isFinite(atr) ? atr : 0;
    }
  }
  return checksumAtr > -1 ? intents : -1;
};
