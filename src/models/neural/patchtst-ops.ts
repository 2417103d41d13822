import type * as tf from '@tensorflow/tfjs';

/**
 * The pieces of PatchTST (see `patchtst.ts`) as plain functions of tensors, exported so tests can
 * check each one by hand. None of them creates variables or calls `tf.tidy`: the caller's
 * `forward` tidies the whole pass. Every op used here has a gradient on the WebAssembly backend
 * (slices and stacks rather than `gather`, whose gradient needs `UnsortedSegmentSum`, which the
 * wasm backend lacks).
 */

/** Added to the variance before the square root (RevIN) and to LayerNorm's variance, as in the official code. */
export const NORM_EPS = 1e-5;

/** How many patches a window gives: `⌊(window − patchLen) / stride⌋ + 1`, plus one with end padding. */
export const patchCount = (window: number, patchLen: number, stride: number, padEnd: boolean): number =>
  Math.floor((window - patchLen) / stride) + 1 + (padEnd ? 1 : 0);

/**
 * Cuts each row into patches: `[batch, window]` → `[batch, numPatches, patchLen]`, patch `p`
 * being columns `p·stride … p·stride + patchLen − 1`. With `padEnd` the row is first extended by
 * `stride` copies of its last value (the paper's `ReplicationPad1d((0, stride))`), which adds one
 * patch that ends on the newest value.
 */
export const patchify = (
  tfjs: typeof tf,
  x: tf.Tensor2D,
  options: { readonly patchLen: number; readonly stride: number; readonly padEnd: boolean },
): tf.Tensor3D => {
  const [batch, window] = x.shape;
  const { patchLen, stride, padEnd } = options;
  const padded = padEnd
    ? tfjs.concat([x, tfjs.tile(tfjs.slice(x, [0, window - 1], [batch, 1]), [1, stride])], 1)
    : x;
  const count = patchCount(window, patchLen, stride, padEnd);
  const patches: tf.Tensor2D[] = [];
  for (let p = 0; p < count; p++) patches.push(tfjs.slice(padded, [0, p * stride], [batch, patchLen]));
  return tfjs.stack(patches, 1) as tf.Tensor3D;
};

/** Per-row statistics RevIN removes from the input and gives back to the forecast. */
export interface RevinStats {
  /** `[batch, 1]`. */
  readonly mean: tf.Tensor2D;
  /** `[batch, 1]`: `sqrt(population variance + eps)`. */
  readonly std: tf.Tensor2D;
}

/** RevIN's learnable affine map (a scalar weight and bias: one channel). */
export interface RevinAffine {
  readonly weight: tf.Tensor;
  readonly bias: tf.Tensor;
}

/**
 * Reversible instance normalization (Kim et al., ICLR 2022), as PatchTST uses it: each row minus
 * its mean, divided by `sqrt(var + eps)`, then `· weight + bias` when affine. Returns the
 * statistics `revinDenormalize` needs.
 */
export const revinNormalize = (
  tfjs: typeof tf,
  x: tf.Tensor2D,
  affine?: RevinAffine,
): { readonly normalized: tf.Tensor2D; readonly stats: RevinStats } => {
  const { mean, variance } = tfjs.moments(x, 1, true);
  const std = tfjs.sqrt(tfjs.add(variance, NORM_EPS)) as tf.Tensor2D;
  const scaled = tfjs.div(tfjs.sub(x, mean), std) as tf.Tensor2D;
  const normalized =
    affine === undefined ? scaled : (tfjs.add(tfjs.mul(scaled, affine.weight), affine.bias) as tf.Tensor2D);
  return { normalized, stats: { mean: mean as tf.Tensor2D, std } };
};

/**
 * RevIN's inverse on the forecast `[batch, horizon]`: undo the affine map (dividing by
 * `weight + eps²`, the official code's guard against a weight that trained to zero), then
 * `· std + mean` of the input row.
 */
export const revinDenormalize = (
  tfjs: typeof tf,
  y: tf.Tensor2D,
  stats: RevinStats,
  affine?: RevinAffine,
): tf.Tensor2D => {
  const unscaled =
    affine === undefined
      ? y
      : tfjs.div(tfjs.sub(y, affine.bias), tfjs.add(affine.weight, NORM_EPS * NORM_EPS));
  return tfjs.add(tfjs.mul(unscaled, stats.std), stats.mean) as tf.Tensor2D;
};

/** `x · w + b` over the last axis of a tensor of any rank: `[…, in]` → `[…, out]`. */
export const linear = (tfjs: typeof tf, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  const inDim = x.shape[x.shape.length - 1];
  const outDim = w.shape[1] as number;
  const rows = tfjs.reshape(x, [-1, inDim]) as tf.Tensor2D;
  return tfjs.reshape(tfjs.add(tfjs.matMul(rows, w as tf.Tensor2D), b), [...x.shape.slice(0, -1), outDim]);
};

/** GELU, the exact erf form (PyTorch's `nn.GELU()` default, which PatchTST uses): `x · Φ(x)`. */
export const gelu = (tfjs: typeof tf, x: tf.Tensor): tf.Tensor =>
  tfjs.mul(tfjs.mul(x, 0.5), tfjs.add(tfjs.erf(tfjs.mul(x, Math.SQRT1_2)), 1));

/** Layer normalization over the last axis with a learnable `gamma` and `beta` (each `[features]`). */
export const layerNorm = (tfjs: typeof tf, x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor => {
  const { mean, variance } = tfjs.moments(x, -1, true);
  const normalized = tfjs.div(tfjs.sub(x, mean), tfjs.sqrt(tfjs.add(variance, NORM_EPS)));
  return tfjs.add(tfjs.mul(normalized, gamma), beta);
};

/**
 * Scaled dot-product attention on `[batch, heads, tokens, headDim]` queries, keys and values:
 * `softmax(q kᵀ / √headDim) v`. Returns the output and the attention weights (each row sums to 1).
 */
export const scaledDotProductAttention = (
  tfjs: typeof tf,
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
): { readonly output: tf.Tensor4D; readonly weights: tf.Tensor4D } => {
  const headDim = q.shape[3];
  const scores = tfjs.mul(tfjs.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
  const weights = tfjs.softmax(scores) as tf.Tensor4D;
  return { output: tfjs.matMul(weights, v) as tf.Tensor4D, weights };
};

/** The projections of one multi-head attention block: `[dModel, dModel]` matrices and `[dModel]` biases. */
export interface AttentionWeights {
  readonly wq: tf.Tensor;
  readonly bq: tf.Tensor;
  readonly wk: tf.Tensor;
  readonly bk: tf.Tensor;
  readonly wv: tf.Tensor;
  readonly bv: tf.Tensor;
  readonly wo: tf.Tensor;
  readonly bo: tf.Tensor;
}

/**
 * Multi-head self-attention over the patches `[batch, tokens, dModel]`: project to queries, keys
 * and values, split `dModel` into `heads` heads of `dModel / heads`, attend per head, concatenate
 * and project back with `Wo`. No mask: every patch sees every patch (the encoder is bidirectional
 * over the input window; nothing of the future is in it).
 */
export const multiHeadSelfAttention = (
  tfjs: typeof tf,
  x: tf.Tensor3D,
  weights: AttentionWeights,
  heads: number,
): tf.Tensor3D => {
  const [batch, tokens, dModel] = x.shape;
  const headDim = dModel / heads;
  // [batch, tokens, dModel] → [batch, heads, tokens, headDim]
  const split = (t: tf.Tensor): tf.Tensor4D =>
    tfjs.transpose(tfjs.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
  const q = split(linear(tfjs, x, weights.wq, weights.bq));
  const k = split(linear(tfjs, x, weights.wk, weights.bk));
  const v = split(linear(tfjs, x, weights.wv, weights.bv));
  const { output } = scaledDotProductAttention(tfjs, q, k, v);
  const merged = tfjs.reshape(tfjs.transpose(output, [0, 2, 1, 3]), [batch, tokens, dModel]);
  return linear(tfjs, merged, weights.wo, weights.bo) as tf.Tensor3D;
};
