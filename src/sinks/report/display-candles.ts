import type { Kline } from '../../domain/index.js';

/** A candle as the report's chart draws it: `[open time ms, open, high, low, close]`. */
export type DisplayCandle = readonly [number, number, number, number, number];

/**
 * Each symbol's candles for display, at most `maxCandles` per symbol: consecutive candles are
 * merged into buckets (first open, highest high, lowest low, last close; the bucket's time is its
 * first candle's open time), so a month of 1m candles stays a light page and every extreme is kept.
 */
export const displayCandles = (
  klines: readonly Kline[],
  maxCandles = 1500,
): Record<string, DisplayCandle[]> => {
  const bySymbol = new Map<string, Kline[]>();
  for (const kline of klines) {
    const series = bySymbol.get(kline.symbol);
    if (series === undefined) bySymbol.set(kline.symbol, [kline]);
    else series.push(kline);
  }
  const out: Record<string, DisplayCandle[]> = {};
  for (const symbol of [...bySymbol.keys()].sort()) {
    const series = bySymbol.get(symbol) as Kline[];
    const size = Math.max(1, Math.ceil(series.length / Math.max(1, maxCandles)));
    const candles: DisplayCandle[] = [];
    for (let start = 0; start < series.length; start += size) {
      const first = series[start];
      let high = first.high;
      let low = first.low;
      const end = Math.min(series.length, start + size);
      for (let i = start + 1; i < end; i++) {
        if (series[i].high > high) high = series[i].high;
        if (series[i].low < low) low = series[i].low;
      }
      candles.push([first.openTime, first.open, high, low, series[end - 1].close]);
    }
    out[symbol] = candles;
  }
  return out;
};

/**
 * Buy and hold, the benchmark a trader compares the equity curve with: the initial equity split
 * equally over the symbols at each one's first close and held, marked at the last close at or
 * before each equity point (a symbol not started yet is still cash). Fees and funding are ignored.
 */
export const buyAndHold = (
  klines: readonly Kline[],
  equityTs: readonly number[],
  initialEquityUsdt: number,
): number[] => {
  // Symbols numbered in order of first appearance (the order their values are summed in).
  const indexOf = new Map<string, number>();
  for (const kline of klines) if (!indexOf.has(kline.symbol)) indexOf.set(kline.symbol, indexOf.size);
  const count = indexOf.size;
  if (count === 0) return equityTs.map(() => initialEquityUsdt);
  const share = initialEquityUsdt / count;
  // Per symbol by index (one Map read per kline, none per equity point): started, first and last close.
  const started = new Uint8Array(count);
  const first = new Float64Array(count);
  const last = new Float64Array(count);
  const values: number[] = [];
  let next = 0;
  for (const ts of equityTs) {
    while (next < klines.length && klines[next].ts <= ts) {
      const kline = klines[next++];
      const i = indexOf.get(kline.symbol) as number;
      if (started[i] === 0) {
        started[i] = 1;
        first[i] = kline.close;
      }
      last[i] = kline.close;
    }
    let value = 0;
    for (let i = 0; i < count; i++) value += started[i] === 0 ? share : (share * last[i]) / first[i];
    values.push(value);
  }
  return values;
};
