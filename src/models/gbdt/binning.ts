import type { TrainingData } from './dataset.js';

/** The bin code of a missing value; real bins are 0…254. */
export const MISSING_BIN = 255;
/** At most 254 cuts per feature ⇒ 255 real bins + the missing bin fit a byte. */
const MAX_CUTS = 254;

/**
 * Training data quantised for histogram boosting (XGBoost's `hist`): per feature a sorted list of
 * float32 cut values taken from the data, and every value replaced by its bin, the number of cuts
 * ≤ value. "Left of the split after bin b" is then exactly `value < cuts[b]`, the comparison
 * XGBoost's predictor makes with threshold `cuts[b]`.
 */
export interface BinnedData {
  readonly rowCount: number;
  readonly featureCount: number;
  /** Cut values per feature, ascending, float32. */
  readonly cuts: readonly Float32Array[];
  /** rowCount × featureCount bin codes, row-major; MISSING_BIN = missing. */
  readonly bins: Uint8Array;
}

/**
 * Cut values of one feature's present values: every distinct value but the smallest when there are
 * at most 255 of them, else the values at 254 evenly spaced ranks (unweighted quantiles, as XGBoost's
 * hist sketch uses without sample weights), deduplicated.
 */
export const featureCuts = (present: Float32Array): Float32Array => {
  const sorted = Float32Array.from(present).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
  if (distinct.length <= MAX_CUTS + 1) return Float32Array.from(distinct.slice(1));
  const cuts: number[] = [];
  for (let j = 1; j <= MAX_CUTS; j++) {
    const value = sorted[Math.floor((j * sorted.length) / (MAX_CUTS + 1))];
    if (value > sorted[0] && (cuts.length === 0 || value > cuts[cuts.length - 1])) cuts.push(value);
  }
  return Float32Array.from(cuts);
};

/** Number of cuts ≤ value (binary search). */
const binOf = (cuts: Float32Array, value: number): number => {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cuts[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
};

/** Quantises a data set: cuts from its own values, then every value's bin. */
export const binData = (data: TrainingData): BinnedData => {
  const { rowCount, featureCount, values } = data;
  const cuts: Float32Array[] = [];
  const column = new Float32Array(rowCount);
  for (let f = 0; f < featureCount; f++) {
    let present = 0;
    for (let r = 0; r < rowCount; r++) {
      const value = values[r * featureCount + f];
      if (!Number.isNaN(value)) column[present++] = value;
    }
    cuts.push(featureCuts(column.subarray(0, present)));
  }
  const bins = new Uint8Array(rowCount * featureCount);
  for (let r = 0; r < rowCount; r++) {
    for (let f = 0; f < featureCount; f++) {
      const value = values[r * featureCount + f];
      bins[r * featureCount + f] = Number.isNaN(value) ? MISSING_BIN : binOf(cuts[f], value);
    }
  }
  return { rowCount, featureCount, cuts, bins };
};
