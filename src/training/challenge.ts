import { appendFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../domain/errors.js';
import type { ModelManifest } from '../models/model-manifest.js';
import { modelDirOf, readManifest } from '../models/registry.js';
import { createModelDraftDir } from '../models/registry-versions.js';
import { holdOutTail } from './folds.js';
import { classMetrics } from './metrics.js';
import {
  loadTrainingSet,
  paramsOf,
  registerFitted,
  type TrainingSet,
  type TrainRunOptions,
} from './train-run.js';
import { trainerOf } from './trainer.js';

export interface ChallengeOptions
  extends Pick<
    TrainRunOptions,
    'config' | 'configPath' | 'dataPath' | 'root' | 'createdTs' | 'out' | 'warn' | 'onProgress'
  > {
  /** The trainer (`gbdt`, `lightgbm`, `nhits`, `patchtst`). */
  readonly model: string;
  /** The registry name whose newest version is the champion. */
  readonly name: string;
  /** Share of the latest time steps both models are scored on (never trained on). */
  readonly holdoutFraction: number;
  /** The challenger's holdout log loss must be below the champion's × (1 − this). */
  readonly minImprovement: number;
  /** Why this challenge runs (schedule, a supervisor finding, by hand): recorded with the decision. */
  readonly reason: string;
}

/** One challenge's decision, also appended to `<root>/<name>/challenges.jsonl`. */
export interface ChallengeResult {
  readonly name: string;
  readonly model: string;
  readonly reason: string;
  readonly promoted: boolean;
  /** Why it was or was not promoted. */
  readonly decision: string;
  readonly holdout: { readonly from: number; readonly to: number; readonly samples: number };
  readonly challenger: Record<string, number>;
  /** The champion's version and holdout metrics (absent when there was none). */
  readonly champion?: { readonly version: number; readonly metrics: Record<string, number> };
  /** The manifest of the promoted version. */
  readonly manifest?: ModelManifest;
  /** When it was decided (the command's clock). */
  readonly ts: number;
}

/** The champion's newest version directory and manifest, or undefined when the name has none. */
const championOf = (name: string, root: string): { dir: string; manifest: ModelManifest } | undefined => {
  if (!existsSync(join(root, name))) return undefined;
  let dir: string;
  try {
    dir = modelDirOf(name, root);
  } catch {
    return undefined;
  }
  return { dir, manifest: readManifest(join(dir, 'manifest.json')) };
};

/**
 * Continuous learning, one round: train a challenger on all data but the latest `holdoutFraction`
 * of time (with the purge gap before it), score it and the champion (the name's newest version,
 * loaded from disk by its own trainer) on that same holdout, and promote the challenger only if
 * its log loss is better by `minImprovement`. Promotion is the registry's atomic rename of a
 * complete version directory, so a running pipeline that follows the name (`followLatest`) sees
 * the old champion or the new one, never half of one; a challenger that loses leaves nothing
 * behind but its line in `challenges.jsonl`.
 * @throws ModelError when the champion cannot be scored (its files or features do not fit)
 */
export const runChallenge = async (options: ChallengeOptions): Promise<ChallengeResult> => {
  const trainer = trainerOf(options.model);
  const set: TrainingSet = loadTrainingSet(options);
  const { built, step, purge } = set;
  const { data } = built;
  const all = data.samples.map((_, n) => n);
  const { fit: trainPart, valid: holdout } = holdOutTail(all, step, options.holdoutFraction, purge);
  if (holdout.length === 0) {
    throw new ModelError(
      `${options.name}: too little data for a holdout of ${options.holdoutFraction} (${all.length} samples)`,
      options.name,
    );
  }
  const labels = holdout.map((n) => data.samples[n].label);
  const holdoutTs = holdout.map((n) => data.samples[n].ts);
  const holdoutRange = { from: Math.min(...holdoutTs), to: Math.max(...holdoutTs), samples: holdout.length };
  const progress = (fraction: number, note?: string) =>
    options.onProgress?.(Math.min(1, Math.max(0, fraction)), 1, note ?? `${options.model} challenger`);
  const champion = championOf(options.name, options.root);
  let championMetrics: Record<string, number> | undefined;
  if (champion !== undefined) {
    const championTrainer = trainerOf(String(champion.manifest.training?.model ?? options.model));
    if (championTrainer.load === undefined) {
      throw new ModelError(
        `${champion.dir}: the ${championTrainer.model} trainer cannot load a version to score it`,
        champion.dir,
      );
    }
    // A forecaster reads candle closes, which every data set has.
    const reads = champion.manifest.kind === 'tfjs-forecaster' ? [] : champion.manifest.features;
    if (reads.some((f) => !data.features.includes(f))) {
      throw new ModelError(
        `${champion.dir}: the champion reads ${champion.manifest.features.join(',')}, the config computes ${data.features.join(',')}`,
        champion.dir,
      );
    }
    const loaded = await championTrainer.load(champion.dir);
    championMetrics = classMetrics(await loaded.predict(data, holdout), labels);
  }
  const { fit, valid } = holdOutTail(trainPart, step, options.config.training.validFraction, purge);
  const seed = options.config.training.seed ?? options.config.seed;
  const fitted = await trainer.fit(
    data,
    fit,
    valid,
    paramsOf(trainer, options.config.training),
    seed,
    progress,
  );
  const challengerMetrics = classMetrics(await fitted.predict(data, holdout), labels);
  const better =
    championMetrics === undefined ||
    challengerMetrics.logLoss < championMetrics.logLoss * (1 - options.minImprovement);
  const decision =
    championMetrics === undefined
      ? 'no champion yet'
      : `holdout log loss ${challengerMetrics.logLoss.toFixed(4)} vs champion ${championMetrics.logLoss.toFixed(4)}` +
        (better ? ' (better)' : ` (not better by ${(options.minImprovement * 100).toFixed(1)}%)`);
  let manifest: ModelManifest | undefined;
  if (better) {
    const draft = createModelDraftDir(options.root, options.name);
    try {
      manifest = await registerFitted(trainer, fitted, set, {
        name: options.name,
        draft,
        fit,
        valid,
        metrics: challengerMetrics,
        extraTraining: {
          challenge: {
            reason: options.reason,
            holdout: holdoutRange,
            ...(champion === undefined
              ? {}
              : { champion: champion.manifest.version, championLogLoss: championMetrics?.logLoss }),
          },
        },
        options,
      });
    } finally {
      if (existsSync(draft)) rmSync(draft, { recursive: true, force: true });
    }
  }
  const result: ChallengeResult = {
    name: options.name,
    model: options.model,
    reason: options.reason,
    promoted: better,
    decision,
    holdout: holdoutRange,
    challenger: challengerMetrics,
    ...(champion === undefined || championMetrics === undefined
      ? {}
      : { champion: { version: champion.manifest.version, metrics: championMetrics } }),
    ...(manifest === undefined ? {} : { manifest }),
    ts: options.createdTs,
  };
  mkdirSync(join(options.root, options.name), { recursive: true });
  const { manifest: _omit, ...record } = result;
  appendFileSync(
    join(options.root, options.name, 'challenges.jsonl'),
    `${JSON.stringify({ ...record, version: manifest?.version })}\n`,
  );
  return result;
};
