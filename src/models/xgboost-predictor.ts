import { XGBOOST_OBJECTIVES, type XgboostModelDoc, type XgboostObjective } from './xgboost-json.js';

/**
 * A compiled XGBoost forest: every node of every tree in one set of flat typed arrays, so a
 * prediction is a few array reads per level and no object is touched.
 */
export interface XgboostPredictor {
  readonly objective: XgboostObjective;
  readonly numFeature: number;
  /** Length of `predict`'s output: `num_class` for multiclass, else 1. */
  readonly numGroup: number;
  readonly treeCount: number;
  /**
   * Summed margins before the objective's transform (what `pred_margin=1` prints).
   * @param row feature values in the model's feature order; NaN (or an index past the end) = missing
   * @param out optional buffer of length `numGroup` to write into (no allocation)
   */
  predictMargin(row: ArrayLike<number>, out?: Float64Array): Float64Array;
  /**
   * What XGBoost's `predict` returns: P(class 1) for binary:logistic, class probabilities for
   * multi:softprob and multi:softmax (XGBoost itself returns the argmax index for softmax; take
   * the argmax of these), the value for regression, the margin for binary:logitraw.
   */
  predict(row: ArrayLike<number>, out?: Float64Array): Float64Array;
}

const f32 = Math.fround;

/**
 * XGBoost 1.7 `common::Sigmoid` in float32: 1 / (1 + expf(−x)) with −x capped at 88.7 so expf
 * cannot overflow.
 */
export const sigmoid32 = (margin: number): number => f32(1 / f32(f32(Math.exp(Math.min(-margin, 88.7))) + 1));

/**
 * Margin the forest starts from. XGBoost keeps `base_score` in the objective's output space and
 * converts it with the objective's ProbToMargin at load time: logit for the logistic family
 * (−logf(1/p − 1)), log for poisson/gamma/tweedie, identity otherwise (incl. multiclass).
 */
export const baseMarginOf = (objective: XgboostObjective, baseScore: number): number => {
  const transform = XGBOOST_OBJECTIVES[objective];
  if (transform === 'sigmoid' || transform === 'logit-identity')
    return f32(-Math.log(f32(f32(1 / baseScore) - 1)));
  if (transform === 'exp') return f32(Math.log(baseScore));
  return f32(baseScore);
};

/**
 * Compiles a validated XGBoost model into a predictor over flat typed arrays. Exact to XGBoost:
 * a feature goes left when `float32(value) < threshold` (thresholds are float32), missing (NaN)
 * follows the node's default direction, and leaf values are added to the margin one tree at a
 * time in float32, starting from the base margin — the order XGBoost's CPU predictor uses.
 * @param doc a model from `parseXgboostJson` / `readXgboostJson`
 * @param layout node layout: 'complete' (level-order complete trees, fastest, memory 2^depth
 *   per tree), 'linked' (child pointers, any depth); 'auto' picks complete up to depth 10
 * @returns a predictor; it keeps one scratch row, so use one predictor per thread of work
 */
export const compileXgboost = (
  doc: XgboostModelDoc,
  layout: 'auto' | 'complete' | 'linked' = 'auto',
): XgboostPredictor => {
  const complete = layout === 'complete' || (layout === 'auto' && doc.maxDepth <= COMPLETE_MAX_DEPTH);
  const addTrees = complete ? completeForest(doc) : linkedForest(doc);
  const numFeature = doc.numFeature;
  const numGroup = doc.numGroup;
  const treeCount = doc.trees.length;
  const baseMargin = baseMarginOf(doc.objective, doc.baseScore);
  const transform = XGBOOST_OBJECTIVES[doc.objective];
  // The row converted to float32 once, so each split is one compare (NaN stays NaN = missing).
  const row32 = new Float32Array(numFeature);

  const predictMargin = (
    row: ArrayLike<number>,
    out: Float64Array = new Float64Array(numGroup),
  ): Float64Array => {
    const given = Math.min(row.length, numFeature);
    for (let f = 0; f < given; f++) row32[f] = row[f];
    for (let f = given; f < numFeature; f++) row32[f] = Number.NaN;
    for (let g = 0; g < numGroup; g++) out[g] = baseMargin;
    addTrees(row32, out);
    return out;
  };

  const predict = (row: ArrayLike<number>, out: Float64Array = new Float64Array(numGroup)): Float64Array => {
    predictMargin(row, out);
    if (transform === 'sigmoid') out[0] = sigmoid32(out[0]);
    else if (transform === 'exp') out[0] = f32(Math.exp(out[0]));
    else if (transform === 'hinge') out[0] = out[0] > 0 ? 1 : 0;
    else if (transform === 'softmax') softmax32(out, numGroup);
    return out;
  };

  return { objective: doc.objective, numFeature, numGroup, treeCount, predictMargin, predict };
};

/** Adds every tree's leaf value for a float32 row to `out[group]`, tree by tree in float32. */
type AddTrees = (row32: Float32Array, out: Float64Array) => void;

/** Deeper trees would waste memory as complete trees (2^depth leaves each). */
const COMPLETE_MAX_DEPTH = 10;

/** A leaf's value: split_conditions, times the dart weight (in float32, as XGBoost does). */
const leafValue = (doc: XgboostModelDoc, t: number, node: number): number => {
  const weight = doc.treeWeights[t];
  const value = doc.trees[t].splitConditions[node];
  return weight === 1 ? value : f32(weight * value);
};

/**
 * Trees padded to complete binary trees of the forest's max depth, in level order (children of
 * node i at 2i + 1 and 2i + 2): a walk is exactly `depth` steps of "next = 2i + 1 + goRight" with
 * no child pointers to load and no leaf test, which roughly halves the dependent loads per level
 * and lets V8 compute `goRight` without a branch. A leaf above the bottom becomes a pass-through
 * split (threshold +∞, missing goes left) and its value is copied to every bottom slot below it.
 * goRight = value ≥ threshold, or value missing and the node's default is right.
 */
const completeForest = (doc: XgboostModelDoc): AddTrees => {
  const depth = doc.maxDepth;
  const internal = (1 << depth) - 1;
  const leafCount = 1 << depth;
  const treeCount = doc.trees.length;
  const features = new Int32Array(treeCount * internal);
  const thresholds = new Float32Array(treeCount * internal);
  const defaultRight = new Int32Array(treeCount * internal);
  const leaves = new Float32Array(treeCount * leafCount);
  const groups = Int32Array.from(doc.treeGroups);
  const place = (t: number, source: number, position: number, level: number): void => {
    const tree = doc.trees[t];
    if (level === depth) {
      leaves[t * leafCount + position - internal] = leafValue(doc, t, source);
      return;
    }
    const at = t * internal + position;
    const isLeaf = tree.leftChildren[source] === -1;
    features[at] = isLeaf ? 0 : tree.splitIndices[source];
    thresholds[at] = isLeaf ? Number.POSITIVE_INFINITY : tree.splitConditions[source];
    defaultRight[at] = isLeaf || tree.defaultLeft[source] === 1 ? 0 : 1;
    place(t, isLeaf ? source : tree.leftChildren[source], 2 * position + 1, level + 1);
    place(t, isLeaf ? source : tree.rightChildren[source], 2 * position + 2, level + 1);
  };
  for (let t = 0; t < treeCount; t++) place(t, 0, 0, 0);

  return (row32, out) => {
    for (let t = 0; t < treeCount; t++) {
      const base = t * internal;
      let node = 0;
      for (let level = 0; level < depth; level++) {
        const at = base + node;
        const value = row32[features[at]];
        const goRight = (value >= thresholds[at] ? 1 : 0) | (Number.isNaN(value) ? defaultRight[at] : 0);
        node = 2 * node + 1 + goRight;
      }
      const group = groups[t];
      out[group] = f32(out[group] + leaves[t * leafCount + node - internal]);
    }
  };
};

/**
 * Trees as linked nodes (for deep trees): node i of tree t at roots[t] + i, a leaf has feature
 * −1 and its value in `thresholds`; children[2i], children[2i + 1] are left and right.
 */
const linkedForest = (doc: XgboostModelDoc): AddTrees => {
  let nodeTotal = 0;
  for (const tree of doc.trees) nodeTotal += tree.leftChildren.length;
  const features = new Int32Array(nodeTotal);
  const thresholds = new Float32Array(nodeTotal);
  const children = new Int32Array(2 * nodeTotal);
  const defaults = new Int32Array(nodeTotal);
  const roots = new Int32Array(doc.trees.length);
  const groups = Int32Array.from(doc.treeGroups);
  let offset = 0;
  doc.trees.forEach((tree, t) => {
    roots[t] = offset;
    for (let i = 0; i < tree.leftChildren.length; i++) {
      const at = offset + i;
      const left = tree.leftChildren[i];
      if (left === -1) {
        features[at] = -1;
        thresholds[at] = leafValue(doc, t, i);
      } else {
        features[at] = tree.splitIndices[i];
        thresholds[at] = tree.splitConditions[i];
        children[2 * at] = offset + left;
        children[2 * at + 1] = offset + tree.rightChildren[i];
        defaults[at] = tree.defaultLeft[i] === 1 ? offset + left : offset + tree.rightChildren[i];
      }
    }
    offset += tree.leftChildren.length;
  });
  const treeCount = roots.length;
  return (row32, out) => {
    for (let t = 0; t < treeCount; t++) {
      let node = roots[t];
      let feature = features[node];
      while (feature >= 0) {
        const value = row32[feature];
        const threshold = thresholds[node];
        // Missing (NaN) fails both comparisons and takes the default branch.
        node =
          value < threshold
            ? children[2 * node]
            : value >= threshold
              ? children[2 * node + 1]
              : defaults[node];
        feature = features[node];
      }
      const group = groups[t];
      out[group] = f32(out[group] + thresholds[node]);
    }
  };
};

/** XGBoost 1.7 `common::Softmax`: expf(x − max) in float32, summed in double, divided in float32. */
const softmax32 = (values: Float64Array, length: number): void => {
  let max = values[0];
  for (let i = 1; i < length; i++) if (values[i] > max) max = values[i];
  let sum = 0;
  for (let i = 0; i < length; i++) {
    values[i] = f32(Math.exp(f32(values[i] - max)));
    sum += values[i];
  }
  const sum32 = f32(sum);
  for (let i = 0; i < length; i++) values[i] = f32(values[i] / sum32);
};
