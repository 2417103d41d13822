import type { FeatureStats } from '../models/model-manifest.js';

/** Deciles: the 9 inner edges of 10 equally filled bins. */
const BINS = 10;

/**
 * The training distribution of one feature, the model supervisor's PSI reference
 * (`FeatureStats` in model-manifest.ts): `edges` are the decile values of the finite training
 * values (taken from the data, duplicates merged, so heavy ties make fewer bins), `fractions[i]`
 * the share of ALL rows in bin i (values ≤ edges[i] and > edges[i−1]), `missing` the share of NaN
 * rows — fractions and missing add up to 1, so live rows binned the same way compare bin by bin.
 * @param values column values (any stride: `values[offset + r * stride]` for r < rowCount)
 */
export const featureStatsOf = (
  values: ArrayLike<number>,
  rowCount: number,
  offset = 0,
  stride = 1,
): FeatureStats => {
  const finite: number[] = [];
  for (let r = 0; r < rowCount; r++) {
    const value = values[offset + r * stride];
    if (Number.isFinite(value)) finite.push(value);
  }
  if (rowCount === 0) return { edges: [], fractions: [0], missing: 0 };
  const missing = (rowCount - finite.length) / rowCount;
  if (finite.length === 0) return { edges: [], fractions: [0], missing };
  finite.sort((a, b) => a - b);
  const edges: number[] = [];
  for (let q = 1; q < BINS; q++) {
    // The lower q-quantile: the smallest value with at least q/10 of the values ≤ it.
    const edge = finite[Math.max(0, Math.ceil((q * finite.length) / BINS) - 1)];
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  // The largest value is its own edge only for constant data; drop an edge nothing lies above.
  while (edges.length > 0 && edges[edges.length - 1] >= finite[finite.length - 1]) edges.pop();
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (const value of finite) {
    while (bin < edges.length && value > edges[bin]) bin++;
    counts[bin]++;
  }
  return { edges, fractions: counts.map((count) => count / rowCount), missing };
};

/** Stats of every column of a row-major `rowCount × names.length` matrix, by feature name. */
export const featureStatsOfRows = (
  rows: ArrayLike<number>,
  rowCount: number,
  names: readonly string[],
): Record<string, FeatureStats> =>
  Object.fromEntries(names.map((name, f) => [name, featureStatsOf(rows, rowCount, f, names.length)]));
