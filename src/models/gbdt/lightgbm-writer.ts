import { UsageError } from '../../domain/errors.js';
import { baseMarginOf } from '../xgboost-predictor.js';
import type { TrainingData } from './dataset.js';
import type { GbdtModel } from './train.js';
import { type GrownTree, leafOfRow } from './tree-builder.js';

/**
 * Writes our GBDT in LightGBM's text model format (`version=v4`, as LightGBM 4.7.0's
 * `save_model` lays it out), so a model trained here loads in real LightGBM
 * (`lightgbm.Booster(model_file=…)`) and in our `readLightgbmText` with the same predictions.
 *
 * What has to be translated, and how:
 * - Split direction. Our trees send a row left when `float32(x) < t` (XGBoost's rule, t a float32
 *   cut); LightGBM sends it left when `x ≤ T` in double. T is the largest double whose float32
 *   rounding is still below t (see {@link lightgbmThresholdOf}), so both agree on every double,
 *   not only on float32 inputs.
 * - Missing values. decision_type = missing type NaN (8) plus the default-left bit (2) when our
 *   node sends NaN left: NaN follows our default direction, and zero is an ordinary value.
 * - Node numbering. LightGBM numbers internal nodes 0…L−2 and leaves 0…L−1 separately and writes a
 *   leaf child as ~leaf; ours share one id space. Both keep creation order, so a child always
 *   comes after its parent, which LightGBM's (and our parser's) layout needs.
 * - Base score. LightGBM has no base_score: like its own boost_from_average, the base margin is
 *   added to the leaves (and internal values) of the first iteration's trees, one per class.
 * - Sums. LightGBM adds the trees' leaf values in double; our trainer accumulates in float32. The
 *   trees route every row to the same leaf, so the two margins differ only by that rounding
 *   (≈ 1e-7 relative); the written file predicts the double sum of our leaf values exactly.
 */

/** What the writer takes besides the model. */
export interface LightgbmWriteOptions {
  /**
   * The training rows: when given, `leaf_count`/`internal_count` (rows reaching each node) and
   * `feature_infos` (`[min:max]` of each feature's present values) are filled from them; without
   * them counts are 0 and feature_infos `none` (neither changes a prediction).
   */
  readonly data?: TrainingData;
  /** The learning rate (`shrinkage` of each tree, internal values = weight × it); default: read off the leaves. */
  readonly learningRate?: number;
  /** LightGBM-named training parameters for the `parameters:` block (`num_leaves: 31`, …). */
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
}

const f32 = Math.fround;
const view = new DataView(new ArrayBuffer(8));

/** The float32 just below a finite float32 (−∞ below −FLT_MAX). */
const previousFloat32 = (value: number): number => {
  if (value === 0) return -(2 ** -149);
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  view.setUint32(0, value > 0 ? bits - 1 : bits + 1);
  return view.getFloat32(0);
};

/** The double just below a finite double. */
const previousDouble = (value: number): number => {
  if (value === 0) return -Number.MIN_VALUE;
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, value > 0 ? bits - 1n : bits + 1n);
  return view.getFloat64(0);
};

/**
 * The LightGBM threshold T of our split at float32 cut t: for every double x,
 * `x ≤ T` ⟺ `float32(x) < t`. float32(x) < t means float32(x) ≤ p, p the float32 below t, which
 * holds up to the midpoint of p and t (exact in double); the midpoint itself rounds to p or t by
 * ties-to-even, so T is the midpoint or the double just below it.
 */
export const lightgbmThresholdOf = (cut: number): number => {
  const t = f32(cut);
  if (!Number.isFinite(t)) throw new UsageError(`split threshold ${cut} is not a finite float32`);
  const below = previousFloat32(t);
  // Below −FLT_MAX float32 rounding overflows: −2^128 plays the role of the next float32 down.
  const midpoint = ((Number.isFinite(below) ? below : -(2 ** 128)) + t) / 2;
  return f32(midpoint) < t ? midpoint : previousDouble(midpoint);
};

/** LightGBM's decision_type bits: 2 = default left, 8 = missing type NaN (missing type in bits 2–3). */
const DEFAULT_LEFT = 2;
const MISSING_NAN = 8;

/** A LightGBM feature name may not hold whitespace or JSON's special characters. */
const VALID_NAME = /^[^\s"',:[\]{}]+$/;

const text = (value: number): string => String(value);
const list = (values: readonly number[]): string => values.map(text).join(' ');

const objectiveLine = (model: GbdtModel): string =>
  model.objective === 'multi:softprob'
    ? `multiclass num_class:${model.numClass}`
    : model.objective === 'binary:logistic'
      ? 'binary sigmoid:1'
      : 'regression';

/** Rows of `data` reaching each node of `tree`: every node on the path from a row's leaf to the root. */
const nodeCounts = (tree: GrownTree, data: TrainingData | undefined): number[] => {
  const counts = new Array<number>(tree.left.length).fill(0);
  if (data === undefined) return counts;
  for (let r = 0; r < data.rowCount; r++) {
    let node = leafOfRow(tree, data.values, r * data.featureCount);
    while (node !== -1) {
      counts[node]++;
      node = tree.parent[node];
    }
  }
  return counts;
};

/** The learning rate behind the leaves (leafValue = float32(weight × eta)), to 7 digits. */
const inferredRate = (model: GbdtModel): number => {
  for (const tree of model.trees) {
    for (let node = 0; node < tree.left.length; node++) {
      if (tree.left[node] === -1 && tree.weight[node] !== 0)
        return Number((tree.leafValue[node] / tree.weight[node]).toPrecision(7));
    }
  }
  return 1;
};

/** One `Tree=<i>` block, from its `Tree=` line to the blank lines after `shrinkage`. */
const treeBlock = (
  tree: GrownTree,
  index: number,
  bias: number,
  shrinkage: number,
  data: TrainingData | undefined,
): string => {
  const nodeIds = tree.left.flatMap((left, id) => (left === -1 ? [] : [id]));
  const leafIds = tree.left.flatMap((left, id) => (left === -1 ? [id] : []));
  const counts = nodeCounts(tree, data);
  const leafValues = leafIds.map((id) => tree.leafValue[id] + bias);
  const lines = [`Tree=${index}`, `num_leaves=${leafIds.length}`, 'num_cat=0'];
  if (nodeIds.length === 0) {
    // A single leaf, written the way LightGBM writes one (empty node arrays and leaf_weight).
    lines.push(
      'split_feature=',
      'split_gain=',
      'threshold=',
      'decision_type=',
      'left_child=',
      'right_child=',
      `leaf_value=${list(leafValues)}`,
      'leaf_weight=',
      `leaf_count=${counts[0]}`,
      'internal_value=',
      'internal_weight=',
      'internal_count=',
    );
  } else {
    const nodeIndex = new Map(nodeIds.map((id, i) => [id, i]));
    const leafIndex = new Map(leafIds.map((id, i) => [id, i]));
    const child = (id: number): number => nodeIndex.get(id) ?? ~(leafIndex.get(id) as number);
    lines.push(
      `split_feature=${list(nodeIds.map((id) => tree.feature[id]))}`,
      `split_gain=${list(nodeIds.map((id) => tree.lossChange[id]))}`,
      `threshold=${list(nodeIds.map((id) => lightgbmThresholdOf(tree.threshold[id])))}`,
      `decision_type=${list(nodeIds.map((id) => MISSING_NAN | (tree.defaultLeft[id] === 1 ? DEFAULT_LEFT : 0)))}`,
      `left_child=${list(nodeIds.map((id) => child(tree.left[id])))}`,
      `right_child=${list(nodeIds.map((id) => child(tree.right[id])))}`,
      `leaf_value=${list(leafValues)}`,
      `leaf_weight=${list(leafIds.map((id) => tree.hessSum[id]))}`,
      `leaf_count=${list(leafIds.map((id) => counts[id]))}`,
      `internal_value=${list(nodeIds.map((id) => f32(tree.weight[id] * shrinkage) + bias))}`,
      `internal_weight=${list(nodeIds.map((id) => tree.hessSum[id]))}`,
      `internal_count=${list(nodeIds.map((id) => counts[id]))}`,
    );
  }
  lines.push('is_linear=0', `shrinkage=${text(shrinkage)}`);
  // LightGBM: the tree's text ends with a blank line, and the model adds one more after it.
  return `${lines.join('\n')}\n\n\n`;
};

/** `[min:max]` of each feature's present training values; `none` when it has fewer than 2 distinct ones. */
const featureInfos = (numFeature: number, data: TrainingData | undefined): string[] =>
  Array.from({ length: numFeature }, (_, f) => {
    if (data === undefined) return 'none';
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < data.rowCount; r++) {
      const value = data.values[r * data.featureCount + f];
      if (value < min) min = value;
      if (value > max) max = value;
    }
    return min < max ? `[${text(min)}:${text(max)}]` : 'none';
  });

/** `name=<splits>` per feature used, most splits first (LightGBM's `feature_importances:` block). */
const importanceLines = (model: GbdtModel, names: readonly string[]): string[] => {
  const splits = new Array<number>(model.numFeature).fill(0);
  for (const tree of model.trees)
    for (let node = 0; node < tree.left.length; node++)
      if (tree.left[node] !== -1) splits[tree.feature[node]]++;
  return splits
    .map((count, f) => ({ count, f }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => b.count - a.count || a.f - b.f)
    .map(({ count, f }) => `${names[f]}=${count}`);
};

const checkNames = (model: GbdtModel, names: readonly string[]): void => {
  if (names.length !== model.numFeature) {
    throw new UsageError(`${names.length} feature names for a model of ${model.numFeature} features`);
  }
  const bad = names.find((name) => !VALID_NAME.test(name));
  if (bad !== undefined) {
    throw new UsageError(
      `feature name "${bad}" cannot be written to a LightGBM model (no spaces, quotes, commas, colons, brackets or braces)`,
    );
  }
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new UsageError(`feature name "${twice}" appears twice`);
};

/**
 * The model as a LightGBM text model (see the top of this file for the translation).
 * @param featureNames names in feature order; default the model's own, else `Column_0…`
 *   (LightGBM's names for unnamed columns)
 * @param options training rows (counts, feature ranges), learning rate, `parameters:` entries
 * @returns the file's text; the same model and options give the same bytes
 * @throws UsageError for names LightGBM cannot store, or trees not laid out class by class
 */
export const toLightgbmText = (
  model: GbdtModel,
  featureNames: readonly string[] = model.featureNames.length === model.numFeature
    ? model.featureNames
    : Array.from({ length: model.numFeature }, (_, f) => `Column_${f}`),
  options: LightgbmWriteOptions = {},
): string => {
  checkNames(model, featureNames);
  const { groupCount } = model;
  // LightGBM reads tree i as class i mod num_tree_per_iteration: our trainer's round-major order.
  const misplaced = model.treeGroups.findIndex((group, t) => group !== t % groupCount);
  if (misplaced >= 0 || model.trees.length % groupCount !== 0) {
    throw new UsageError(`tree ${misplaced} is not laid out class by class, as LightGBM needs`);
  }
  const shrinkage = options.learningRate ?? inferredRate(model);
  const baseMargin = baseMarginOf(model.objective, model.baseScore);
  const trees = model.trees.map((tree, t) =>
    treeBlock(tree, t, t < groupCount ? baseMargin : 0, shrinkage, options.data),
  );
  const parameters = Object.entries(options.parameters ?? {}).map(([key, value]) => `[${key}: ${value}]`);
  const header = [
    'tree',
    'version=v4',
    `num_class=${model.objective === 'multi:softprob' ? model.numClass : 1}`,
    `num_tree_per_iteration=${groupCount}`,
    'label_index=0',
    `max_feature_idx=${model.numFeature - 1}`,
    `objective=${objectiveLine(model)}`,
    `feature_names=${featureNames.join(' ')}`,
    `feature_infos=${featureInfos(model.numFeature, options.data).join(' ')}`,
    `tree_sizes=${trees.map((block) => Buffer.byteLength(block)).join(' ')}`,
  ];
  return (
    `${header.join('\n')}\n\n${trees.join('')}end of trees\n\n` +
    `feature_importances:\n${importanceLines(model, featureNames)
      .map((line) => `${line}\n`)
      .join('')}\n` +
    `parameters:\n${parameters.map((line) => `${line}\n`).join('')}end of parameters\n\n` +
    'pandas_categorical:null\n'
  );
};
