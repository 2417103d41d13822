import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, ModelError, UsageError } from '../domain/errors.js';
import { type GbdtParams, toLightgbmText, trainGbdt } from '../models/gbdt/index.js';
import { compileLightgbm } from '../models/lightgbm/lightgbm-predictor.js';
import { parseLightgbmText } from '../models/lightgbm/lightgbm-text.js';
import { gbdtDataOf } from './gbdt-trainer.js';
import { CLASS_ACTIONS, type FittedModel, registerTrainer, type Trainer } from './trainer.js';

const MODEL_FILE = 'model.txt';

/**
 * `training.lightgbm`: the parameters in LightGBM's names (camelCase), mapped onto our GBDT
 * grown leaf-wise. The objective is always multiclass softmax over SELL/HOLD/BUY. Defaults suit a
 * few thousand rows: LightGBM's 31 leaves with a slower learning rate, and a hessian floor per leaf
 * in place of LightGBM's min_data_in_leaf=20 (our trainer has no row count limit; a multiclass row
 * weighs at most 0.5, ≈ 0.44 at the start).
 */
export const lgbmTrainingParams = z
  .object({
    /** `num_iterations`: most boosting rounds (early stopping may keep fewer). */
    numIterations: z.number().int().positive().default(300),
    learningRate: z.number().positive().max(1).default(0.05),
    /** `num_leaves` per tree (leaf-wise growth: always the leaf with the best gain next). */
    numLeaves: z.number().int().min(2).default(31),
    /** `max_depth`; −1 = unlimited (LightGBM's default). */
    maxDepth: z.number().int().min(-1).default(-1),
    /** `min_sum_hessian_in_leaf`. */
    minSumHessianInLeaf: z.number().nonnegative().default(5),
    lambdaL1: z.number().nonnegative().default(0),
    lambdaL2: z.number().nonnegative().default(1),
    /** `min_gain_to_split`. */
    minGainToSplit: z.number().nonnegative().default(0),
    /** `bagging_fraction`: rows per tree (every tree: bagging_freq 1). */
    baggingFraction: z.number().positive().max(1).default(0.8),
    /** `feature_fraction`: features per tree. */
    featureFraction: z.number().positive().max(1).default(0.8),
    /** `early_stopping_round` on the validation multiclass log loss (when there is a validation slice). */
    earlyStoppingRound: z.number().int().positive().default(30),
  })
  .strict();
export type LgbmTrainingParams = z.output<typeof lgbmTrainingParams>;

/** `training.lightgbm` (absent: the defaults); @throws ConfigError naming each bad key. */
const parseParams = (params: Record<string, unknown> | undefined): LgbmTrainingParams => {
  const parsed = lgbmTrainingParams.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const known = Object.keys(lgbmTrainingParams.shape).join(', ');
  const issues = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `training.lightgbm: unknown parameter ${issue.keys.join(', ')} (known: ${known})`
      : `training.lightgbm${issue.path.map((key) => `.${String(key)}`).join('')}: ${issue.message}`,
  );
  throw new ConfigError(`invalid training parameters\n  ${issues.join('\n  ')}`, 'training.lightgbm');
};

/** The parameters as LightGBM names them, for the model file's `parameters:` block. */
const lightgbmNames = (
  p: LgbmTrainingParams,
  seed: number,
  early: boolean,
): Record<string, string | number> => ({
  boosting: 'gbdt',
  objective: 'multiclass',
  num_class: CLASS_ACTIONS.length,
  num_iterations: p.numIterations,
  learning_rate: p.learningRate,
  num_leaves: p.numLeaves,
  max_depth: p.maxDepth,
  min_sum_hessian_in_leaf: p.minSumHessianInLeaf,
  lambda_l1: p.lambdaL1,
  lambda_l2: p.lambdaL2,
  min_gain_to_split: p.minGainToSplit,
  bagging_fraction: p.baggingFraction,
  bagging_freq: p.baggingFraction < 1 ? 1 : 0,
  feature_fraction: p.featureFraction,
  early_stopping_round: early ? p.earlyStoppingRound : 0,
  seed,
});

/**
 * SELL/HOLD/BUY probabilities of a LightGBM text model for samples of `data`, its columns found by
 * the model's feature_names (a feature the data lacks is missing, NaN).
 */
const predictorOf = (text: string, where: string): FittedModel['predict'] => {
  const doc = parseLightgbmText(text, where);
  const predictor = compileLightgbm(doc);
  return async (data, sampleIndexes) => {
    const width = data.features.length;
    const columns = doc.featureNames.map((name) => data.features.indexOf(name));
    const row = new Float64Array(columns.length);
    const classes = CLASS_ACTIONS.length;
    const out = new Float64Array(sampleIndexes.length * classes);
    sampleIndexes.forEach((n, r) => {
      columns.forEach((column, f) => {
        row[f] = column < 0 ? Number.NaN : data.rows[n * width + column];
      });
      predictor.predict(row, out.subarray(r * classes, (r + 1) * classes));
    });
    return out;
  };
};

/**
 * The fitted model is its LightGBM text: predictions come from our LightGBM predictor over that
 * text, so fold metrics score exactly what the registry version will run (`type: lightgbm`).
 */
const fittedOf = (text: string, training: Record<string, unknown>): FittedModel => ({
  predict: predictorOf(text, MODEL_FILE),
  save: async (dir) => {
    writeFileSync(join(dir, MODEL_FILE), text);
    return {
      kind: 'lightgbm-text',
      file: MODEL_FILE,
      objective: `multiclass num_class:${CLASS_ACTIONS.length}`,
      numClass: CLASS_ACTIONS.length,
      classes: [...CLASS_ACTIONS],
      // A tree model needs no candles of its own: the features' warm-up is the command's to add.
      warmup: 0,
      training,
    };
  },
});

/**
 * `lightgbm`: the ensemble's LightGBM member, trained here. Our histogram GBDT (src/models/gbdt)
 * grown leaf-wise like LightGBM (`lossguide`, num_leaves 31), multiclass softprob over
 * SELL/HOLD/BUY on the feature rows, NaN features as missing; with a validation slice it stops
 * early on the multiclass log loss and keeps the best round. Saves `model.txt` in LightGBM's text
 * format (src/models/gbdt/lightgbm-writer.ts), which real LightGBM and `type: lightgbm, model:
 * <name>` load with the same predictions.
 */
export const lgbmTrainer: Trainer = {
  model: 'lightgbm',
  /** A registered version (`<dir>/model.txt`) as a fitted model, for continuous learning's champion. */
  load: async (dir) => {
    const path = join(dir, MODEL_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ModelError(`${path}: cannot read the model file: ${(error as Error).message}`, path);
    }
    return {
      predict: predictorOf(text, path),
      save: async () => {
        throw new UsageError(`${dir}: a loaded LightGBM model is saved already`);
      },
    };
  },
  fit: async (data, train, valid, params, seed, progress) => {
    const parsed = parseParams(params);
    const early = valid.length > 0;
    const gbdtParams: GbdtParams = {
      objective: 'multi:softprob',
      numClass: CLASS_ACTIONS.length,
      rounds: parsed.numIterations,
      eta: parsed.learningRate,
      growPolicy: 'lossguide',
      maxLeaves: parsed.numLeaves,
      maxDepth: parsed.maxDepth === -1 ? 0 : parsed.maxDepth,
      lambda: parsed.lambdaL2,
      alpha: parsed.lambdaL1,
      minChildWeight: parsed.minSumHessianInLeaf,
      gamma: parsed.minGainToSplit,
      subsample: parsed.baggingFraction,
      colsampleBytree: parsed.featureFraction,
      seed,
      ...(early ? { earlyStoppingRounds: parsed.earlyStoppingRound } : {}),
    };
    const trainData = gbdtDataOf(data, train);
    const model = trainGbdt(trainData, gbdtParams, early ? gbdtDataOf(data, valid) : undefined, (round) =>
      progress((round + 1) / parsed.numIterations, `round ${round + 1}/${parsed.numIterations}`),
    );
    progress(1);
    const text = toLightgbmText(model, data.features, {
      data: trainData,
      learningRate: parsed.learningRate,
      parameters: lightgbmNames(parsed, seed, early),
    });
    return fittedOf(text, {
      ...parsed,
      roundsKept: model.roundsKept,
      trainSamples: train.length,
      validSamples: valid.length,
      ...(model.validHistory.length > 0 ? { validLogLoss: model.validHistory[model.roundsKept - 1] } : {}),
    });
  },
};

registerTrainer(lgbmTrainer);
