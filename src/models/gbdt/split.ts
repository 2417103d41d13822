import type { BinnedData } from './binning.js';
import { MISSING_BIN } from './binning.js';

/** The regularisation a split and a leaf weight obey (XGBoost's TrainParam names in comments). */
export interface SplitParams {
  /** L2 on leaf weights (`lambda`). */
  readonly lambda: number;
  /** L1 on leaf weights (`alpha`). */
  readonly alpha: number;
  /** Least hessian sum in each child (`min_child_weight`). */
  readonly minChildWeight: number;
  /** Least loss reduction to split (`gamma`, `min_split_loss`). */
  readonly gamma: number;
}

/** XGBoost's `kRtEps`: a split must gain more than this. */
const RT_EPS = 1e-6;

/** Soft threshold sign(g)·max(|g| − α, 0) (XGBoost `ThresholdL1`). */
const thresholdL1 = (g: number, alpha: number): number =>
  g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;

/** Optimal leaf weight −T(G)/(H + λ), 0 below min_child_weight (XGBoost `CalcWeight`). */
export const leafWeight = (g: number, h: number, p: SplitParams): number =>
  h < p.minChildWeight || h <= 0 ? 0 : -thresholdL1(g, p.alpha) / (h + p.lambda);

/** Structure score T(G)²/(H + λ), 0 below min_child_weight (XGBoost `CalcGain`). */
export const nodeGain = (g: number, h: number, p: SplitParams): number => {
  if (h < p.minChildWeight || h <= 0) return 0;
  const t = thresholdL1(g, p.alpha);
  return (t * t) / (h + p.lambda);
};

/** The best split of a node, or none. */
export interface SplitCandidate {
  /** gainLeft + gainRight − gainParent (XGBoost's `loss_chg`). */
  lossChange: number;
  feature: number;
  /** Left = bins 0…bin, i.e. value < cuts[feature][bin]. */
  bin: number;
  threshold: number;
  defaultLeft: boolean;
  leftGrad: number;
  leftHess: number;
}

/**
 * Finds the best split of a node from its histogram (`hist[(f·256 + bin)·2]` = gradient sum,
 * `+1` = hessian sum). For each allowed feature it scans the bins left to right with missing
 * values going right, then, when the node has missing values for that feature, again with them
 * going left — XGBoost's two enumeration directions, so the default direction is learned. A
 * split needs min_child_weight on both sides and a loss change above 1e-6 and ≥ gamma; ties keep
 * the lower feature and the earlier bin.
 * @returns undefined when no split is valid
 */
export const findBestSplit = (
  hist: Float64Array,
  gradSum: number,
  hessSum: number,
  binned: BinnedData,
  features: Int32Array,
  p: SplitParams,
): SplitCandidate | undefined => {
  const parentGain = nodeGain(gradSum, hessSum, p);
  let best: SplitCandidate | undefined;
  const consider = (
    lossChange: number,
    feature: number,
    bin: number,
    defaultLeft: boolean,
    leftGrad: number,
    leftHess: number,
  ): void => {
    if (best !== undefined && !(lossChange > best.lossChange)) return;
    const threshold = binned.cuts[feature][bin];
    best = { lossChange, feature, bin, threshold, defaultLeft, leftGrad, leftHess };
  };
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    const cutCount = binned.cuts[f].length;
    const base = f << 9;
    const missingGrad = hist[base + 2 * MISSING_BIN];
    const missingHess = hist[base + 2 * MISSING_BIN + 1];
    const hasMissing = missingHess > 0;
    for (let pass = 0; pass < (hasMissing ? 2 : 1); pass++) {
      let gl = pass === 1 ? missingGrad : 0;
      let hl = pass === 1 ? missingHess : 0;
      for (let b = 0; b < cutCount; b++) {
        gl += hist[base + 2 * b];
        hl += hist[base + 2 * b + 1];
        const hr = hessSum - hl;
        if (hl < p.minChildWeight || hr < p.minChildWeight) continue;
        const lossChange = nodeGain(gl, hl, p) + nodeGain(gradSum - gl, hr, p) - parentGain;
        if (lossChange > RT_EPS && lossChange >= p.gamma) consider(lossChange, f, b, pass === 1, gl, hl);
      }
    }
  }
  return best;
};
