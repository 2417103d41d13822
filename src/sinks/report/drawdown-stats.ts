import type { EquitySeries } from './period-returns.js';

export interface DrawdownStats {
  /** Deepest fall from a running peak, percent of that peak. */
  readonly maxDrawdownPct: number;
  /** Longest time under water: from a peak until equity is back at or above it. */
  readonly maxDrawdownDurationMs: number;
  /** True when that longest period had not recovered by the last point (measured to the last point). */
  readonly maxDrawdownDurationOpen: boolean;
}

/**
 * Drawdown depth and duration of an equity series. The running peak starts at the initial equity at
 * `fromTs`. `reportedDrawdownPct` (the portfolio's own figure per point, which saw every event, not
 * only the sampled points) is folded in: the deeper of the two wins.
 */
export const drawdownStats = (
  series: EquitySeries,
  initialEquityUsdt: number,
  fromTs: number,
  reportedDrawdownPct?: ArrayLike<number>,
): DrawdownStats => {
  let peak = initialEquityUsdt;
  let peakTs = fromTs;
  let underwater = false;
  let maxDrawdownPct = 0;
  let maxDurationMs = 0;
  let maxDurationOpen = false;
  const count = series.ts.length;
  for (let i = 0; i < count; i++) {
    const equity = series.equityUsdt[i];
    const ts = series.ts[i];
    if (equity >= peak) {
      if (underwater && ts - peakTs > maxDurationMs) {
        maxDurationMs = ts - peakTs;
        maxDurationOpen = false;
      }
      underwater = false;
      peak = equity;
      peakTs = ts;
    } else {
      underwater = true;
      if (peak > 0) {
        const drawdownPct = ((peak - equity) / peak) * 100;
        if (drawdownPct > maxDrawdownPct) maxDrawdownPct = drawdownPct;
      }
    }
    if (reportedDrawdownPct !== undefined && reportedDrawdownPct[i] > maxDrawdownPct) {
      maxDrawdownPct = reportedDrawdownPct[i];
    }
  }
  if (underwater && count > 0 && series.ts[count - 1] - peakTs > maxDurationMs) {
    maxDurationMs = series.ts[count - 1] - peakTs;
    maxDurationOpen = true;
  }
  return { maxDrawdownPct, maxDrawdownDurationMs: maxDurationMs, maxDrawdownDurationOpen: maxDurationOpen };
};
