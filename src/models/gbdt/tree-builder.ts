import type { BinnedData } from './binning.js';
import { MISSING_BIN } from './binning.js';
import { findBestSplit, leafWeight, type SplitCandidate, type SplitParams } from './split.js';

/**
 * One grown tree in XGBoost's layout: parallel arrays by node id, root 0, children −1 on leaves.
 * `leafValue` is what the tree adds to the margin (eta × weight, float32); `weight` is the
 * unscaled optimal weight of every node (XGBoost's `base_weights`).
 */
export interface GrownTree {
  readonly left: number[];
  readonly right: number[];
  readonly parent: number[];
  readonly feature: number[];
  /** Split threshold (float32): value < threshold goes left. 0 on leaves. */
  readonly threshold: number[];
  /** Split bin: bin ≤ splitBin goes left (same rule as the threshold on training data). */
  readonly splitBin: number[];
  readonly defaultLeft: number[];
  readonly weight: number[];
  readonly leafValue: number[];
  readonly lossChange: number[];
  readonly hessSum: number[];
}

export interface TreeParams extends SplitParams {
  readonly eta: number;
  /** 0 = unlimited (lossguide only). */
  readonly maxDepth: number;
  /** 0 = unlimited. */
  readonly maxLeaves: number;
  readonly growPolicy: 'depthwise' | 'lossguide';
}

/** A node still being grown: its rows are rows[begin…end). */
interface OpenNode {
  readonly id: number;
  readonly depth: number;
  readonly begin: number;
  readonly end: number;
  readonly gradSum: number;
  readonly hessSum: number;
  readonly hist: Float64Array;
  readonly split: SplitCandidate | undefined;
}

/** Histogram of rows[begin…end) over the allowed features: [(f·256 + bin)·2] = Σg, +1 = Σh. */
const buildHistogram = (
  binned: BinnedData,
  grad: Float64Array,
  hess: Float64Array,
  rows: Uint32Array,
  begin: number,
  end: number,
  features: Int32Array,
  pool: Float64Array[],
): Float64Array => {
  const featureCount = binned.featureCount;
  const bins = binned.bins;
  // Histograms are 4 kB per feature: reuse freed ones rather than churn the GC.
  const hist = pool.pop()?.fill(0) ?? new Float64Array(featureCount << 9);
  const featureTotal = features.length;
  for (let i = begin; i < end; i++) {
    const r = rows[i];
    const g = grad[r];
    const h = hess[r];
    const base = r * featureCount;
    for (let j = 0; j < featureTotal; j++) {
      const f = features[j];
      const at = ((f << 8) | bins[base + f]) << 1;
      hist[at] += g;
      hist[at + 1] += h;
    }
  }
  return hist;
};

/** Moves rows[begin…end) going left to the front; returns where the right child starts. */
const partition = (
  binned: BinnedData,
  rows: Uint32Array,
  begin: number,
  end: number,
  split: SplitCandidate,
): number => {
  const { bins, featureCount } = binned;
  const missingLeft = split.defaultLeft;
  let low = begin;
  let high = end - 1;
  while (low <= high) {
    const bin = bins[rows[low] * featureCount + split.feature];
    const goLeft = bin === MISSING_BIN ? missingLeft : bin <= split.bin;
    if (goLeft) low++;
    else {
      const swap = rows[low];
      rows[low] = rows[high];
      rows[high] = swap;
      high--;
    }
  }
  return low;
};

/**
 * Grows one regression tree on gradients (XGBoost `hist`): depth-wise (every node of a level,
 * up to maxDepth) or loss-guided (always the open node with the largest loss change, up to
 * maxLeaves). Each split builds the histogram of its smaller child and gets the larger one by
 * subtracting from the parent's.
 * @param rows the (sub)sampled rows; reordered in place
 * @param features allowed features, ascending (column subsample)
 */
export const growTree = (
  binned: BinnedData,
  grad: Float64Array,
  hess: Float64Array,
  rows: Uint32Array,
  features: Int32Array,
  params: TreeParams,
): GrownTree => {
  const tree: GrownTree = {
    left: [],
    right: [],
    parent: [],
    feature: [],
    threshold: [],
    splitBin: [],
    defaultLeft: [],
    weight: [],
    leafValue: [],
    lossChange: [],
    hessSum: [],
  };
  const eta32 = Math.fround(params.eta);
  const pool: Float64Array[] = [];
  const addNode = (parentId: number, gradSum: number, hessSum: number): number => {
    const weight = Math.fround(leafWeight(gradSum, hessSum, params));
    tree.left.push(-1);
    tree.right.push(-1);
    tree.parent.push(parentId);
    tree.feature.push(0);
    tree.threshold.push(0);
    tree.splitBin.push(0);
    tree.defaultLeft.push(0);
    tree.weight.push(weight);
    tree.leafValue.push(Math.fround(weight * eta32));
    tree.lossChange.push(0);
    tree.hessSum.push(Math.fround(hessSum));
    return tree.left.length - 1;
  };
  const open = (id: number, depth: number, begin: number, end: number, hist: Float64Array): OpenNode => {
    let gradSum = 0;
    let hessSum = 0;
    for (let i = begin; i < end; i++) {
      gradSum += grad[rows[i]];
      hessSum += hess[rows[i]];
    }
    const depthLeft = params.maxDepth === 0 || depth < params.maxDepth;
    const split = depthLeft ? findBestSplit(hist, gradSum, hessSum, binned, features, params) : undefined;
    return { id, depth, begin, end, gradSum, hessSum, hist, split };
  };
  let gradRoot = 0;
  let hessRoot = 0;
  for (let i = 0; i < rows.length; i++) {
    gradRoot += grad[rows[i]];
    hessRoot += hess[rows[i]];
  }
  const rootId = addNode(-1, gradRoot, hessRoot);
  const root = open(
    rootId,
    0,
    0,
    rows.length,
    buildHistogram(binned, grad, hess, rows, 0, rows.length, features, pool),
  );
  let leafCount = 1;

  const expand = (node: OpenNode): OpenNode[] => {
    const split = node.split as SplitCandidate;
    const middle = partition(binned, rows, node.begin, node.end, split);
    const leftId = addNode(node.id, split.leftGrad, split.leftHess);
    const rightId = addNode(node.id, node.gradSum - split.leftGrad, node.hessSum - split.leftHess);
    const id = node.id;
    tree.left[id] = leftId;
    tree.right[id] = rightId;
    tree.feature[id] = split.feature;
    tree.threshold[id] = split.threshold;
    tree.splitBin[id] = split.bin;
    tree.defaultLeft[id] = split.defaultLeft ? 1 : 0;
    tree.lossChange[id] = Math.fround(split.lossChange);
    tree.leafValue[id] = 0;
    leafCount++;
    const leftSmaller = middle - node.begin <= node.end - middle;
    const small = leftSmaller
      ? buildHistogram(binned, grad, hess, rows, node.begin, middle, features, pool)
      : buildHistogram(binned, grad, hess, rows, middle, node.end, features, pool);
    const large = node.hist;
    for (let i = 0; i < large.length; i++) large[i] -= small[i];
    const leftHist = leftSmaller ? small : large;
    const rightHist = leftSmaller ? large : small;
    return [
      open(leftId, node.depth + 1, node.begin, middle, leftHist),
      open(rightId, node.depth + 1, middle, node.end, rightHist),
    ];
  };
  const canExpand = (node: OpenNode): boolean =>
    node.split !== undefined && (params.maxLeaves === 0 || leafCount < params.maxLeaves);

  if (params.growPolicy === 'depthwise') {
    let level = [root];
    while (level.length > 0) {
      const next: OpenNode[] = [];
      for (const node of level) {
        if (canExpand(node)) next.push(...expand(node));
        else pool.push(node.hist);
      }
      level = next;
    }
  } else {
    // Open nodes, best loss change first; equal changes: the older node (lower id) first.
    const queue: OpenNode[] = [root];
    while (queue.length > 0) {
      let bestAt = 0;
      for (let i = 1; i < queue.length; i++) {
        const a = queue[i].split?.lossChange ?? -1;
        const b = queue[bestAt].split?.lossChange ?? -1;
        if (a > b || (a === b && queue[i].id < queue[bestAt].id)) bestAt = i;
      }
      const [node] = queue.splice(bestAt, 1);
      if (canExpand(node)) queue.push(...expand(node));
      else pool.push(node.hist);
    }
  }
  return tree;
};

/** Leaf reached by training row r (bins): bin ≤ splitBin goes left, missing by default. */
export const leafOfBinnedRow = (tree: GrownTree, binned: BinnedData, r: number): number => {
  let node = 0;
  const base = r * binned.featureCount;
  while (tree.left[node] !== -1) {
    const bin = binned.bins[base + tree.feature[node]];
    const goLeft = bin === MISSING_BIN ? tree.defaultLeft[node] === 1 : bin <= tree.splitBin[node];
    node = goLeft ? tree.left[node] : tree.right[node];
  }
  return node;
};

/** Leaf reached by a float32 row: value < threshold goes left, NaN by default (XGBoost's rule). */
export const leafOfRow = (tree: GrownTree, values: Float32Array, base: number): number => {
  let node = 0;
  while (tree.left[node] !== -1) {
    const value = values[base + tree.feature[node]];
    const goLeft = Number.isNaN(value) ? tree.defaultLeft[node] === 1 : value < tree.threshold[node];
    node = goLeft ? tree.left[node] : tree.right[node];
  }
  return node;
};
