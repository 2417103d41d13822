import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, DataError } from '../domain/errors.js';
import type { ModelManifest } from '../models/model-manifest.js';
import { createModelDraftDir, registerModelDir } from '../models/registry-versions.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { loadMarketReplay, noCandlesMessage } from '../pipeline/market-source.js';
import { featureStatsOfRows } from './feature-stats.js';
import { type FoldRecord, formatFoldTable } from './fold-table.js';
import { type Fold, holdOutTail, stepsOf, walkForwardFolds } from './folds.js';
import { classMetrics, meanMetrics } from './metrics.js';
import {
  CLASS_ACTIONS,
  type FittedModel,
  TooLittleHistory,
  type Trainer,
  type TrainingData,
  trainerOf,
} from './trainer.js';
import { type BuiltTrainingData, buildTrainingData } from './training-data.js';

export interface TrainRunOptions {
  readonly config: PipelineConfig;
  /** The config file (relative data paths resolve against its folder); undefined = default config. */
  readonly configPath?: string;
  /** `--data`: a kline file or folder overriding the config's data. */
  readonly dataPath?: string;
  /** Trainer names, in order (`--model all` = every registered one). */
  readonly models: readonly string[];
  /** Registry root. */
  readonly root: string;
  /** Registry name; default `<config name>-<model>`; with several models, `<name>-<model>`. */
  readonly name?: string;
  /** The manifest's `createdTs` (the command's clock; trainers never read one). */
  readonly createdTs: number;
  /** Results (stdout). */
  readonly out: (text: string) => void;
  /** Notes for the operator (stderr): skipped rows. */
  readonly warn?: (text: string) => void;
  /** Overall progress: `done` of `total` fits (fractional), with what is running. */
  readonly onProgress?: (done: number, total: number, note: string) => void;
}

export interface TrainedModel {
  readonly model: string;
  readonly manifest: ModelManifest;
  readonly dir: string;
  readonly folds: readonly FoldRecord[];
}

/** The config's `training.<model>` section ({} when the schema has none for a newer trainer). */
export const paramsOf = (trainer: Trainer, training: PipelineConfig['training']): Record<string, unknown> =>
  ((training as Record<string, unknown>)[trainer.model] as Record<string, unknown> | undefined) ?? {};

/** Each fit of a run, in order: the walk-forward folds, then the final model. */
const fitCount = (folds: readonly Fold[]): number => folds.length + 1;

/** The fold's training samples split into fit and validation, fitted, and scored on its test block. */
const runFold = async (
  trainer: Trainer,
  built: BuiltTrainingData,
  fold: Fold,
  step: Int32Array,
  options: TrainRunOptions,
  progress: (fraction: number, note?: string) => void,
): Promise<FoldRecord> => {
  const { training } = options.config;
  const purge = training.purge ?? training.label.horizon;
  const { fit, valid } = holdOutTail(fold.train, step, training.validFraction, purge);
  const seed = training.seed ?? options.config.seed;
  const fitted = await trainer.fit(built.data, fit, valid, paramsOf(trainer, training), seed, progress);
  const probabilities = await fitted.predict(built.data, fold.test);
  const labels = fold.test.map((n) => built.data.samples[n].label);
  return {
    fold: fold.fold,
    testFrom: fold.testFrom,
    testTo: fold.testTo,
    trainSamples: fit.length,
    validSamples: valid.length,
    testSamples: fold.test.length,
    ...classMetrics(probabilities, labels),
  };
};

/** The feature rows of `samples` (for the PSI reference of the rows the final model fitted on). */
const rowsOf = (
  data: TrainingData,
  samples: readonly number[],
  features: readonly string[],
): Float64Array => {
  const width = data.features.length;
  const columns = features.map((name) => data.features.indexOf(name));
  const rows = new Float64Array(samples.length * features.length).fill(Number.NaN);
  samples.forEach((n, r) => {
    columns.forEach((column, f) => {
      if (column >= 0) rows[r * features.length + f] = data.rows[n * width + column];
    });
  });
  return rows;
};

/** What `quantum train` and continuous learning read: labelled data, its time steps and the purge. */
export interface TrainingSet {
  readonly built: BuiltTrainingData;
  /** Where the candles came from (file or folder, or the synthetic market), for messages. */
  readonly source: string;
  /** Each sample's time step (from `stepsOf`). */
  readonly step: Int32Array;
  readonly purge: number;
}

/**
 * The config's (or `--data`'s) candles as labelled training data. Skipped rows go to `warn`.
 * @throws DataError when there are no candles
 */
export const loadTrainingSet = (
  options: Pick<TrainRunOptions, 'config' | 'configPath' | 'dataPath' | 'warn'>,
): TrainingSet => {
  const { config } = options;
  const { training } = config;
  // `training.from`/`to` narrow the candles the models learn from (and are scored on).
  const span = { ...config.data, from: training.from ?? config.data.from, to: training.to ?? config.data.to };
  const market = loadMarketReplay(
    { ...config, data: span },
    {
      dataPath: options.dataPath,
      baseDir: options.configPath === undefined ? '.' : dirname(options.configPath),
    },
  );
  if (market.klines.length === 0) throw new DataError(noCandlesMessage(market, ''), market.source);
  for (const issue of market.issues)
    options.warn?.(`skipped ${issue.file}:${issue.line}: ${issue.message}\n`);
  const built = buildTrainingData(market.klines, config.features, config.training.label, market.source);
  const { step } = stepsOf(built.data.samples.map((sample) => sample.ts));
  return {
    built,
    source: market.source,
    step,
    purge: config.training.purge ?? config.training.label.horizon,
  };
};

/**
 * Saves a fitted model into `draft` and registers it as the next version of `name` (atomic rename)
 * with the full manifest: features and their training distribution (`featureStats`, of the rows it
 * fitted on), label, training range, data hash, metrics, folds and the training parameters.
 */
export const registerFitted = async (
  trainer: Trainer,
  fitted: FittedModel,
  set: TrainingSet,
  fields: {
    readonly name: string;
    readonly draft: string;
    readonly fit: readonly number[];
    readonly valid: readonly number[];
    readonly metrics: Record<string, number>;
    readonly folds?: readonly FoldRecord[];
    readonly extraTraining?: Record<string, unknown>;
    readonly options: Pick<TrainRunOptions, 'config' | 'configPath' | 'createdTs'>;
  },
): Promise<ModelManifest> => {
  const { built, purge } = set;
  const { config } = fields.options;
  const { training } = config;
  const saved = await fitted.save(fields.draft);
  const features = saved.features ?? [...built.data.features];
  const columns = features.filter((name) => built.data.features.includes(name));
  return registerModelDir(fields.draft, {
    name: fields.name,
    kind: saved.kind,
    file: saved.file,
    features,
    objective: saved.objective,
    numClass: saved.numClass,
    classes: saved.classes,
    warmup: Math.max(saved.warmup, built.warmup),
    window: saved.window,
    label: { ...built.data.label },
    trainingRange: { from: built.range.from, to: built.range.to },
    trainingDataSha256: built.candlesSha256,
    // The PSI reference, of the features it reads from the rows (a forecaster reads closes: none).
    ...(columns.length === 0
      ? {}
      : {
          featureStats: featureStatsOfRows(
            rowsOf(built.data, fields.fit, columns),
            fields.fit.length,
            columns,
          ),
        }),
    ...(fields.folds === undefined ? {} : { folds: [...fields.folds] }),
    training: {
      model: trainer.model,
      ...saved.training,
      seed: training.seed ?? config.seed,
      folds: training.folds,
      purge,
      embargo: training.embargo,
      validFraction: training.validFraction,
      samples: built.data.samples.length,
      fitSamples: fields.fit.length,
      validSamples: fields.valid.length,
      ...fields.extraTraining,
    },
    metrics: fields.metrics,
    importedFrom:
      fields.options.configPath === undefined ? '(default config)' : resolve(fields.options.configPath),
    createdTs: fields.options.createdTs,
  });
};

/** Trains the final model on all samples (minus the trailing validation slice) and registers it. */
const registerFinal = async (
  trainer: Trainer,
  set: TrainingSet,
  name: string,
  folds: readonly FoldRecord[],
  options: TrainRunOptions,
  progress: (fraction: number, note?: string) => void,
): Promise<{ manifest: ModelManifest; dir: string }> => {
  const { config } = options;
  const { training } = config;
  const all = set.built.data.samples.map((_, n) => n);
  const { fit, valid } = holdOutTail(all, set.step, training.validFraction, set.purge);
  const seed = training.seed ?? config.seed;
  const fitted = await trainer.fit(set.built.data, fit, valid, paramsOf(trainer, training), seed, progress);
  const draft = createModelDraftDir(options.root, name);
  try {
    const metricKeys = Object.keys(classMetrics([], []));
    const manifest = await registerFitted(trainer, fitted, set, {
      name,
      draft,
      fit,
      valid,
      folds,
      metrics: meanMetrics(folds.map((fold) => Object.fromEntries(metricKeys.map((k) => [k, fold[k]])))),
      options,
    });
    return { manifest, dir: join(options.root, name, String(manifest.version)) };
  } finally {
    if (existsSync(draft)) rmSync(draft, { recursive: true, force: true });
  }
};

const classCounts = (data: TrainingData): string => {
  const counts = [0, 0, 0];
  for (const sample of data.samples) counts[sample.label]++;
  return CLASS_ACTIONS.map((action, k) => `${action} ${counts[k]}`).join(' / ');
};

/**
 * `quantum train`: builds labelled training data from the config's market and features, then per
 * model: fits and scores each walk-forward fold (folds.ts), prints the fold table, fits the final
 * model on all samples except a trailing validation slice (early stopping; purge steps in
 * between) and registers it as the next version of its name with a full manifest.
 * @throws UsageError for an unknown model; ConfigError when the data is too short for the folds;
 *   DataError when there are no candles
 */
export const runTraining = async (options: TrainRunOptions): Promise<TrainedModel[]> => {
  const trainers = options.models.map((model) => trainerOf(model));
  const { config } = options;
  const { training } = config;
  const set = loadTrainingSet(options);
  const { built, step, purge } = set;
  const timestamps = built.data.samples.map((sample) => sample.ts);
  const folds = walkForwardFolds(timestamps, { folds: training.folds, purge, embargo: training.embargo });
  const { data } = built;
  options.out(
    `${data.samples.length} samples × ${data.features.length} features from ${set.source} ` +
      `(${data.series.length} symbols); label: ${training.label.horizon}-candle return beyond ` +
      `±${training.label.thresholdPct}% → ${classCounts(data)}\n`,
  );
  const totalFits = fitCount(folds) * trainers.length;
  let fitsDone = 0;
  const progressOf =
    (note: string) =>
    (fraction: number, detail?: string): void =>
      options.onProgress?.(
        fitsDone + Math.min(1, Math.max(0, fraction)),
        totalFits,
        detail ? `${note} ${detail}` : note,
      );
  const results: TrainedModel[] = [];
  for (const trainer of trainers) {
    const name =
      options.name === undefined
        ? `${config.name}-${trainer.model}`
        : trainers.length > 1
          ? `${options.name}-${trainer.model}`
          : options.name;
    const records: FoldRecord[] = [];
    for (const fold of folds) {
      const note = `${trainer.model} fold ${fold.fold}/${folds.length}`;
      try {
        records.push(await runFold(trainer, built, fold, step, options, progressOf(note)));
      } catch (error) {
        // A forecaster needs a window of history: an early fold may have too little to fit on.
        if (!(error instanceof TooLittleHistory)) throw error;
        options.warn?.(`${trainer.model}: fold ${fold.fold} skipped: ${error.message}\n`);
      }
      fitsDone++;
    }
    if (records.length === 0) {
      throw new ConfigError(
        `${trainer.model}: every walk-forward fold was skipped for too little history; use fewer training.folds or more data`,
        'training.folds',
      );
    }
    const { manifest, dir } = await registerFinal(
      trainer,
      set,
      name,
      records,
      options,
      progressOf(`${trainer.model} final`),
    );
    fitsDone++;
    options.out(
      `\n${trainer.model}: walk-forward out-of-sample (${folds.length} folds, purge ${purge}, embargo ${training.embargo})\n` +
        `${formatFoldTable(records, { ...meanMetrics(records) })}\n` +
        `registered ${manifest.name}@${manifest.version} → ${dir}\n`,
    );
    results.push({ model: trainer.model, manifest, dir, folds: records });
  }
  return results;
};
