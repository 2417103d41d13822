/**
 * The training label of `quantum train`: the forward return over `horizon` candles of the same
 * symbol, cut into three classes by a symmetric threshold (class indexes as in CLASS_ACTIONS).
 */
export interface LabelParams {
  /** Candles ahead the return is measured over (≥ 1). */
  readonly horizon: number;
  /** BUY above +thresholdPct %, SELL below −thresholdPct %, HOLD in between (inclusive). */
  readonly thresholdPct: number;
}

/** SELL = 0, HOLD = 1, BUY = 2. */
export type ClassLabel = 0 | 1 | 2;

/** The class of a forward return: strictly beyond the threshold on either side, else HOLD. */
export const classOfReturn = (forwardReturn: number, thresholdPct: number): ClassLabel => {
  const threshold = thresholdPct / 100;
  if (forwardReturn > threshold) return 2;
  if (forwardReturn < -threshold) return 0;
  return 1;
};

/**
 * Labels of one symbol's closes: entry t is `{ label, forwardReturn }` with
 * forwardReturn = close[t+h]/close[t] − 1. The last `horizon` candles have no future close and
 * get no entry, so the result has `max(0, n − horizon)` entries — the caller never sees a label
 * made from a guess.
 */
export const forwardLabels = (
  close: ArrayLike<number>,
  { horizon, thresholdPct }: LabelParams,
): { label: ClassLabel; forwardReturn: number }[] => {
  const labelled: { label: ClassLabel; forwardReturn: number }[] = [];
  for (let t = 0; t + horizon < close.length; t++) {
    const forwardReturn = close[t + horizon] / close[t] - 1;
    labelled.push({ label: classOfReturn(forwardReturn, thresholdPct), forwardReturn });
  }
  return labelled;
};
