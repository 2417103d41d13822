// The synthetic market of bench/pipeline.ts: `count` symbols of 1m klines, merged in event time.
import { type Observable, toArray } from 'rxjs';
import type { Kline } from '../../../src/domain/index.js';
import { mergeByEventTime } from '../../../src/streams/merge-by-event-time.js';
import { type SyntheticSymbol, syntheticMarket } from '../../../src/streams/synthetic-market.js';

const drain = <T>(source: Observable<T>): T[] => {
  let out: T[] = [];
  source.pipe(toArray()).subscribe((values) => {
    out = values;
  });
  return out;
};

/** `count` synthetic symbols with spread-out prices and volatilities. */
const symbolsFor = (count: number): SyntheticSymbol[] =>
  Array.from({ length: count }, (_, i) => ({
    symbol: `S${String(i).padStart(3, '0')}USDT`,
    startPrice: 1 + ((i * 37) % 500),
    volatility: 0.0006 + (i % 7) * 0.0001,
    baseVolume: 1_000 + i * 10,
    priceDecimals: 4,
  }));

/** `symbolCount` synthetic symbols of `candles` 1m klines each, in event-time order. */
export const marketOf = (symbolCount: number, candles: number): Kline[] =>
  drain(mergeByEventTime(syntheticMarket({ seed: 7, count: candles, symbols: symbolsFor(symbolCount) })));
