import { Observable } from 'rxjs';
import { z } from 'zod';
import { fundingInstantsIn, INTERVAL_MS, type Interval, type Kline } from '../domain/index.js';
import { type BinanceClient, forgetClosedConnections, unifiedSymbol } from '../exchange/binance-client.js';
import { type FundingIntervals, fundingIntervalOf, loadFundingIntervals } from '../exchange/ccxt-funding.js';
import { venueErrorOf } from '../exchange/venue-errors.js';
import { wallNow } from '../kernel/clock.js';
import { readyClient, sleeper } from './live-source.js';

/**
 * Live closed candles from Binance USDⓈ-M through ccxt.pro (`watchOHLCV`), per symbol, in order,
 * with no gap and no duplicate:
 *
 * - The websocket tells that a candle has closed when a later candle starts; a quiet stream is
 *   checked `graceMs` after each expected close. Either way the closed candles are read over REST
 *   (`fetchOHLCV` since the last one emitted), so what is emitted is Binance's final candle, and
 *   a hole left by a dropped connection is filled before anything newer goes out.
 * - A dropped websocket is reconnected with backoff (from `reconnectDelayMs`, doubling to 30 s);
 *   the REST catch-up after it backfills what the outage missed.
 * - A candle whose `(openTime, ts]` holds a funding settlement carries the rate Binance settled
 *   (`GET /fapi/v1/fundingRate`), so a paper session's simulator charges the real funding and its
 *   recording replays with it (`funding: false` leaves it out). Settlements follow each symbol's
 *   own interval (`GET /fapi/v1/fundingInfo` on start: 8 h, or 4 h / 1 h on some symbols).
 * - Candles carry `tsInit` (wall time when we read them), for latency only.
 *
 * This is I/O (a source), so it reads the wall clock; operators downstream see only event time.
 */
export interface LiveKlineOptions {
  readonly client: BinanceClient;
  /** Exchange ids (`BTCUSDT`). */
  readonly symbols: readonly string[];
  readonly interval: Interval;
  /** Resume after this candle open time (a restarted session), per symbol; else start with the next close. */
  readonly after?: ReadonlyMap<string, number>;
  /** Wait after an expected close before asking REST, ms (default 2000). */
  readonly graceMs?: number;
  readonly reconnectDelayMs?: number;
  /** Attach the settled funding rate to candles that hold a settlement (default true). */
  readonly funding?: boolean;
  readonly onWarning?: (message: string) => void;
  readonly now?: () => number;
}

const FundingRows = z.array(
  z.looseObject({ fundingTime: z.coerce.number(), fundingRate: z.coerce.number() }),
);

/** The funding rate settled inside a candle (the sum when it holds several), or undefined when Binance has none yet. */
const settledFunding = async (
  client: BinanceClient,
  kline: Kline,
  instants: readonly number[],
): Promise<number | undefined> => {
  const rows = FundingRows.parse(
    await client.fapiPublicGetFundingRate({
      symbol: kline.symbol,
      startTime: instants[0] - 60_000,
      endTime: (instants.at(-1) ?? kline.ts) + 60_000,
      limit: 10,
    }),
  );
  let rate: number | undefined;
  for (const instant of instants) {
    const row = rows.find((r) => Math.abs(r.fundingTime - instant) <= 60_000);
    if (row !== undefined) rate = (rate ?? 0) + row.fundingRate;
  }
  return rate;
};

type Row = readonly (number | undefined)[];

const klineOf = (symbol: string, interval: Interval, row: Row, tsInit: number): Kline | undefined => {
  const [openTime, open, high, low, close, volume] = row;
  if (
    openTime === undefined ||
    open === undefined ||
    high === undefined ||
    low === undefined ||
    close === undefined ||
    !(open > 0 && high > 0 && low > 0 && close > 0)
  ) {
    return undefined;
  }
  const v = volume ?? 0;
  return {
    kind: 'kline',
    symbol,
    interval,
    openTime,
    ts: openTime + INTERVAL_MS[interval],
    open,
    high,
    low,
    close,
    volume: v,
    quoteVolume: v * close,
    trades: 0,
    takerBuyVolume: 0,
    tsInit,
  };
};

export const liveKlines = (options: LiveKlineOptions): Observable<Kline> =>
  new Observable<Kline>((subscriber) => {
    const { client, interval } = options;
    const intervalMs = INTERVAL_MS[interval];
    const now = options.now ?? wallNow;
    const graceMs = options.graceMs ?? 2_000;
    const warn = (message: string): void => options.onWarning?.(message);
    let stopped = false;
    const timers = sleeper();
    const { sleep } = timers;

    /** Per symbol: the open time of the last candle emitted, and a chain so catch-ups never overlap. */
    const last = new Map<string, number>();
    const chains = new Map<string, Promise<void>>();
    /** Symbols that settle funding every 4 h or 1 h (the rest every 8 h), loaded on start. */
    let fundingIntervals: FundingIntervals = new Map();

    const catchUp = (symbol: string): Promise<void> => {
      const run = async (): Promise<void> => {
        const market = unifiedSymbol(client, symbol);
        for (;;) {
          const since = (last.get(symbol) ?? now() - 2 * intervalMs) + intervalMs;
          // Binance weighs a klines request by its limit (< 100: 1, ≤ 1000: 5): ask for what can be there.
          const expected = Math.floor((now() - since) / intervalMs) + 1;
          const limit = expected < 100 ? 99 : 1000;
          let rows: Row[];
          try {
            rows = (await client.fetchOHLCV(market, interval, since, limit)) as Row[];
          } catch (error) {
            warn(venueErrorOf(error, `backfill ${symbol} ${interval}`).message);
            return;
          }
          const closedBy = now();
          let emitted = 0;
          for (const row of rows) {
            let kline = klineOf(symbol, interval, row, closedBy);
            if (kline === undefined || kline.openTime < since || kline.ts > closedBy) continue;
            if (kline.openTime <= (last.get(symbol) ?? Number.NEGATIVE_INFINITY)) continue;
            const instants =
              options.funding === false
                ? []
                : fundingInstantsIn(kline.openTime, kline.ts, fundingIntervalOf(fundingIntervals, symbol));
            if (instants.length > 0) {
              try {
                const rate = await settledFunding(client, kline, instants);
                if (rate === undefined)
                  warn(`${symbol}: no funding rate settled at ${new Date(instants[0]).toISOString()} yet`);
                else kline = { ...kline, fundingRate: rate };
              } catch (error) {
                warn(venueErrorOf(error, `funding rate ${symbol}`).message);
              }
            }
            last.set(symbol, kline.openTime);
            emitted++;
            if (!stopped) subscriber.next(kline);
          }
          // A full page may have more behind it (a long outage); an empty or partial one is the end.
          if (emitted === 0 || rows.length < limit || stopped) return;
        }
      };
      const next = (chains.get(symbol) ?? Promise.resolve()).then(run);
      chains.set(symbol, next);
      return next;
    };

    const watch = async (symbol: string): Promise<void> => {
      const market = unifiedSymbol(client, symbol);
      let delay = options.reconnectDelayMs ?? 500;
      // Set after a failure: the first message on the new connection checks REST again (a candle may
      // have closed between the catch-up and the resubscription).
      let reconnected = false;
      while (!stopped) {
        try {
          const rows = (await client.watchOHLCV(market, interval)) as Row[];
          delay = options.reconnectDelayMs ?? 500;
          const newest = rows.at(-1)?.[0];
          const done = last.get(symbol) ?? Number.NEGATIVE_INFINITY;
          // A candle later than the next one expected has started (the ones before it are closed),
          // or the next one arrived closed (Binance's `x: true`: it ends at or before now).
          if (
            reconnected ||
            (newest !== undefined &&
              (newest > done + intervalMs || (newest === done + intervalMs && newest + intervalMs <= now())))
          ) {
            reconnected = false;
            await catchUp(symbol);
          }
        } catch (error) {
          if (stopped) return;
          warn(
            `${venueErrorOf(error, `kline stream ${symbol} ${interval}`).message}; reconnecting in ${delay} ms`,
          );
          forgetClosedConnections(client);
          reconnected = true;
          await sleep(delay);
          delay = Math.min(delay * 2, 30_000);
          // What the outage missed, over REST, before the stream goes on.
          await catchUp(symbol);
        }
      }
    };

    /** A quiet stream still closes candles: check each expected close after `graceMs`. */
    const tick = async (): Promise<void> => {
      while (!stopped) {
        const nextClose = Math.floor(now() / intervalMs) * intervalMs + intervalMs;
        await sleep(Math.max(50, nextClose + graceMs - now()));
        if (stopped) return;
        await Promise.all(options.symbols.map((symbol) => catchUp(symbol)));
      }
    };

    void (async () => {
      if (!(await readyClient(client, subscriber, 'live klines'))) return;
      if (options.funding !== false) fundingIntervals = await loadFundingIntervals(client, warn);
      for (const symbol of options.symbols) {
        const after = options.after?.get(symbol);
        if (after !== undefined) last.set(symbol, after);
        else {
          // Start after the newest candle already closed: the session trades from the next one on.
          const closed = Math.floor(now() / intervalMs) * intervalMs - intervalMs;
          last.set(symbol, closed);
        }
      }
      // What closed before we started (a resumed session's gap, warm-up history) comes first.
      await Promise.all(options.symbols.map((symbol) => catchUp(symbol)));
      for (const symbol of options.symbols) void watch(symbol);
      void tick();
    })();

    return () => {
      stopped = true;
      timers.clear();
    };
  });
