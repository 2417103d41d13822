import { DataError, UsageError } from '../../domain/errors.js';
import { createPrng, type Prng } from '../../domain/prng.js';
import { baseMarginOf } from '../xgboost-predictor.js';
import { binData } from './binning.js';
import { rowPlace, type TrainingData } from './dataset.js';
import { computeGradients, evalMetricOf, evaluate, type GbdtObjective } from './objectives.js';
import { type GrownTree, growTree, leafOfBinnedRow, leafOfRow, type TreeParams } from './tree-builder.js';

/** Training parameters, with XGBoost's names and defaults (1.7) in the comments. */
export interface GbdtParams {
  readonly objective: GbdtObjective;
  /** `num_class`, multi:softprob only (≥ 2). */
  readonly numClass?: number;
  /** `num_round`. */
  readonly rounds: number;
  /** `eta`, default 0.3. */
  readonly eta?: number;
  /** `max_depth`, default 6; 0 = unlimited (lossguide only). */
  readonly maxDepth?: number;
  /** `max_leaves`, default 0 = unlimited. */
  readonly maxLeaves?: number;
  /** `grow_policy`: depthwise (XGBoost) or lossguide (leaf-wise, LightGBM). */
  readonly growPolicy?: 'depthwise' | 'lossguide';
  /** `lambda`, default 1. */
  readonly lambda?: number;
  /** `alpha`, default 0. */
  readonly alpha?: number;
  /** `min_child_weight`, default 1. */
  readonly minChildWeight?: number;
  /** `gamma`, default 0. */
  readonly gamma?: number;
  /** `subsample` (rows per tree), default 1. */
  readonly subsample?: number;
  /** `colsample_bytree`, default 1. */
  readonly colsampleBytree?: number;
  /** `base_score`, default 0.5 (XGBoost 1.7 writes and uses it as given). */
  readonly baseScore?: number;
  /** Seed of the row and column sampling. */
  readonly seed?: number;
  /** Stop when the validation metric has not improved for this many rounds; keep the best. */
  readonly earlyStoppingRounds?: number;
}

/** Per-feature importance, XGBoost's `total_gain`, `total_cover` and `weight` (split count). */
export interface FeatureImportance {
  readonly feature: number;
  readonly name: string;
  readonly gain: number;
  readonly cover: number;
  readonly splits: number;
}

/** A trained forest plus what the run measured. */
export interface GbdtModel {
  readonly objective: GbdtObjective;
  readonly numClass: number;
  readonly groupCount: number;
  readonly numFeature: number;
  readonly baseScore: number;
  readonly featureNames: readonly string[];
  readonly trees: readonly GrownTree[];
  readonly treeGroups: readonly number[];
  readonly metric: 'logloss' | 'mlogloss' | 'rmse';
  /** Validation metric after each round (empty without validation data). */
  readonly validHistory: readonly number[];
  /** Rounds kept (the best round + 1 after early stopping). */
  readonly roundsKept: number;
}

/** Called after every round (for progress lines). */
export type RoundListener = (round: number, validMetric: number | undefined) => void;

const check = (ok: boolean, what: string): void => {
  if (!ok) throw new UsageError(what);
};

const resolveParams = (params: GbdtParams, data: TrainingData) => {
  const multi = params.objective === 'multi:softprob';
  const numClass = params.numClass ?? 0;
  check(!multi || (Number.isInteger(numClass) && numClass >= 2), 'multi:softprob needs --num-class K ≥ 2');
  check(
    Number.isInteger(params.rounds) && params.rounds >= 1,
    `rounds ${params.rounds}: expected an integer ≥ 1`,
  );
  const tree: TreeParams = {
    eta: params.eta ?? 0.3,
    maxDepth: params.maxDepth ?? 6,
    maxLeaves: params.maxLeaves ?? 0,
    growPolicy: params.growPolicy ?? 'depthwise',
    lambda: params.lambda ?? 1,
    alpha: params.alpha ?? 0,
    minChildWeight: params.minChildWeight ?? 1,
    gamma: params.gamma ?? 0,
  };
  check(tree.eta > 0, `eta ${tree.eta}: expected > 0`);
  check(
    tree.maxDepth > 0 || tree.growPolicy === 'lossguide',
    'max depth 0 (unlimited) needs the lossguide grow policy',
  );
  check(
    tree.lambda >= 0 && tree.alpha >= 0 && tree.gamma >= 0 && tree.minChildWeight >= 0,
    'lambda, alpha, gamma and min child weight must be ≥ 0',
  );
  const subsample = params.subsample ?? 1;
  const colsample = params.colsampleBytree ?? 1;
  check(subsample > 0 && subsample <= 1, `subsample ${subsample}: expected in (0, 1]`);
  check(colsample > 0 && colsample <= 1, `colsample ${colsample}: expected in (0, 1]`);
  const baseScore = Math.fround(params.baseScore ?? 0.5);
  if (params.objective === 'binary:logistic')
    check(baseScore > 0 && baseScore < 1, 'binary:logistic needs base_score in (0, 1)');
  for (let r = 0; r < data.rowCount; r++) {
    const y = data.labels[r];
    const ok = multi
      ? Number.isInteger(y) && y >= 0 && y < numClass
      : params.objective === 'binary:logistic'
        ? y >= 0 && y <= 1
        : Number.isFinite(y);
    if (!ok) {
      throw new DataError(
        `${rowPlace(data, r)}: label ${y} does not fit ${params.objective}` +
          (multi ? ` with --num-class ${numClass} (labels must be 0…${numClass - 1})` : ''),
        rowPlace(data, r),
      );
    }
  }
  return {
    tree,
    subsample,
    colsample,
    baseScore,
    numClass: multi ? numClass : 0,
    groupCount: multi ? numClass : 1,
  };
};

/** Rows of this round's tree: each kept with probability `subsample` (Bernoulli, like XGBoost). */
const sampleRows = (rowCount: number, subsample: number, prng: Prng): Uint32Array => {
  if (subsample >= 1) return Uint32Array.from({ length: rowCount }, (_, r) => r);
  const rows = new Uint32Array(rowCount);
  let kept = 0;
  for (let r = 0; r < rowCount; r++) if (prng.next() < subsample) rows[kept++] = r;
  return rows.slice(0, kept);
};

/** round(colsample · n) features (at least 1) chosen by a seeded shuffle, ascending. */
const sampleFeatures = (featureCount: number, colsample: number, prng: Prng): Int32Array => {
  const all = Int32Array.from({ length: featureCount }, (_, f) => f);
  if (colsample >= 1) return all;
  for (let i = featureCount - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, Math.max(1, Math.round(colsample * featureCount))).sort();
};

/**
 * Trains a gradient-boosted forest (XGBoost `hist`, see tree-builder.ts) on float32 data.
 * Deterministic: the same data, params and seed give the same trees, bit for bit. Margins are kept
 * in float32 and each tree's leaf values added one tree at a time, like XGBoost's predictor, so
 * the model's own predictions equal what XGBoost predicts from the saved JSON.
 * @param valid validation data (same feature count) for the metric and early stopping
 * @param onRound called after each round with the validation metric
 */
export const trainGbdt = (
  data: TrainingData,
  params: GbdtParams,
  valid?: TrainingData,
  onRound?: RoundListener,
): GbdtModel => {
  const resolved = resolveParams(params, data);
  const { tree: treeParams, groupCount } = resolved;
  if (valid !== undefined) {
    check(
      valid.featureCount === data.featureCount,
      `validation data has ${valid.featureCount} features, training data ${data.featureCount}`,
    );
    resolveParams(params, valid);
  }
  const binned = binData(data);
  const rowCount = data.rowCount;
  const baseMargin = baseMarginOf(params.objective, resolved.baseScore);
  const margins = new Float32Array(rowCount * groupCount).fill(baseMargin);
  const validMargins = new Float32Array((valid?.rowCount ?? 0) * groupCount).fill(baseMargin);
  const grad = new Float64Array(rowCount * groupCount);
  const hess = new Float64Array(rowCount * groupCount);
  const prng = createPrng(params.seed ?? 0);
  const trees: GrownTree[] = [];
  const treeGroups: number[] = [];
  const validHistory: number[] = [];
  let bestRound = 0;
  const metric = evalMetricOf(params.objective);
  for (let round = 0; round < params.rounds; round++) {
    computeGradients(params.objective, margins, data.labels, groupCount, grad, hess);
    for (let group = 0; group < groupCount; group++) {
      const rows = sampleRows(rowCount, resolved.subsample, prng);
      const features = sampleFeatures(data.featureCount, resolved.colsample, prng);
      const g = grad.subarray(group * rowCount, (group + 1) * rowCount);
      const h = hess.subarray(group * rowCount, (group + 1) * rowCount);
      const tree = growTree(binned, g, h, rows, features, treeParams);
      trees.push(tree);
      treeGroups.push(group);
      for (let r = 0; r < rowCount; r++) {
        const at = r * groupCount + group;
        margins[at] = Math.fround(margins[at] + tree.leafValue[leafOfBinnedRow(tree, binned, r)]);
      }
      if (valid !== undefined) {
        for (let r = 0; r < valid.rowCount; r++) {
          const at = r * groupCount + group;
          const leaf = leafOfRow(tree, valid.values, r * valid.featureCount);
          validMargins[at] = Math.fround(validMargins[at] + tree.leafValue[leaf]);
        }
      }
    }
    const validMetric =
      valid === undefined ? undefined : evaluate(params.objective, validMargins, valid.labels, groupCount);
    if (validMetric !== undefined) {
      validHistory.push(validMetric);
      if (validMetric < validHistory[bestRound]) bestRound = round;
    } else bestRound = round;
    onRound?.(round, validMetric);
    const patience = params.earlyStoppingRounds;
    if (valid !== undefined && patience !== undefined && round - bestRound >= patience) break;
  }
  const roundsKept =
    params.earlyStoppingRounds !== undefined && valid !== undefined
      ? bestRound + 1
      : validHistory.length || params.rounds;
  return {
    objective: params.objective,
    numClass: resolved.numClass,
    groupCount,
    numFeature: data.featureCount,
    baseScore: resolved.baseScore,
    featureNames: data.featureNames,
    trees: trees.slice(0, roundsKept * groupCount),
    treeGroups: treeGroups.slice(0, roundsKept * groupCount),
    metric,
    validHistory,
    roundsKept,
  };
};

/** Margins of the model for every row, [row][group] (float32 sums, tree by tree). */
export const predictMargins = (model: GbdtModel, data: TrainingData): Float32Array => {
  const { groupCount } = model;
  const margins = new Float32Array(data.rowCount * groupCount).fill(
    baseMarginOf(model.objective, model.baseScore),
  );
  model.trees.forEach((tree, t) => {
    const group = model.treeGroups[t];
    for (let r = 0; r < data.rowCount; r++) {
      const at = r * groupCount + group;
      margins[at] = Math.fround(
        margins[at] + tree.leafValue[leafOfRow(tree, data.values, r * data.featureCount)],
      );
    }
  });
  return margins;
};

/** The model's metric (logloss / mlogloss / rmse) on a data set. */
export const evaluateModel = (model: GbdtModel, data: TrainingData): number =>
  evaluate(model.objective, predictMargins(model, data), data.labels, model.groupCount);

/** Importance of every feature used by a split, by total gain, descending. */
export const featureImportance = (model: GbdtModel): FeatureImportance[] => {
  const gain = new Float64Array(model.numFeature);
  const cover = new Float64Array(model.numFeature);
  const splits = new Int32Array(model.numFeature);
  for (const tree of model.trees) {
    for (let node = 0; node < tree.left.length; node++) {
      if (tree.left[node] === -1) continue;
      const f = tree.feature[node];
      gain[f] += tree.lossChange[node];
      cover[f] += tree.hessSum[node];
      splits[f]++;
    }
  }
  return Array.from({ length: model.numFeature }, (_, f) => ({
    feature: f,
    name: model.featureNames[f] ?? `f${f}`,
    gain: gain[f],
    cover: cover[f],
    splits: splits[f],
  }))
    .filter((entry) => entry.splits > 0)
    .sort((a, b) => b.gain - a.gain || a.feature - b.feature);
};
