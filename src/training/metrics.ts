import { CLASS_ACTIONS } from './trainer.js';

/**
 * Out-of-sample metrics of SELL/HOLD/BUY probabilities against the true classes:
 * - accuracy: share of samples whose most probable class (first on ties) is the true one;
 * - precision_<C> / recall_<C>: of the samples predicted C, the share truly C / of the samples
 *   truly C, the share predicted C — 0 when nothing was predicted C (or nothing is C), as
 *   scikit-learn's `zero_division=0`, so the manifest never holds NaN;
 * - logLoss: mean −ln p(true class), p clipped to [1e-15, 1] like scikit-learn;
 * - brier: multiclass Brier score, mean over samples of Σ_k (p_k − [k = true])² (0 best, 2 worst);
 * - majorityAccuracy: the accuracy of always predicting the test set's most common class, the
 *   baseline an accuracy has to beat.
 */
export type ClassMetrics = Record<string, number>;

const EPSILON = 1e-15;

/** The most probable class of row r of n × 3 probabilities (lowest index on ties). */
export const argmaxClass = (probabilities: ArrayLike<number>, r: number): number => {
  let best = 0;
  for (let k = 1; k < CLASS_ACTIONS.length; k++)
    if (probabilities[r * CLASS_ACTIONS.length + k] > probabilities[r * CLASS_ACTIONS.length + best])
      best = k;
  return best;
};

/** Metrics of `probabilities` (labels.length × 3, row-major) against `labels`. */
export const classMetrics = (probabilities: ArrayLike<number>, labels: ArrayLike<number>): ClassMetrics => {
  const classes = CLASS_ACTIONS.length;
  const n = labels.length;
  const truePositive = new Float64Array(classes);
  const predicted = new Float64Array(classes);
  const actual = new Float64Array(classes);
  let correct = 0;
  let logLoss = 0;
  let brier = 0;
  for (let r = 0; r < n; r++) {
    const label = labels[r];
    const guess = argmaxClass(probabilities, r);
    predicted[guess]++;
    actual[label]++;
    if (guess === label) {
      correct++;
      truePositive[label]++;
    }
    const p = probabilities[r * classes + label];
    logLoss -= Math.log(Math.min(1, Math.max(EPSILON, p)));
    for (let k = 0; k < classes; k++) {
      const error = probabilities[r * classes + k] - (k === label ? 1 : 0);
      brier += error * error;
    }
  }
  const metrics: ClassMetrics = { accuracy: n === 0 ? 0 : correct / n };
  CLASS_ACTIONS.forEach((action, k) => {
    metrics[`precision_${action}`] = predicted[k] === 0 ? 0 : truePositive[k] / predicted[k];
    metrics[`recall_${action}`] = actual[k] === 0 ? 0 : truePositive[k] / actual[k];
  });
  metrics.logLoss = n === 0 ? 0 : logLoss / n;
  metrics.brier = n === 0 ? 0 : brier / n;
  metrics.majorityAccuracy = n === 0 ? 0 : Math.max(...actual) / n;
  return metrics;
};

/** The mean of each metric over folds (keys of the first fold). */
export const meanMetrics = (folds: readonly Record<string, number>[]): Record<string, number> => {
  const mean: Record<string, number> = {};
  for (const key of Object.keys(folds[0] ?? {}))
    mean[key] = folds.reduce((sum, fold) => sum + (fold[key] ?? 0), 0) / folds.length;
  return mean;
};
