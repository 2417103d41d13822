import { sigmoid32 } from '../xgboost-predictor.js';

/** The objectives the trainer supports, named as XGBoost names them. */
export type GbdtObjective = 'binary:logistic' | 'multi:softprob' | 'reg:squarederror';
export const GBDT_OBJECTIVES: readonly GbdtObjective[] = [
  'binary:logistic',
  'multi:softprob',
  'reg:squarederror',
];

/** The evaluation metric XGBoost uses by default for each objective. */
export const evalMetricOf = (objective: GbdtObjective): 'logloss' | 'mlogloss' | 'rmse' =>
  objective === 'binary:logistic' ? 'logloss' : objective === 'multi:softprob' ? 'mlogloss' : 'rmse';

/** XGBoost's lower bound on a hessian (`kRtEps`-like floor in its objectives). */
const MIN_HESSIAN = 1e-16;

/**
 * Gradient and hessian of every row for one round, from the current margins (float32, as XGBoost
 * keeps them), into `grad`/`hess` laid out [group][row]:
 * - binary:logistic: p = sigmoid(m), g = p − y, h = max(p(1 − p), 1e-16);
 * - multi:softprob: p = softmax(m), g_k = p_k − [y = k], h_k = max(2 p_k (1 − p_k), 1e-16);
 * - reg:squarederror: g = m − y, h = 1.
 */
export const computeGradients = (
  objective: GbdtObjective,
  margins: Float32Array,
  labels: Float32Array,
  groupCount: number,
  grad: Float64Array,
  hess: Float64Array,
): void => {
  const rowCount = labels.length;
  if (objective === 'binary:logistic') {
    for (let r = 0; r < rowCount; r++) {
      const p = sigmoid32(margins[r]);
      grad[r] = p - labels[r];
      hess[r] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  } else if (objective === 'reg:squarederror') {
    for (let r = 0; r < rowCount; r++) {
      grad[r] = margins[r] - labels[r];
      hess[r] = 1;
    }
  } else {
    const probabilities = new Float64Array(groupCount);
    for (let r = 0; r < rowCount; r++) {
      softmaxRow(margins, r * groupCount, groupCount, probabilities);
      for (let k = 0; k < groupCount; k++) {
        const p = probabilities[k];
        grad[k * rowCount + r] = p - (labels[r] === k ? 1 : 0);
        hess[k * rowCount + r] = Math.max(2 * p * (1 - p), MIN_HESSIAN);
      }
    }
  }
};

/** Softmax of margins[offset…offset+count) in float32 (XGBoost's `common::Softmax`). */
export const softmaxRow = (
  margins: ArrayLike<number>,
  offset: number,
  count: number,
  out: Float64Array,
): void => {
  let max = margins[offset];
  for (let k = 1; k < count; k++) max = Math.max(max, margins[offset + k]);
  let sum = 0;
  for (let k = 0; k < count; k++) {
    out[k] = Math.fround(Math.exp(Math.fround(margins[offset + k] - max)));
    sum += out[k];
  }
  const sum32 = Math.fround(sum);
  for (let k = 0; k < count; k++) out[k] = Math.fround(out[k] / sum32);
};

/** Clip XGBoost's log-loss metrics apply to probabilities. */
const EPS = 1e-16;

/**
 * The default evaluation metric of the objective on margins laid out [row][group], computed as
 * XGBoost computes it: logloss = −mean(y ln p + (1 − y) ln(1 − p)), mlogloss = −mean(ln p_y),
 * rmse = √mean((ŷ − y)²); probabilities clipped to [1e-16, 1 − 1e-16].
 */
export const evaluate = (
  objective: GbdtObjective,
  margins: Float32Array,
  labels: Float32Array,
  groupCount: number,
): number => {
  const rowCount = labels.length;
  let total = 0;
  if (objective === 'binary:logistic') {
    for (let r = 0; r < rowCount; r++) {
      const p = Math.min(Math.max(sigmoid32(margins[r]), EPS), 1 - EPS);
      const y = labels[r];
      total -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    }
    return total / rowCount;
  }
  if (objective === 'reg:squarederror') {
    for (let r = 0; r < rowCount; r++) total += (margins[r] - labels[r]) ** 2;
    return Math.sqrt(total / rowCount);
  }
  const probabilities = new Float64Array(groupCount);
  for (let r = 0; r < rowCount; r++) {
    softmaxRow(margins, r * groupCount, groupCount, probabilities);
    total -= Math.log(Math.max(probabilities[labels[r]], EPS));
  }
  return total / rowCount;
};
