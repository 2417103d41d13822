/**
 * Highest high and lowest low of the last `period` candles, kept the way TA-Lib's `WILLR` and
 * `STOCH` keep them: remember where the extreme is; rescan the window only when it falls out.
 * Amortized O(1) per candle on market data; used by Williams %R and Stochastic.
 */
export class RollingRange {
  highest = Number.NaN;
  lowest = Number.NaN;
  private readonly period: number;
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  /** Candles seen; candle i sits in slot i % period. */
  private count = 0;
  /** Candle index of the current extremes; starts before any window so the first candle rescans. */
  private highestIndex: number;
  private lowestIndex: number;

  constructor(period: number) {
    this.period = period;
    this.highestIndex = -period;
    this.lowestIndex = -period;
    this.highs = new Float64Array(period);
    this.lows = new Float64Array(period);
  }

  /** Adds one candle; returns whether the window is full (highest/lowest valid). */
  next(high: number, low: number): boolean {
    const period = this.period;
    const today = this.count++;
    const slot = today % period;
    this.highs[slot] = high;
    this.lows[slot] = low;
    const oldest = today - period + 1;
    if (this.lowestIndex < oldest) {
      this.rescanLowest(Math.max(oldest, 0), today);
    } else if (low <= this.lowest) {
      this.lowestIndex = today;
      this.lowest = low;
    }
    if (this.highestIndex < oldest) {
      this.rescanHighest(Math.max(oldest, 0), today);
    } else if (high >= this.highest) {
      this.highestIndex = today;
      this.highest = high;
    }
    return today >= period - 1;
  }

  private rescanLowest(from: number, to: number): void {
    const period = this.period;
    let index = from;
    let lowest = this.lows[from % period];
    for (let i = from + 1; i <= to; i++) {
      const value = this.lows[i % period];
      if (value < lowest) {
        lowest = value;
        index = i;
      }
    }
    this.lowest = lowest;
    this.lowestIndex = index;
  }

  private rescanHighest(from: number, to: number): void {
    const period = this.period;
    let index = from;
    let highest = this.highs[from % period];
    for (let i = from + 1; i <= to; i++) {
      const value = this.highs[i % period];
      if (value > highest) {
        highest = value;
        index = i;
      }
    }
    this.highest = highest;
    this.highestIndex = index;
  }
}
