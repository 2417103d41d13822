import type { XgboostObjective } from '../xgboost-json.js';
import type { XgboostPredictor } from '../xgboost-predictor.js';
import type { LightgbmTransform } from './lightgbm-objective.js';
import { DECISION_CATEGORICAL, DECISION_DEFAULT_LEFT, type LightgbmModelDoc } from './lightgbm-text.js';

/**
 * A compiled LightGBM forest. It has the XgboostPredictor shape (so the engine model, the
 * registry and `quantum models predict` run it unchanged); `objective` is the XGBoost objective
 * whose output reads the same way (binary probability, class probabilities, or a value).
 */
export interface LightgbmPredictor extends XgboostPredictor {
  readonly lightgbmObjective: string;
}

/** LightGBM's kZeroThreshold (1e-35f): |x| ≤ this is zero for missing type Zero. */
const ZERO_THRESHOLD = Math.fround(1e-35);
const MISSING_ZERO = 1;
const MISSING_NAN = 2;

/** The XGBoost objective whose prediction means the same thing as each LightGBM transform. */
const ENGINE_OBJECTIVES: Record<LightgbmTransform, XgboostObjective> = {
  sigmoid: 'binary:logistic',
  softmax: 'multi:softprob',
  'ova-sigmoid': 'multi:softprob',
  identity: 'reg:squarederror',
  square: 'reg:squarederror',
  exp: 'count:poisson',
  'log1p-exp': 'reg:squarederror',
};

/** The objective's `ConvertOutput`, in place, in double like LightGBM. */
const convert = (transform: LightgbmTransform, sigmoid: number, out: Float64Array): void => {
  if (transform === 'softmax') {
    // Common::Softmax: subtract the max, exponentiate, normalise.
    let max = out[0];
    for (let k = 1; k < out.length; k++) max = Math.max(max, out[k]);
    let sum = 0;
    for (let k = 0; k < out.length; k++) {
      out[k] = Math.exp(out[k] - max);
      sum += out[k];
    }
    for (let k = 0; k < out.length; k++) out[k] /= sum;
    return;
  }
  for (let k = 0; k < out.length; k++) {
    const x = out[k];
    if (transform === 'sigmoid' || transform === 'ova-sigmoid') out[k] = 1 / (1 + Math.exp(-sigmoid * x));
    else if (transform === 'square') out[k] = Math.sign(x) * x * x;
    else if (transform === 'exp') out[k] = Math.exp(x);
    else if (transform === 'log1p-exp') out[k] = Math.log1p(Math.exp(x));
  }
};

/**
 * Compiles a validated LightGBM model into a predictor over flat typed arrays, with LightGBM's
 * own semantics (tree.h `NumericalDecision` / `CategoricalDecision`, gbdt_prediction.cpp):
 * - numerical split: NaN becomes 0.0 unless the missing type is NaN; a missing value (NaN for
 *   type NaN, |x| ≤ 1e-35 for type Zero) follows default_left; else left when x ≤ threshold
 *   (double compare);
 * - categorical split: NaN and negative go right; else the value truncated to an integer goes
 *   left when its bit is set in the node's cat_threshold bitset (absent bit or word: right);
 * - each class's raw score is the double sum of its trees in file order; random forests
 *   (`average_output`) divide it by the number of iterations in `predict` (not in
 *   `predictMargin`, like LightGBM's raw_score); then the objective transform.
 * @param doc a model from `parseLightgbmText` / `readLightgbmText`
 * @returns a predictor; rows are read in the model's feature order, NaN (or past the end) = missing
 */
export const compileLightgbm = (doc: LightgbmModelDoc): LightgbmPredictor => {
  let nodeCount = 0;
  let leafCount = 0;
  let wordCount = 0;
  for (const tree of doc.trees) {
    nodeCount += tree.numLeaves - 1;
    leafCount += tree.numLeaves;
    wordCount += tree.catThreshold.length;
  }
  // Global node arrays; a child ≥ 0 is a node, < 0 is leaf ~child, both indexes global.
  const feature = new Int32Array(nodeCount);
  const threshold = new Float64Array(nodeCount);
  const decision = new Uint8Array(nodeCount);
  const left = new Int32Array(nodeCount);
  const right = new Int32Array(nodeCount);
  // Categorical nodes: their bitset's first word and length in `words`.
  const bitsetStart = new Int32Array(nodeCount);
  const bitsetLength = new Int32Array(nodeCount);
  const words = new Uint32Array(wordCount);
  const leafValue = new Float64Array(leafCount);
  const roots = new Int32Array(doc.trees.length);
  let nodeBase = 0;
  let leafBase = 0;
  let wordBase = 0;
  doc.trees.forEach((tree, t) => {
    const global = (child: number): number => (child >= 0 ? nodeBase + child : ~(leafBase + ~child));
    roots[t] = tree.numLeaves === 1 ? ~leafBase : nodeBase;
    for (let n = 0; n < tree.numLeaves - 1; n++) {
      const g = nodeBase + n;
      feature[g] = tree.splitFeature[n];
      threshold[g] = tree.threshold[n];
      decision[g] = tree.decisionType[n];
      left[g] = global(tree.leftChild[n]);
      right[g] = global(tree.rightChild[n]);
      if ((tree.decisionType[n] & DECISION_CATEGORICAL) !== 0) {
        const cat = tree.threshold[n];
        bitsetStart[g] = wordBase + tree.catBoundaries[cat];
        bitsetLength[g] = tree.catBoundaries[cat + 1] - tree.catBoundaries[cat];
      }
    }
    leafValue.set(tree.leafValue, leafBase);
    words.set(tree.catThreshold, wordBase);
    nodeBase += tree.numLeaves - 1;
    leafBase += tree.numLeaves;
    wordBase += tree.catThreshold.length;
  });

  const numFeature = doc.numFeature;
  const numGroup = doc.numTreePerIteration;
  const iterations = doc.trees.length / numGroup;
  const row64 = new Float64Array(numFeature);

  const leafOf = (root: number): number => {
    let node = root;
    while (node >= 0) {
      const x = row64[feature[node]];
      const type = decision[node];
      if ((type & DECISION_CATEGORICAL) !== 0) {
        // static_cast<int>: truncation; out of int range is INT_MIN on x86, so it goes right too.
        const category = Math.trunc(x);
        if (Number.isNaN(x) || category < 0 || category > 0x7fffffff) {
          node = right[node];
          continue;
        }
        const word = category >>> 5;
        const inSet =
          word < bitsetLength[node] && ((words[bitsetStart[node] + word] >>> (category & 31)) & 1) === 1;
        node = inSet ? left[node] : right[node];
        continue;
      }
      const missing = type >> 2;
      const value = Number.isNaN(x) && missing !== MISSING_NAN ? 0 : x;
      if (
        (missing === MISSING_ZERO && value >= -ZERO_THRESHOLD && value <= ZERO_THRESHOLD) ||
        (missing === MISSING_NAN && Number.isNaN(value))
      ) {
        node = (type & DECISION_DEFAULT_LEFT) !== 0 ? left[node] : right[node];
      } else {
        node = value <= threshold[node] ? left[node] : right[node];
      }
    }
    return ~node;
  };

  const predictMargin = (
    row: ArrayLike<number>,
    out: Float64Array = new Float64Array(numGroup),
  ): Float64Array => {
    const given = Math.min(row.length, numFeature);
    for (let f = 0; f < given; f++) row64[f] = row[f];
    for (let f = given; f < numFeature; f++) row64[f] = Number.NaN;
    out.fill(0, 0, numGroup);
    for (let t = 0; t < roots.length; t++) out[t % numGroup] += leafValue[leafOf(roots[t])];
    return out;
  };

  return {
    objective: ENGINE_OBJECTIVES[doc.objective.transform],
    lightgbmObjective: doc.objective.text,
    numFeature,
    numGroup,
    treeCount: doc.trees.length,
    predictMargin,
    predict: (row, out = new Float64Array(numGroup)) => {
      predictMargin(row, out);
      // GBDT::Predict averages; PredictRaw (raw_score=True) does not.
      if (doc.averageOutput) for (let k = 0; k < numGroup; k++) out[k] /= iterations;
      convert(doc.objective.transform, doc.objective.sigmoid, out);
      return out;
    },
  };
};
