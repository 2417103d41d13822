import { priceText, qtyText } from './binance-payloads.js';
import type { AggTrade, BookTicker } from './fake-trade-tape.js';
import type { FakeSymbol } from './fake-venue-types.js';

/**
 * The public tape as Binance sends it (shapes from `../shared/data/binance/futures/`): the
 * `<symbol>@aggTrade`, `@trade` and `@bookTicker` stream events, and the `GET /fapi/v1/aggTrades`
 * and `GET /fapi/v1/ticker/bookTicker` bodies. One aggregate trade is one trade here, so a trade
 * id equals its aggregate id.
 */

/** Websocket `<symbol>@aggTrade`. */
export const aggTradeEvent = (spec: FakeSymbol, t: AggTrade): object => ({
  e: 'aggTrade',
  E: t.time,
  a: t.id,
  s: t.symbol,
  p: priceText(spec, t.price),
  q: qtyText(spec, t.qty),
  f: t.id,
  l: t.id,
  T: t.time,
  m: t.buyerMaker,
});

/** Websocket `<symbol>@trade`. */
export const tradeEvent = (spec: FakeSymbol, t: AggTrade): object => ({
  e: 'trade',
  E: t.time,
  T: t.time,
  s: t.symbol,
  t: t.id,
  p: priceText(spec, t.price),
  q: qtyText(spec, t.qty),
  X: 'MARKET',
  m: t.buyerMaker,
});

/** `GET /fapi/v1/aggTrades` row. */
export const aggTradeRow = (spec: FakeSymbol, t: AggTrade): object => ({
  a: t.id,
  p: priceText(spec, t.price),
  q: qtyText(spec, t.qty),
  f: t.id,
  l: t.id,
  T: t.time,
  m: t.buyerMaker,
});

/** Websocket `<symbol>@bookTicker`. */
export const bookTickerEvent = (spec: FakeSymbol, b: BookTicker): object => ({
  e: 'bookTicker',
  u: b.updateId,
  E: b.time,
  T: b.time,
  s: b.symbol,
  b: priceText(spec, b.bidPrice),
  B: qtyText(spec, b.bidQty),
  a: priceText(spec, b.askPrice),
  A: qtyText(spec, b.askQty),
});

/** `GET /fapi/v1/ticker/bookTicker` entry. */
export const bookTickerRow = (spec: FakeSymbol, b: BookTicker): object => ({
  symbol: b.symbol,
  bidPrice: priceText(spec, b.bidPrice),
  bidQty: qtyText(spec, b.bidQty),
  askPrice: priceText(spec, b.askPrice),
  askQty: qtyText(spec, b.askQty),
  time: b.time,
  lastUpdateId: b.updateId,
});
