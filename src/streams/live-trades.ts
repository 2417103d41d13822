import { Observable } from 'rxjs';
import type { Quote, Tick } from '../domain/index.js';
import { type BinanceClient, unifiedSymbol } from '../exchange/binance-client.js';
import { venueErrorOf } from '../exchange/venue-errors.js';
import { wallNow } from '../kernel/clock.js';
import { keepWatching, readyClient, sleeper } from './live-source.js';

/**
 * Live trades and best bid/ask from Binance USDⓈ-M through ccxt.pro, per symbol, in order:
 *
 * - **Trades** (`liveTrades`): the `<symbol>@aggTrade` stream (`watchTrades`, name `aggTrade`).
 *   Binance numbers aggregate trades with no hole per symbol, so a trade whose id is past the next
 *   one expected means the stream lost some (a dropped connection, a slow reader): the missing ids
 *   are read over REST (`GET /fapi/v1/aggTrades?fromId=`) before it goes out, and an id already
 *   emitted is dropped. The result has no gap and no duplicate.
 * - **Book tickers** (`liveQuotes`): `<symbol>@bookTicker` (`watchBidsAsks`). A quote is a state,
 *   not a history: each wake-up emits the latest quote of every symbol that changed (a burst of
 *   updates between two reads gives its last), after a reconnect the next quote replaces what was
 *   missed, and one whose update id is not newer than the last emitted is stale and dropped.
 * - A dropped websocket is reconnected with backoff (from `reconnectDelayMs`, doubling to 30 s).
 * - Events carry `tsInit` (wall time when we read them), for latency only.
 *
 * I/O (a source), so it reads the wall clock; operators downstream see only event time.
 */
export interface LiveTapeOptions {
  readonly client: BinanceClient;
  /** Exchange ids (`BTCUSDT`). */
  readonly symbols: readonly string[];
  /** Trades: resume after this aggregate trade id per symbol (a restarted recorder); else from the first one seen. */
  readonly afterId?: ReadonlyMap<string, number>;
  readonly reconnectDelayMs?: number;
  readonly onWarning?: (message: string) => void;
  readonly now?: () => number;
}

/** An aggregate trade as ccxt parses it (`id` = Binance's `a`). */
interface CcxtTrade {
  readonly id?: string;
  readonly timestamp?: number;
  readonly price?: number;
  readonly amount?: number;
  readonly side?: string;
}

/** `GET /fapi/v1/aggTrades` row. */
interface AggTradeRow {
  readonly a: number | string;
  readonly p: string;
  readonly q: string;
  readonly T: number | string;
  readonly m: boolean;
}

/** Aggregate trades per `GET /fapi/v1/aggTrades` (Binance's maximum). */
const AGG_TRADES_PAGE = 1000;

export const liveTrades = (options: LiveTapeOptions): Observable<Tick> =>
  new Observable<Tick>((subscriber) => {
    const { client } = options;
    const now = options.now ?? wallNow;
    let stopped = false;
    const timers = sleeper();
    /** Per symbol: the last aggregate trade id emitted, and a chain so emissions never interleave. */
    const last = new Map<string, number>();
    const chains = new Map<string, Promise<void>>();

    const emit = (
      symbol: string,
      id: number,
      price: number,
      qty: number,
      ts: number,
      sell: boolean,
    ): void => {
      last.set(symbol, id);
      if (stopped || !(price > 0 && qty > 0)) return;
      subscriber.next({
        kind: 'tick',
        symbol,
        ts,
        price,
        qty,
        side: sell ? 'SELL' : 'BUY',
        tradeId: String(id),
        tsInit: now(),
      });
    };

    /** Read ids `last + 1 … before − 1` (or to the newest when `before` is undefined) over REST. */
    const backfill = async (symbol: string, before: number | undefined): Promise<void> => {
      for (;;) {
        const from = (last.get(symbol) ?? 0) + 1;
        if (before !== undefined && from >= before) return;
        let rows: AggTradeRow[];
        try {
          rows = (await client.fapiPublicGetAggTrades({
            symbol,
            fromId: from,
            limit: AGG_TRADES_PAGE,
          })) as AggTradeRow[];
        } catch (error) {
          options.onWarning?.(venueErrorOf(error, `backfill ${symbol} trades from id ${from}`).message);
          return;
        }
        let emitted = 0;
        for (const row of rows) {
          const id = Number(row.a);
          if (!(id > (last.get(symbol) ?? 0)) || (before !== undefined && id >= before)) continue;
          emit(symbol, id, Number(row.p), Number(row.q), Number(row.T), row.m === true);
          emitted++;
        }
        if (emitted === 0 || rows.length < AGG_TRADES_PAGE || stopped) return;
      }
    };

    /** One batch from the stream, in id order: the hole before it filled first, repeats dropped. */
    const take = (symbol: string, trades: readonly CcxtTrade[]): Promise<void> => {
      const run = async (): Promise<void> => {
        const sorted = trades
          .map((t) => ({ ...t, n: Number(t.id) }))
          .filter((t) => Number.isFinite(t.n))
          .sort((a, b) => a.n - b.n);
        for (const t of sorted) {
          const done = last.get(symbol);
          if (done !== undefined && t.n <= done) continue;
          if (done !== undefined && t.n > done + 1) await backfill(symbol, t.n);
          emit(symbol, t.n, t.price ?? 0, t.amount ?? 0, t.timestamp ?? now(), t.side === 'sell');
        }
      };
      const next = (chains.get(symbol) ?? Promise.resolve()).then(run);
      chains.set(symbol, next);
      return next;
    };

    void (async () => {
      if (!(await readyClient(client, subscriber, 'live trades'))) return;
      for (const symbol of options.symbols) {
        const after = options.afterId?.get(symbol);
        if (after !== undefined) last.set(symbol, after);
        const market = unifiedSymbol(client, symbol);
        void keepWatching({
          what: `trade stream ${symbol}`,
          client,
          firstDelayMs: options.reconnectDelayMs ?? 500,
          stopped: () => stopped,
          sleep: timers.sleep,
          ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
          once: async () => {
            const trades = (await client.watchTrades(market, undefined, undefined, {
              name: 'aggTrade',
            })) as CcxtTrade[];
            await take(symbol, trades);
          },
          // What the outage missed, over REST, before the stream goes on.
          onReconnect: async () => {
            if (last.has(symbol)) await backfill(symbol, undefined);
          },
        });
      }
    })();

    return () => {
      stopped = true;
      timers.clear();
    };
  });

/** A best bid/ask as ccxt parses a `bookTicker`. */
interface CcxtBidAsk {
  readonly symbol?: string;
  readonly timestamp?: number;
  readonly bid?: number;
  readonly bidVolume?: number;
  readonly ask?: number;
  readonly askVolume?: number;
  readonly info?: { readonly u?: number | string; readonly s?: string; readonly T?: number | string };
}

export const liveQuotes = (options: Omit<LiveTapeOptions, 'afterId'>): Observable<Quote> =>
  new Observable<Quote>((subscriber) => {
    const { client } = options;
    const now = options.now ?? wallNow;
    let stopped = false;
    const timers = sleeper();
    const lastUpdate = new Map<string, number>();

    void (async () => {
      if (!(await readyClient(client, subscriber, 'live quotes'))) return;
      const markets = options.symbols.map((symbol) => unifiedSymbol(client, symbol));
      await keepWatching({
        what: `book ticker stream ${options.symbols.join(',')}`,
        client,
        firstDelayMs: options.reconnectDelayMs ?? 500,
        stopped: () => stopped,
        sleep: timers.sleep,
        ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
        once: async () => {
          await client.watchBidsAsks(markets);
          // ccxt keeps each symbol's latest quote; a burst of updates can arrive before this loop
          // asks again, so what is emitted is the latest state of every symbol that changed.
          const book = (client as unknown as { bidsasks?: Record<string, CcxtBidAsk> }).bidsasks ?? {};
          for (const market of markets) {
            const quote = book[market];
            const symbol = quote?.info?.s;
            const updateId = Number(quote?.info?.u);
            if (quote === undefined || symbol === undefined || !Number.isFinite(updateId)) continue;
            if (updateId <= (lastUpdate.get(symbol) ?? -1)) continue;
            const bid = quote.bid ?? 0;
            const ask = quote.ask ?? 0;
            if (!(bid > 0 && ask > 0)) continue;
            lastUpdate.set(symbol, updateId);
            if (stopped) return;
            subscriber.next({
              kind: 'quote',
              symbol,
              ts: Number(quote.info?.T ?? quote.timestamp ?? now()),
              bidPrice: bid,
              bidQty: quote.bidVolume ?? 0,
              askPrice: ask,
              askQty: quote.askVolume ?? 0,
              updateId,
              tsInit: now(),
            });
          }
        },
        onReconnect: async () => {},
      });
    })();

    return () => {
      stopped = true;
      timers.clear();
    };
  });
