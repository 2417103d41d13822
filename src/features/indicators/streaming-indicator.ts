/**
 * The shape every streaming indicator shares. One instance follows one symbol's closed candles in
 * time order; `update` is called once per candle and writes the latest candle's outputs into `out`
 * (`out[0]` the primary one), `NaN` while the indicator is warming up. Multi-output indicators
 * (MACD, Bollinger, DMI, Stochastic, ATR/NATR) keep every output there, so the feature engine reads
 * all of them after a single update (that is how `macd_*`, `bb_*`, `adx`/`+di`/`−di` share one
 * computation). `update` returns nothing: a double returned from a call the JIT does not inline is
 * boxed, one heap number per indicator per candle.
 *
 * Arithmetic follows TA-Lib's C code operation by operation (same running sums, same seeding, same
 * epsilon tests), so outputs equal TA-Lib's to the last bit or within an ulp, including the drift
 * of its running sums over long series.
 */
export interface StreamingIndicator {
  /**
   * Per output, TA-Lib's lookback: the number of candles consumed before that output's first value.
   * The first non-NaN `out[k]` is at candle index `lookbacks[k]` (0-based), exactly where TA-Lib's
   * `begIndex` is.
   */
  readonly lookbacks: readonly number[];
  /**
   * Outputs of the latest candle, `NaN` during warm-up; `out[0]` is the primary output. The
   * feature engine rebinds it, before the first update, to a view of the same length into one
   * buffer shared by a symbol's indicators: an indicator reads `this.out` at each update and never
   * keeps the array it was born with.
   */
  out: Float64Array;
  /** Consumes one closed candle; its outputs are then in `out`. */
  update(high: number, low: number, close: number, volume: number): void;
}

/** TA-Lib's `TA_EPSILON`: values closer to zero than this are treated as zero (`TA_IS_ZERO`). */
export const TA_EPSILON = 1e-14;

/** TA-Lib's `TA_IS_ZERO(v)`. */
export const isTaZero = (value: number): boolean => -TA_EPSILON < value && value < TA_EPSILON;

/** TA-Lib's `TRUE_RANGE`: the largest of high−low, |high−prevClose|, |low−prevClose|. */
export const trueRange = (high: number, low: number, prevClose: number): number => {
  let range = high - low;
  const upGap = Math.abs(high - prevClose);
  if (upGap > range) range = upGap;
  const downGap = Math.abs(low - prevClose);
  if (downGap > range) range = downGap;
  return range;
};
