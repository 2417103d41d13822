import type { EquityPoint } from './equity-point.js';

/**
 * Thins an equity curve to at most `maxPoints` for charting without hiding its extremes: the points
 * are cut into equal buckets and each bucket keeps its lowest equity, its highest equity and its
 * deepest drawdown (up to 3 points, in time order, duplicates once), plus the very first and last
 * points. A plain every-n-th sample would step over a sharp drawdown; this keeps every trough and
 * peak a reader could see at that width. Returns the input itself when it is already small enough.
 */
export const downsampleEquity = (
  points: readonly EquityPoint[],
  maxPoints = 5000,
): readonly EquityPoint[] => {
  const count = points.length;
  if (count <= maxPoints || maxPoints < 5)
    return count <= maxPoints ? points : [points[0], points[count - 1]];
  // First and last are kept separately; each bucket adds at most 3.
  const bucketCount = Math.floor((maxPoints - 2) / 3);
  const kept: EquityPoint[] = [points[0]];
  let lastKept = 0;
  const keep = (index: number): void => {
    if (index > lastKept) {
      kept.push(points[index]);
      lastKept = index;
    }
  };
  const inner = count - 2;
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const start = 1 + Math.floor((bucket * inner) / bucketCount);
    const end = 1 + Math.floor(((bucket + 1) * inner) / bucketCount);
    if (end <= start) continue;
    let minIndex = start;
    let maxIndex = start;
    let deepestIndex = start;
    for (let i = start + 1; i < end; i++) {
      const point = points[i];
      if (point.equityUsdt < points[minIndex].equityUsdt) minIndex = i;
      if (point.equityUsdt > points[maxIndex].equityUsdt) maxIndex = i;
      if (point.drawdownPct > points[deepestIndex].drawdownPct) deepestIndex = i;
    }
    // Three indices in time order: the smallest, the middle (sum − min − max), the largest.
    const first = Math.min(minIndex, maxIndex, deepestIndex);
    const last = Math.max(minIndex, maxIndex, deepestIndex);
    keep(first);
    keep(minIndex + maxIndex + deepestIndex - first - last);
    keep(last);
  }
  keep(count - 1);
  return kept;
};
