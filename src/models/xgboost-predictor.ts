import { compileFlatForest, type FlatForest, fillRowView, forestAdder } from './flat-forest.js';
import { fillRowViews, forestBatchAdder } from './flat-forest-batch.js';
import { XGBOOST_OBJECTIVES, type XgboostModelDoc, type XgboostObjective } from './xgboost-json.js';

/**
 * A compiled XGBoost forest: every node of every tree in one set of flat typed arrays
 * (`FlatForest`, flat-forest.ts), so a prediction is a few array reads per level and no object is
 * touched.
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

/** What `compileXgboost` returns: an `XgboostPredictor` plus a batch path and its flat forest. */
export interface CompiledXgboost extends XgboostPredictor {
  /**
   * `predictMargin` for many rows at once (tree-major over blocks of 128 rows); row r's margins
   * at `out[r · numGroup + g]`, equal to `predictMargin(rows[r])`. Not faster per row than
   * `predictMargin` today (see flat-forest.ts); it allocates nothing per row.
   */
  predictMarginBatch(rows: readonly ArrayLike<number>[], out?: Float64Array): Float64Array;
  /** `predict` for many rows at once; row r's outputs at `out[r · numGroup + g]`. */
  predictBatch(rows: readonly ArrayLike<number>[], out?: Float64Array): Float64Array;
  /** The compiled trees (plain typed arrays). */
  readonly forest: FlatForest;
}

const f32 = Math.fround;

/**
 * XGBoost 1.7 `common::Sigmoid` in float32: 1 / (1 + expf(−x)) with −x capped at 88.7 so expf
 * cannot overflow. `expf32` is glibc's expf, so this is bit-identical to the CLI on Linux.
 */
export const sigmoid32 = (margin: number): number => f32(1 / f32(expf32(Math.min(-margin, 88.7)) + 1));

/** 2^(i/32) for i = 0…31, as glibc's `__exp2f_data.tab` holds them (bits, before its index offset). */
const EXP2_TABLE_BITS = [
  0x3ff0000000000000n,
  0x3fefd9b0d3158574n,
  0x3fefb5586cf9890fn,
  0x3fef9301d0125b51n,
  0x3fef72b83c7d517bn,
  0x3fef54873168b9aan,
  0x3fef387a6e756238n,
  0x3fef1e9df51fdee1n,
  0x3fef06fe0a31b715n,
  0x3feef1a7373aa9cbn,
  0x3feedea64c123422n,
  0x3feece086061892dn,
  0x3feebfdad5362a27n,
  0x3feeb42b569d4f82n,
  0x3feeab07dd485429n,
  0x3feea47eb03a5585n,
  0x3feea09e667f3bcdn,
  0x3fee9f75e8ec5f74n,
  0x3feea11473eb0187n,
  0x3feea589994cce13n,
  0x3feeace5422aa0dbn,
  0x3feeb737b0cdc5e5n,
  0x3feec49182a3f090n,
  0x3feed503b23e255dn,
  0x3feee89f995ad3adn,
  0x3feeff76f2fb5e47n,
  0x3fef199bdd85529cn,
  0x3fef3720dcef9069n,
  0x3fef5818dcfba487n,
  0x3fef7c97337b9b5fn,
  0x3fefa4afa2a490dan,
  0x3fefd0765b6e4540n,
];
const EXP2_TABLE = (() => {
  const bits = new DataView(new ArrayBuffer(8));
  return Float64Array.from(EXP2_TABLE_BITS, (entry, i) => {
    bits.setBigUint64(0, entry + (BigInt(i) << 47n));
    return bits.getFloat64(0);
  });
})();
/** 32/ln 2 (0x1.71547652b82fep+0 · 32), the polynomial (0x1.c6af84b912394p-5/32³, …), 1.5·2^52. */
const EXPF_INV_LN2_N = (0x171547652b82fe / 2 ** 52) * 32;
const EXPF_C0 = 0x1c6af84b912394 / 2 ** 52 / 2 ** 5 / 32 ** 3;
const EXPF_C1 = 0x1ebfce50fac4f3 / 2 ** 52 / 2 ** 3 / 32 ** 2;
const EXPF_C2 = 0x162e42ff0c52d6 / 2 ** 52 / 2 / 32;
const EXPF_SHIFT = 1.5 * 2 ** 52;
/** Above log(2^128) expf overflows (0x1.62e42ep6); below log(2^-150) it is 0 (−0x1.9fe368p6). */
const EXPF_OVERFLOW = 0x162e42e / 2 ** 18;
const EXPF_UNDERFLOW = -0x19fe368 / 2 ** 18;

/**
 * glibc's `expf` (≥ 2.27, sysdeps/ieee754/flt-32/e_expf.c, from Arm's optimized-routines),
 * which the XGBoost CLI calls: exp(x) = 2^(k/32) · 2^(r/32) with k = round(x·32/ln 2), the first
 * factor from a 32-entry table and the second a cubic in r, all in double, rounded once to
 * float32. `Math.fround(Math.exp(x))` differs from it in about 1 of 13,000 inputs (one float32
 * step) because glibc's result is not always correctly rounded; this port matched glibc 2.36 on
 * 46 million float32 inputs over −104…104 (with and without fused multiply-adds, which glibc uses
 * on FMA CPUs: they never changed the float32 result there).
 * @param x a float32 value
 * @returns expf(x) as a float32 value
 */
export const expf32 = (x: number): number => {
  if (!(x <= EXPF_OVERFLOW)) return Number.isNaN(x) ? x : Number.POSITIVE_INFINITY;
  if (x < EXPF_UNDERFLOW) return 0;
  const z = EXPF_INV_LN2_N * x;
  // Round to the nearest integer, ties to even (adding 1.5·2^52 leaves no fraction bits).
  const k = z + EXPF_SHIFT - EXPF_SHIFT;
  const r = z - k;
  const i = k & 31;
  const scale = EXP2_TABLE[i] * 2 ** ((k - i) / 32);
  const r2 = r * r;
  const y = (EXPF_C0 * r + EXPF_C1) * r2 + (EXPF_C2 * r + 1);
  return f32(y * scale);
};

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
): CompiledXgboost => {
  const numFeature = doc.numFeature;
  const numGroup = doc.numGroup;
  const forest = compileFlatForest(doc.trees, doc.treeGroups, numFeature, numGroup, layout, (t, node) =>
    leafValue(doc, t, node),
  );
  const addTrees = forestAdder(forest);
  const addTreesBatch = forestBatchAdder(forest);
  const baseMargin = baseMarginOf(doc.objective, doc.baseScore);
  const transform = XGBOOST_OBJECTIVES[doc.objective];
  // The row converted to float32 once, missing as ±∞ (see flat-forest.ts): each split is one compare.
  const view = new Float64Array(2 * numFeature);
  // Row views of one block of a batch, grown on demand.
  let views = new Float64Array(0);

  const predictMargin = (
    row: ArrayLike<number>,
    out: Float64Array = new Float64Array(numGroup),
  ): Float64Array => {
    fillRowView(row, numFeature, view);
    for (let g = 0; g < numGroup; g++) out[g] = baseMargin;
    addTrees(view, out);
    return out;
  };

  const transformAt = (out: Float64Array, at: number): void => {
    if (transform === 'sigmoid') out[at] = sigmoid32(out[at]);
    else if (transform === 'exp') out[at] = expf32(out[at]);
    else if (transform === 'hinge') out[at] = out[at] > 0 ? 1 : 0;
    else if (transform === 'softmax') softmax32(out, at, numGroup);
  };

  const predict = (row: ArrayLike<number>, out: Float64Array = new Float64Array(numGroup)): Float64Array => {
    predictMargin(row, out);
    transformAt(out, 0);
    return out;
  };

  const predictMarginBatch = (
    rows: readonly ArrayLike<number>[],
    out: Float64Array = new Float64Array(rows.length * numGroup),
  ): Float64Array => {
    const width = 2 * numFeature;
    const block = 128;
    if (views.length < block * width) views = new Float64Array(block * width);
    out.fill(baseMargin, 0, rows.length * numGroup);
    for (let first = 0; first < rows.length; first += block) {
      const count = Math.min(block, rows.length - first);
      fillRowViews(rows, first, count, numFeature, views);
      addTreesBatch(views, count, out.subarray(first * numGroup, (first + count) * numGroup));
    }
    return out;
  };

  const predictBatch = (
    rows: readonly ArrayLike<number>[],
    out: Float64Array = new Float64Array(rows.length * numGroup),
  ): Float64Array => {
    predictMarginBatch(rows, out);
    for (let r = 0; r < rows.length; r++) transformAt(out, r * numGroup);
    return out;
  };

  return {
    objective: doc.objective,
    numFeature,
    numGroup,
    treeCount: doc.trees.length,
    predictMargin,
    predict,
    predictMarginBatch,
    predictBatch,
    forest,
  };
};

/** A leaf's value: split_conditions, times the dart weight (in float32, as XGBoost does). */
const leafValue = (doc: XgboostModelDoc, t: number, node: number): number => {
  const weight = doc.treeWeights[t];
  const value = doc.trees[t].splitConditions[node];
  return weight === 1 ? value : f32(weight * value);
};

/**
 * XGBoost 1.7 `common::Softmax` over `values[at … at + length)`: expf(x − max) in float32, summed
 * in double, divided in float32.
 */
const softmax32 = (values: Float64Array, at: number, length: number): void => {
  const end = at + length;
  let max = values[at];
  for (let i = at + 1; i < end; i++) if (values[i] > max) max = values[i];
  let sum = 0;
  for (let i = at; i < end; i++) {
    values[i] = expf32(f32(values[i] - max));
    sum += values[i];
  }
  const sum32 = f32(sum);
  for (let i = at; i < end; i++) values[i] = f32(values[i] / sum32);
};
