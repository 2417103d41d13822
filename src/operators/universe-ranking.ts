import type { UniverseMeasures } from '../domain/index.js';

/** How much each measure's percentile rank weighs in the score (at least one > 0). */
export interface RankWeights {
  readonly quoteVolume: number;
  readonly spread: number;
  readonly volatility: number;
}

/** Percentile rank of each value among `values` (0 = lowest, 1 = highest; ties share their mean rank; one value: 1). */
export const percentileRanks = (values: readonly number[]): Float64Array => {
  const n = values.length;
  const ranks = new Float64Array(n);
  if (n === 1) ranks[0] = 1;
  if (n <= 1) return ranks;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 / (n - 1);
    for (let i = start; i <= end; i++) ranks[order[i]] = rank;
    start = end + 1;
  }
  return ranks;
};

/** A symbol to rank: its measures. */
export interface Candidate {
  readonly symbol: string;
  readonly measures: UniverseMeasures;
}

/**
 * The ranking rule: each candidate's score is the weighted mean of its percentile ranks by quote
 * volume, by narrowness of spread and by volatility; best first, ties by quote volume, then by symbol.
 */
export const rankCandidates = (
  candidates: readonly Candidate[],
  weights: RankWeights,
): { readonly candidate: Candidate; readonly score: number }[] => {
  const total = weights.quoteVolume + weights.spread + weights.volatility;
  // A measure without weight is not ranked at all.
  const ranksBy = (weight: number, of: (m: UniverseMeasures) => number): Float64Array =>
    weight === 0
      ? new Float64Array(candidates.length)
      : percentileRanks(candidates.map((c) => of(c.measures)));
  const volume = ranksBy(weights.quoteVolume, (m) => m.quoteVolume);
  const spread = ranksBy(weights.spread, (m) => m.spreadBps);
  const volatility = ranksBy(weights.volatility, (m) => m.volatilityPct);
  return candidates
    .map((candidate, i) => ({
      candidate,
      score:
        (weights.quoteVolume * volume[i] +
          weights.spread * (1 - spread[i]) +
          weights.volatility * volatility[i]) /
        total,
    }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.candidate.measures.quoteVolume - a.candidate.measures.quoteVolume ||
        (a.candidate.symbol < b.candidate.symbol ? -1 : 1),
    );
};
