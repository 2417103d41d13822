import type { Kline } from '../domain/index.js';
import { roundToStep } from '../domain/symbol-filters.js';
import { candlePoints } from './fake-venue-path.js';
import type { FakeSymbol } from './fake-venue-types.js';

/**
 * The fake venue's public tape: the trades and best bid/ask a candle's path makes, so the market
 * streams (`<symbol>@aggTrade`, `@trade`, `@bookTicker`) and `GET /fapi/v1/aggTrades` have
 * something real-looking and reproducible to serve. A candle trades at the four points of its path
 * (open → nearer extreme → farther extreme → close), each an aggregate trade of a quarter of its
 * volume, at times inside the candle (open at `openTime`, close at `ts − 1`); after each, the best
 * bid/ask sits one tick around it on the side the taker did not take. Ids count up from 1 with no
 * hole per symbol, as Binance's aggregate trade ids do.
 */

/** One aggregate trade (Binance's `aggTrade`). */
export interface AggTrade {
  readonly id: number;
  readonly symbol: string;
  readonly price: number;
  readonly qty: number;
  readonly time: number;
  /** The buyer was the maker: a sell aggressor (price moving down). */
  readonly buyerMaker: boolean;
}

/** The best bid and ask after a trade (Binance's `bookTicker`). */
export interface BookTicker {
  readonly updateId: number;
  readonly symbol: string;
  readonly bidPrice: number;
  readonly bidQty: number;
  readonly askPrice: number;
  readonly askQty: number;
  readonly time: number;
}

/** The tape of one candle: its aggregate trades, each followed by the book ticker it left. */
export const candleTape = (
  spec: FakeSymbol,
  candle: Kline,
  firstId: number,
): { trades: AggTrade[]; books: BookTicker[] } => {
  const points = candlePoints(candle, candle.open).slice(1);
  const length = candle.ts - candle.openTime;
  const times = [
    candle.openTime,
    candle.openTime + length / 3,
    candle.openTime + (2 * length) / 3,
    candle.ts - 1,
  ];
  const qty = Math.max(spec.stepSize, roundToStep(candle.volume / points.length, spec.stepSize, 'down'));
  const trades: AggTrade[] = [];
  const books: BookTicker[] = [];
  for (let i = 0; i < points.length; i++) {
    const price = points[i];
    const time = Math.floor(times[i]);
    // Up from the last point (or the first point of a candle): a buyer took the ask.
    const buyerMaker = i > 0 && price < points[i - 1];
    trades.push({ id: firstId + i, symbol: candle.symbol, price, qty, time, buyerMaker });
    const bidPrice = buyerMaker ? price : roundToStep(price - spec.tickSize, spec.tickSize);
    const askPrice = buyerMaker ? roundToStep(price + spec.tickSize, spec.tickSize) : price;
    books.push({
      updateId: firstId + i,
      symbol: candle.symbol,
      bidPrice,
      bidQty: qty,
      askPrice,
      askQty: qty,
      time,
    });
  }
  return { trades, books };
};

/** The tape so far, per symbol: every aggregate trade and the latest book ticker. */
export class TradeTape {
  private readonly trades = new Map<string, AggTrade[]>();
  private readonly books = new Map<string, BookTicker>();

  /** Record a revealed candle's tape; returns it (for the streams). */
  record(spec: FakeSymbol, candle: Kline): { trades: AggTrade[]; books: BookTicker[] } {
    const list = this.trades.get(candle.symbol) ?? [];
    this.trades.set(candle.symbol, list);
    const tape = candleTape(spec, candle, (list.at(-1)?.id ?? 0) + 1);
    list.push(...tape.trades);
    const last = tape.books.at(-1);
    if (last !== undefined) this.books.set(candle.symbol, last);
    return tape;
  }

  /**
   * `GET /fapi/v1/aggTrades`: from `fromId` on, else within `[startTime, endTime]`, else the most
   * recent; at most `limit`, ascending.
   */
  aggTrades(
    symbol: string,
    query: { fromId?: number; startTime?: number; endTime?: number; limit: number },
  ): AggTrade[] {
    const list = this.trades.get(symbol) ?? [];
    if (query.fromId !== undefined) {
      const first = list.length === 0 ? 0 : Math.max(0, query.fromId - list[0].id);
      return list.slice(first, first + query.limit);
    }
    if (query.startTime !== undefined || query.endTime !== undefined) {
      const start = query.startTime ?? Number.NEGATIVE_INFINITY;
      const end = query.endTime ?? Number.POSITIVE_INFINITY;
      return list.filter((t) => t.time >= start && t.time <= end).slice(0, query.limit);
    }
    return list.slice(-query.limit);
  }

  /** The latest best bid/ask of a symbol, if it has traded. */
  book(symbol: string): BookTicker | undefined {
    return this.books.get(symbol);
  }
}
