import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { nextFundingTime } from '../domain/index.js';
import { BinanceApiError } from './binance-errors.js';
import {
  accountUpdate,
  algoUpdate,
  klineEvent,
  markPriceEvent,
  orderTradeUpdate,
} from './binance-payloads.js';
import { registerControlRoutes } from './control-routes.js';
import { type FaultChange, type Faults, NO_FAULTS, type ScheduledFault } from './fake-faults.js';
import { FakeVenue, type FakeVenueOptions, type VenueUpdate } from './fake-venue.js';
import { marketRoutes } from './market-routes.js';
import { OrderCounter, type OrderLimits, WeightBudget } from './request-weights.js';

/** Endpoints whose POST places a new order (counted against the order-count limits). */
const PLACES_ORDERS = new Set(['/fapi/v1/order', '/fapi/v1/algoOrder']);

import type { Route } from './route-params.js';
import { type Credentials, checkRequest } from './signed-request.js';
import { StreamHub } from './stream-hub.js';
import { aggTradeEvent, bookTickerEvent, tradeEvent } from './tape-payloads.js';
import { tradingRoutes } from './trading-routes.js';
import { type ListenKey, userStreamRoutes } from './user-stream-routes.js';

export type { FaultChange, Faults, ScheduledFault } from './fake-faults.js';

/**
 * A fake Binance USDⓈ-M futures server on 127.0.0.1 (fastify + ws): REST under `/fapi` and the
 * market and user-data websockets on the same port, answering in Binance's shapes, with its
 * authentication (HMAC-SHA256 signatures, `recvWindow`), request weights (429 then 418) and
 * error codes — faithful enough that ccxt's and Binance's own connectors run unmodified against
 * it. Matching and the ledger live in `FakeVenue`, the websockets in `StreamHub`; tests and
 * scenarios move the price path with `step()` (or every `stepMs`) and inject faults with
 * `applyFaults()`, a schedule by candle index, or the control API (`control-routes.ts`).
 */

export interface LeverageTier {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalCap: number;
  readonly notionalFloor: number;
  readonly maintMarginRatio: number;
  readonly cum: number;
}

export interface FakeBinanceOptions extends FakeVenueOptions {
  readonly credentials: Credentials;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** IP request-weight limit per minute (Binance: 2400). */
  readonly weightLimit?: number;
  /** New orders per 10 s and per minute (Binance: 300 and 1200). */
  readonly orderLimits?: OrderLimits;
  /** Leverage brackets per symbol for `GET /fapi/v1/leverageBracket`; a symbol without gets one 125× tier. */
  readonly brackets?: ReadonlyMap<string, readonly LeverageTier[]>;
  /** A listenKey expires this long after its last keep-alive (Binance: 60 min). */
  readonly listenKeyTtlMs?: number;
  /** Wall clock for signatures, rate limits and listenKeys (tests may shift it). */
  readonly wallClock?: () => number;
  /** Reveal one candle every this many ms of wall time; 0 or absent: only on `step()`. */
  readonly stepMs?: number;
  /** Fault changes by candle index: each applies just before that candle of the path is revealed. */
  readonly faultSchedule?: readonly ScheduledFault[];
  /** Called as each HTTP request arrives, before it is parsed (`wallClock` time): benchmarks stamp arrivals. */
  readonly onRequest?: (method: string, url: string, atMs: number) => void;
}

export interface FakeBinance {
  readonly venue: FakeVenue;
  /** Faults in force; tests may set them directly or through `applyFaults`. */
  readonly faults: Faults;
  readonly weights: WeightBudget;
  /** The order-count limit (its `refused` counts -1015 answers). */
  readonly orders: OrderCounter;
  /** `http://127.0.0.1:<port>` (the listening host) */
  readonly restUrl: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  readonly port: number;
  /** Requests served per route (`GET /fapi/v1/klines` → count), for tests. */
  readonly requests: Map<string, number>;
  /** Move the path `n` candles; market and user events go out as it moves. Returns how many moved. */
  step(n?: number): number;
  /** Switch faults and run one-shot actions (drop connections, expire the listenKey). */
  applyFaults(change: FaultChange): void;
  /** Open websocket connections. */
  connectionCount(): number;
  /** Close every websocket (a dropped connection), user-data ones too unless `marketOnly`. */
  dropConnections(marketOnly?: boolean): void;
  /** Expire the active listenKey now (sends `listenKeyExpired`). */
  expireListenKey(): void;
  close(): Promise<void>;
}

/** Start a fake Binance on 127.0.0.1 (or `host`). */
export const startFakeBinance = async (options: FakeBinanceOptions): Promise<FakeBinance> => {
  const venue = new FakeVenue(options);
  const wall = options.wallClock ?? Date.now;
  const faults: Faults = { ...NO_FAULTS };
  const weights = new WeightBudget(options.weightLimit ?? 2400);
  const orders = new OrderCounter(options.orderLimits ?? { tenSeconds: 300, minute: 1200 });
  const serverTime = (): number => wall() + faults.clockSkewMs;
  const listenKeyTtlMs = options.listenKeyTtlMs ?? 60 * 60_000;
  let listenKey: ListenKey | undefined;
  const requests = new Map<string, number>();

  const activeListenKey = (): string | undefined =>
    listenKey !== undefined && wall() < listenKey.expiresAt ? listenKey.key : undefined;
  const hub = new StreamHub({ faults, activeListenKey });

  // --- user-data and market fan-out ---------------------------------------------------------
  venue.onUpdate((update: VenueUpdate) => {
    if (update.kind === 'order')
      hub.sendUser(orderTradeUpdate(venue, update.order, update.execType, update.trade));
    else if (update.kind === 'algo') hub.sendUser(algoUpdate(venue, update.algo));
    else if (update.kind === 'account') hub.sendUser(accountUpdate(venue, update.reason, update.symbols));
    else if (update.kind === 'tape') {
      for (const trade of update.trades) {
        const spec = venue.symbolOf(trade.symbol);
        const lower = trade.symbol.toLowerCase();
        hub.sendMarket(`${lower}@aggTrade`, aggTradeEvent(spec, trade));
        hub.sendMarket(`${lower}@trade`, tradeEvent(spec, trade));
      }
      for (const book of update.books)
        hub.sendMarket(
          `${book.symbol.toLowerCase()}@bookTicker`,
          bookTickerEvent(venue.symbolOf(book.symbol), book),
        );
    } else {
      const spec = venue.symbolOf(update.kline.symbol);
      const lower = update.kline.symbol.toLowerCase();
      hub.sendMarket(`${lower}@kline_${update.kline.interval}`, klineEvent(spec, update.kline));
      const next = nextFundingTime(update.kline.ts);
      const mark = markPriceEvent(spec, update.kline, update.kline.fundingRate ?? options.fundingRate, next);
      hub.sendMarket(`${lower}@markPrice`, mark);
      hub.sendMarket(`${lower}@markPrice@1s`, mark);
    }
  });

  // --- REST -----------------------------------------------------------------------------------
  const delayed = async <T>(value: T): Promise<T> => {
    if (faults.ackDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.ackDelayMs));
    return value;
  };
  const routes: Route[] = [
    ...marketRoutes({ venue, options, weights, serverTime }),
    ...tradingRoutes({ venue, options, delayed }),
    ...userStreamRoutes({
      wall,
      listenKeyTtlMs,
      getListenKey: () => listenKey,
      setListenKey: (key) => {
        listenKey = key;
      },
    }),
  ];

  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  // Binance takes form bodies; keep them raw for the signature.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const onRequest = options.onRequest;
  if (onRequest !== undefined)
    app.addHook('onRequest', (request, _reply, done) => {
      onRequest(request.method, request.url, wall());
      done();
    });

  const answer = async (route: Route, request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const key = `${route.method} ${route.url}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    try {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const body = typeof request.body === 'string' ? request.body : '';
      const header = request.headers['x-mbx-apikey'];
      const params = checkRequest(
        { query, body, apiKeyHeader: Array.isArray(header) ? header[0] : header },
        route.security,
        options.credentials,
        serverTime(),
      );
      const weight = typeof route.weight === 'number' ? route.weight : route.weight(params);
      const used = weights.charge(weight, wall());
      reply.header('X-MBX-USED-WEIGHT-1M', String(used));
      if (route.method === 'POST' && PLACES_ORDERS.has(route.url)) {
        const counts = orders.charge(1, wall());
        reply.header('X-MBX-ORDER-COUNT-10S', String(counts.tenSeconds));
        reply.header('X-MBX-ORDER-COUNT-1M', String(counts.minute));
      }
      return await route.handle(params);
    } catch (error) {
      if (!(error instanceof BinanceApiError)) throw error;
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return reply.code(error.httpStatus).send(error.body());
    }
  };
  for (const route of routes)
    app.route({ method: route.method, url: route.url, handler: (req, reply) => answer(route, req, reply) });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ code: -1000, msg: `fake Binance: no endpoint ${request.method} ${request.url.split('?')[0]}` });
  });

  // --- websockets, listenKey expiry, faults, the path's clock ----------------------------------
  app.server.on('upgrade', (request, socket, head) => hub.upgrade(request, socket, head));
  const expireListenKey = (): void => {
    if (listenKey === undefined) return;
    const key = listenKey.key;
    listenKey = undefined;
    hub.expireListenKey(key, venue.time());
  };
  const expiry = setInterval(() => {
    if (listenKey !== undefined && wall() >= listenKey.expiresAt) expireListenKey();
  }, 1000);
  expiry.unref();

  const applyFaults = (change: FaultChange): void => {
    const { weightLimit, dropConnections, expireListenKey: expire, ...switches } = change;
    const wasReordering = faults.reorderUserEvents;
    Object.assign(faults, switches);
    if (wasReordering && !faults.reorderUserEvents) hub.flushHeldUserEvent();
    if (weightLimit !== undefined) weights.limit = weightLimit;
    if (dropConnections !== undefined && dropConnections !== false) hub.drop(dropConnections === 'market');
    if (expire === true) expireListenKey();
  };
  // The schedule in path order; `nextScheduled` is the first entry not applied yet.
  const schedule = [...(options.faultSchedule ?? [])].sort((a, b) => a.at - b.at);
  let nextScheduled = 0;
  const applyScheduledBefore = (candleIndex: number): void => {
    while (nextScheduled < schedule.length && schedule[nextScheduled].at <= candleIndex) {
      const { at: _at, ...change } = schedule[nextScheduled++];
      applyFaults(change);
    }
  };
  // Entries before the first unrevealed candle are already in force at start.
  applyScheduledBefore(venue.revealedCount() - 1);
  const step = (n = 1): number => {
    let moved = 0;
    while (moved < n && venue.remaining() > 0) {
      applyScheduledBefore(venue.revealedCount());
      if (!venue.step()) break;
      moved++;
    }
    return moved;
  };
  registerControlRoutes(app, {
    apiKey: options.credentials.apiKey,
    venue,
    faults,
    weightLimit: () => weights.limit,
    refused: weights.refused,
    requests,
    step,
    applyFaults,
  });

  const host = options.host ?? '127.0.0.1';
  let address: string;
  try {
    address = await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    // Port taken or host unknown: leave nothing running.
    clearInterval(expiry);
    hub.close();
    throw error;
  }
  const port = Number(new URL(address).port);
  const stepMs = options.stepMs ?? 0;
  const stepper =
    stepMs > 0
      ? setInterval(() => {
          if (step(1) === 0) clearInterval(stepper);
        }, stepMs)
      : undefined;
  // Clients reach an any-address listener through loopback.
  const reachable =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    venue,
    faults,
    weights,
    orders,
    port,
    restUrl: `http://${reachable}:${port}`,
    wsUrl: `ws://${reachable}:${port}`,
    requests,
    step,
    applyFaults,
    connectionCount: () => hub.size,
    dropConnections: (marketOnly = false) => hub.drop(marketOnly),
    expireListenKey,
    close: async () => {
      clearInterval(expiry);
      if (stepper !== undefined) clearInterval(stepper);
      hub.close();
      await app.close();
    },
  };
};
