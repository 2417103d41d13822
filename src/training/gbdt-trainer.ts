import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../domain/errors.js';
import {
  type TrainingData as GbdtData,
  type GbdtModel,
  type GbdtParams,
  predictMargins,
  toXgboostJson,
  trainGbdt,
} from '../models/gbdt/index.js';
import { loadModel } from '../models/registry.js';
import {
  CLASS_ACTIONS,
  type FittedModel,
  registerTrainer,
  type Trainer,
  type TrainingData,
} from './trainer.js';
import { gbdtTrainingParams } from './training-params.js';

const MODEL_FILE = 'model.json';

/** The samples' feature rows and labels as the GBDT trainer's float32 data (NaN = missing). */
export const gbdtDataOf = (data: TrainingData, sampleIndexes: readonly number[]): GbdtData => {
  const width = data.features.length;
  const values = new Float32Array(sampleIndexes.length * width);
  const labels = new Float32Array(sampleIndexes.length);
  sampleIndexes.forEach((n, r) => {
    values.set(data.rows.subarray(n * width, (n + 1) * width), r * width);
    labels[r] = data.samples[n].label;
  });
  return { rowCount: sampleIndexes.length, featureCount: width, values, labels, featureNames: data.features };
};

/** softmax of each row's margins, as XGBoost's multi:softprob predicts (n × 3). */
const softprob = (margins: Float32Array, classes: number): Float64Array => {
  const out = new Float64Array(margins.length);
  for (let r = 0; r < margins.length / classes; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < classes; k++) max = Math.max(max, margins[r * classes + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      out[r * classes + k] = Math.exp(margins[r * classes + k] - max);
      sum += out[r * classes + k];
    }
    for (let k = 0; k < classes; k++) out[r * classes + k] /= sum;
  }
  return out;
};

const fittedOf = (model: GbdtModel, training: Record<string, unknown>): FittedModel => ({
  predict: async (data, sampleIndexes) =>
    softprob(predictMargins(model, gbdtDataOf(data, sampleIndexes)), CLASS_ACTIONS.length),
  save: async (dir) => {
    writeFileSync(join(dir, MODEL_FILE), toXgboostJson(model));
    return {
      kind: 'xgboost-json',
      file: MODEL_FILE,
      objective: 'multi:softprob',
      numClass: CLASS_ACTIONS.length,
      classes: [...CLASS_ACTIONS],
      // A tree model needs no candles of its own: the features' warm-up is the command's to add.
      warmup: 0,
      training,
    };
  },
});

/**
 * A registered XGBoost JSON or LightGBM text version as a fitted model (continuous learning scores
 * the champion with it): its manifest's features are picked from the data by name, its classes
 * mapped onto SELL/HOLD/BUY.
 */
export const loadForest = (dir: string): FittedModel => {
  const loaded = loadModel(dir);
  const { features, classes = [...CLASS_ACTIONS] } = loaded.manifest;
  return {
    predict: async (data, sampleIndexes) => {
      const columns = features.map((name) => data.features.indexOf(name));
      const missing = features.filter((_, f) => columns[f] < 0);
      if (missing.length > 0) throw new ModelError(`${dir}: the data has no ${missing.join(', ')}`, dir);
      const width = data.features.length;
      const row = new Float64Array(features.length);
      const out = new Float64Array(sampleIndexes.length * CLASS_ACTIONS.length);
      sampleIndexes.forEach((n, r) => {
        for (let f = 0; f < features.length; f++) row[f] = data.rows[n * width + columns[f]];
        const p = loaded.predictor.predict(row);
        classes.forEach((action, k) => {
          out[r * CLASS_ACTIONS.length + CLASS_ACTIONS.indexOf(action)] = p[k];
        });
      });
      return out;
    },
    save: async () => {
      throw new ModelError(`${dir}: a loaded model is registered already`, dir);
    },
  };
};

/**
 * `gbdt`: histogram gradient boosting (src/models/gbdt) on the feature rows, multi:softprob over
 * SELL/HOLD/BUY; NaN features (warm-up) are XGBoost missing values. With a validation slice it
 * stops early on its multiclass log loss and keeps the best round. Saves XGBoost JSON, which the
 * `xgboost` model type (and real XGBoost) loads.
 */
export const gbdtTrainer: Trainer = {
  model: 'gbdt',
  load: async (dir) => loadForest(dir),
  fit: async (data, train, valid, params, seed, progress) => {
    const parsed = gbdtTrainingParams.parse(params);
    const gbdtParams: GbdtParams = {
      objective: 'multi:softprob',
      numClass: CLASS_ACTIONS.length,
      rounds: parsed.rounds,
      eta: parsed.eta,
      maxDepth: parsed.maxDepth,
      maxLeaves: parsed.maxLeaves,
      growPolicy: parsed.growPolicy,
      lambda: parsed.lambda,
      alpha: parsed.alpha,
      minChildWeight: parsed.minChildWeight,
      gamma: parsed.gamma,
      subsample: parsed.subsample,
      colsampleBytree: parsed.colsampleBytree,
      seed,
      ...(valid.length > 0 ? { earlyStoppingRounds: parsed.earlyStoppingRounds } : {}),
    };
    const validData = valid.length > 0 ? gbdtDataOf(data, valid) : undefined;
    const model = trainGbdt(gbdtDataOf(data, train), gbdtParams, validData, (round) =>
      progress((round + 1) / parsed.rounds, `round ${round + 1}/${parsed.rounds}`),
    );
    progress(1);
    return fittedOf(model, {
      ...gbdtParams,
      roundsKept: model.roundsKept,
      trainSamples: train.length,
      validSamples: valid.length,
      ...(model.validHistory.length > 0 ? { validLogLoss: model.validHistory[model.roundsKept - 1] } : {}),
    });
  },
};

registerTrainer(gbdtTrainer);
