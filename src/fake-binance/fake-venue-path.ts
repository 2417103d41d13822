import type { Kline } from '../domain/index.js';
import type { AlgoOrder, VenueOrder } from './fake-venue-types.js';

/**
 * The fake venue's path walk: the prices a candle visits, and which resting LIMIT order or
 * conditional order a monotonic move reaches first. Pure helpers over the venue's order books;
 * the venue itself fills and triggers what they find.
 */

/** What a move reaches first: a resting LIMIT order or a conditional order, at `price`. */
export interface PathHit {
  price: number;
  order?: VenueOrder;
  algo?: AlgoOrder;
}

/**
 * The prices a candle visits from the last price: open → nearer extreme → farther extreme → close
 * (a green candle visits its low first). The first move, last price → open, is a gap.
 */
export function candlePoints(candle: Kline, last: number): number[] {
  const greenFirstLow = candle.close >= candle.open;
  return greenFirstLow
    ? [last, candle.open, candle.low, candle.high, candle.close]
    : [last, candle.open, candle.high, candle.low, candle.close];
}

/** The nearest order a monotonic move `from → to` reaches, if any. */
export function nextHit(
  orders: ReadonlyMap<number, VenueOrder>,
  algoOrders: ReadonlyMap<number, AlgoOrder>,
  symbol: string,
  from: number,
  to: number,
): PathHit | undefined {
  const up = to >= from;
  const within = (p: number): boolean => (up ? p >= from && p <= to : p <= from && p >= to);
  let best: PathHit | undefined;
  const better = (p: number): boolean => best === undefined || (up ? p < best.price : p > best.price);
  for (const o of orders.values()) {
    if (o.symbol !== symbol || o.type !== 'LIMIT' || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED'))
      continue;
    const reaches = o.side === 'BUY' ? !up : up;
    if (reaches && within(o.price) && better(o.price)) best = { price: o.price, order: o };
  }
  for (const a of algoOrders.values()) {
    if (a.symbol !== symbol || a.algoStatus !== 'NEW') continue;
    const trigger = triggerOf(a, from, up);
    if (trigger !== undefined && within(trigger) && better(trigger)) best = { price: trigger, algo: a };
  }
  return best;
}

/** The price at which a conditional order fires on a move in direction `up`, if it can. */
export function triggerOf(algo: AlgoOrder, from: number, up: boolean): number | undefined {
  if (algo.type === 'TRAILING_STOP_MARKET') {
    if (algo.trailingPeak === 0) return undefined;
    const rate = algo.callbackRate / 100;
    // A SELL trailing stop follows the peak down; a BUY one the trough up.
    if (algo.side === 'SELL' && !up) return Math.min(from, algo.trailingPeak * (1 - rate));
    if (algo.side === 'BUY' && up) return Math.max(from, algo.trailingPeak * (1 + rate));
    return undefined;
  }
  const stop = algo.type === 'STOP_MARKET';
  // BUY stop fires on the way up, BUY take-profit on the way down; SELL the reverse.
  const firesUp = (algo.side === 'BUY') === stop;
  return firesUp === up ? algo.triggerPrice : undefined;
}

/** Trailing stops on `symbol`: activate at the activation price, then follow the best price. */
export function trackTrailing(
  algoOrders: ReadonlyMap<number, AlgoOrder>,
  symbol: string,
  price: number,
): void {
  for (const a of algoOrders.values()) {
    if (a.symbol !== symbol || a.algoStatus !== 'NEW' || a.type !== 'TRAILING_STOP_MARKET') continue;
    if (a.trailingPeak === 0) {
      const activated = a.side === 'SELL' ? price >= a.activatePrice : price <= a.activatePrice;
      if (activated) a.trailingPeak = price;
      continue;
    }
    a.trailingPeak = a.side === 'SELL' ? Math.max(a.trailingPeak, price) : Math.min(a.trailingPeak, price);
  }
}
