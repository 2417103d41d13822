import { UsageError } from '../domain/errors.js';

/**
 * The trainer plug-in contract of `quantum train`. The command builds one {@link TrainingData}
 * (features, labels, candles) from a pipeline config, splits its samples into walk-forward
 * folds, and asks a {@link Trainer} to fit a model per fold (out-of-sample metrics) and once
 * more on all data (the registered model). Trainers never see the split logic: they get sample
 * indexes, so a tabular model (GBDT) reads `rows` while a forecaster (N-HiTS, PatchTST) reads
 * the candle windows ending at each sample's `series`/`index`.
 */

/** Class index order of every trainer's probabilities (the multiclass model type's default). */
export const CLASS_ACTIONS = ['SELL', 'HOLD', 'BUY'] as const;
export type ClassAction = (typeof CLASS_ACTIONS)[number];

/** One labelled candle: where it is, when it closed, its class and the forward return behind it. */
export interface TrainingSample {
  /** Index into {@link TrainingData.series}. */
  readonly series: number;
  /** Candle index inside that series (the sample's features use candles ≤ index only). */
  readonly index: number;
  /** The candle's event time (`Kline.ts`, its close, ms UTC): the time axis the folds split on. */
  readonly ts: number;
  /** Index into {@link CLASS_ACTIONS}: 0 SELL, 1 HOLD, 2 BUY. */
  readonly label: 0 | 1 | 2;
  /** close[index + horizon] / close[index] − 1. */
  readonly forwardReturn: number;
}

/** One symbol's candles, in time order. */
export interface TrainingSeries {
  readonly symbol: string;
  readonly ts: Float64Array;
  readonly close: Float64Array;
}

export interface TrainingData {
  readonly features: readonly string[];
  /** samples.length × features.length, row-major; NaN where a feature is still warming up. */
  readonly rows: Float64Array;
  readonly samples: readonly TrainingSample[];
  /** Each symbol's candles in time order; TrainingSample.series/index point into it. */
  readonly series: readonly TrainingSeries[];
  readonly label: { readonly horizon: number; readonly thresholdPct: number };
}

/** The manifest fields a trained model owns (the command adds name, version, hashes, metrics). */
export interface SavedModelFields {
  kind: 'xgboost-json' | 'lightgbm-text' | 'tfjs-forecaster';
  /** Model file name inside the version directory. */
  file: string;
  objective: string;
  numClass: number;
  classes?: ('BUY' | 'SELL' | 'HOLD')[];
  /** Closed candles the model needs before its first vote. */
  warmup: number;
  /** Candles per input window (forecasters). */
  window?: number;
  /** Input names, when the model does not read `TrainingData.features` (default: those). */
  features?: string[];
  /** The parameters it was trained with. */
  training: Record<string, unknown>;
}

export interface FittedModel {
  /** SELL/HOLD/BUY probabilities for the samples at `sampleIndexes` (n × 3, row-major). */
  predict(data: TrainingData, sampleIndexes: readonly number[]): Promise<Float64Array>;
  /** Writes the model's files into `dir` and returns the manifest fields it owns. */
  save(dir: string): Promise<SavedModelFields>;
}

/** Reports how far a fit is (0..1), with an optional short note (e.g. `round 40/200`). */
export type TrainProgress = (doneFraction: number, note?: string) => void;

export interface Trainer {
  readonly model: 'gbdt' | 'lightgbm' | 'nhits' | 'patchtst';
  /**
   * Fits on the samples at `train`; `valid` (possibly empty) is a later slice for early stopping.
   * `params` is the config's `training.<model>` section; randomness only from `seed`.
   */
  fit(
    data: TrainingData,
    train: readonly number[],
    valid: readonly number[],
    params: Record<string, unknown>,
    seed: number,
    progress: TrainProgress,
  ): Promise<FittedModel>;
  /**
   * A registered version (its directory) as a fitted model, so continuous learning scores the
   * champion on the challenger's holdout with the same `predict` (its `save` throws).
   */
  load?(dir: string): Promise<FittedModel>;
}

/**
 * Thrown by `Trainer.fit` when the samples it was given have too little history to fit on (a
 * forecaster's window is longer than an early fold): that fold is skipped, not the run.
 */
export class TooLittleHistory extends Error {}

const trainers = new Map<string, Trainer>();

/** Trainers by model name; each trainer file registers itself (see ./trainers.ts). */
export const registerTrainer = (trainer: Trainer): void => {
  trainers.set(trainer.model, trainer);
};

/** Names of the registered trainers, in registration order. */
export const registeredTrainers = (): string[] => [...trainers.keys()];

/** @throws UsageError naming the registered trainers when `model` is not one of them. */
export const trainerOf = (model: string): Trainer => {
  const trainer = trainers.get(model);
  if (trainer === undefined) {
    const known = registeredTrainers();
    throw new UsageError(
      `unknown model "${model}": expected ${known.length === 0 ? 'a registered trainer (none registered)' : [...known, 'all'].join(', ')}`,
    );
  }
  return trainer;
};
