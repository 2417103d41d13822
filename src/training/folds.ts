import { ConfigError } from '../domain/errors.js';

/**
 * Walk-forward folds with purge and embargo (López de Prado, *Advances in Financial Machine
 * Learning*, ch. 7), over the samples of all symbols together.
 *
 * Time is counted in *steps*: the distinct sample timestamps in order (with one candle grid for
 * every symbol, a step is a candle). The steps are cut into `folds + 1` equal blocks; block 0 is
 * only ever trained on. Fold i (1…folds) tests on block i and trains on every earlier step
 * (an expanding window) except
 * - the purge: the last `purge` steps before the test block. A label at step p reads the close at
 *   p + horizon, so with purge = horizon no training label looks into the test block;
 * - the embargo: the first `embargo` steps after each earlier test block. López de Prado
 *   embargoes training data that directly follows test data, because serially correlated
 *   features (an EMA at t+1 is mostly the EMA at t) make it a near copy of the test block's end.
 *   With an expanding window the later training sets hold the earlier test blocks themselves, so
 *   here it is a conservative option (default 0) that keeps each fold's training set the same
 *   as a purged k-fold's would be around those blocks.
 * No test sample is ever in its own fold's training set, and folds come in time order.
 */
export interface FoldParams {
  readonly folds: number;
  /** Steps dropped from training right before each test block. */
  readonly purge: number;
  /** Steps dropped from later training sets right after each test block. */
  readonly embargo: number;
}

export interface Fold {
  /** 1-based, in time order. */
  readonly fold: number;
  /** Sample indexes, ascending. */
  readonly train: number[];
  readonly test: number[];
  /** First and last timestamp of the test block. */
  readonly testFrom: number;
  readonly testTo: number;
}

/** Each sample's step (index of its timestamp among the distinct timestamps) and the step count. */
export const stepsOf = (ts: readonly number[]): { step: Int32Array; stepTs: number[] } => {
  const stepTs = [...new Set(ts)].sort((a, b) => a - b);
  const index = new Map(stepTs.map((t, i) => [t, i]));
  return { step: Int32Array.from(ts, (t) => index.get(t) as number), stepTs };
};

/**
 * The folds of samples with timestamps `ts` (one per sample, any order).
 * @throws ConfigError (training.folds) when a fold would have no training or no test sample
 */
export const walkForwardFolds = (ts: readonly number[], params: FoldParams): Fold[] => {
  const { folds, purge, embargo } = params;
  const { step, stepTs } = stepsOf(ts);
  const steps = stepTs.length;
  const blocks = folds + 1;
  const boundary = (j: number): number => Math.round((j * steps) / blocks);
  const result: Fold[] = [];
  for (let i = 1; i <= folds; i++) {
    const testStart = boundary(i);
    const testEnd = boundary(i + 1);
    // Steps after each earlier test block that later training sets leave out.
    const embargoed = (s: number): boolean => {
      for (let m = 1; m < i; m++) {
        const end = boundary(m + 1);
        if (s >= end && s < end + embargo) return true;
      }
      return false;
    };
    const train: number[] = [];
    const test: number[] = [];
    for (let n = 0; n < step.length; n++) {
      const s = step[n];
      if (s >= testStart && s < testEnd) test.push(n);
      else if (s < testStart - purge && !embargoed(s)) train.push(n);
    }
    if (train.length === 0 || test.length === 0) {
      throw new ConfigError(
        `training.folds: ${steps} labelled candle times are not enough for ${folds} walk-forward folds ` +
          `with purge ${purge} and embargo ${embargo} (fold ${i} has ${train.length} training and ` +
          `${test.length} test samples); lower training.folds or training.purge, or give more candles ` +
          '(data.from/data.to, --data)',
        'training.folds',
      );
    }
    result.push({ fold: i, train, test, testFrom: stepTs[testStart], testTo: stepTs[testEnd - 1] });
  }
  return result;
};

/**
 * Splits a training set into the part a model fits on and a trailing validation slice for early
 * stopping: the last `fraction` of its steps, with `purge` steps between them so no fitted label
 * reads into the validation slice. A set too small to split (or fraction 0) is fitted whole.
 * @param step each sample's step (from `stepsOf`)
 */
export const holdOutTail = (
  train: readonly number[],
  step: Int32Array,
  fraction: number,
  purge: number,
): { fit: number[]; valid: number[] } => {
  const steps = [...new Set(train.map((n) => step[n]))].sort((a, b) => a - b);
  const validSteps = Math.ceil(fraction * steps.length);
  if (fraction <= 0 || validSteps === 0 || validSteps + purge >= steps.length)
    return { fit: [...train], valid: [] };
  const validStart = steps[steps.length - validSteps];
  const fitEnd = steps[steps.length - validSteps - purge];
  return {
    fit: train.filter((n) => step[n] < fitEnd),
    valid: train.filter((n) => step[n] >= validStart),
  };
};
