import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BinanceApiError, invalidParameter, missingParameter } from './binance-errors.js';
import {
  accountBody,
  accountUpdate,
  algoOrderBody,
  algoUpdate,
  balanceBody,
  exchangeInfoBody,
  klineEvent,
  klineRow,
  markPriceEvent,
  orderBody,
  orderTradeUpdate,
  positionRiskBody,
  tradeBody,
} from './binance-payloads.js';
import { registerControlRoutes } from './control-routes.js';
import { type FaultChange, type Faults, NO_FAULTS, type ScheduledFault } from './fake-faults.js';
import {
  FakeVenue,
  type FakeVenueOptions,
  FUNDING_INTERVAL_MS,
  type Side,
  type VenueUpdate,
} from './fake-venue.js';
import { klinesWeight, WeightBudget } from './request-weights.js';
import { type Credentials, checkRequest, type Security } from './signed-request.js';
import { StreamHub } from './stream-hub.js';

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

interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly security: Security;
  readonly weight: number | ((params: URLSearchParams) => number);
  readonly handle: (params: URLSearchParams) => unknown | Promise<unknown>;
}

export interface FakeBinance {
  readonly venue: FakeVenue;
  /** Faults in force; tests may set them directly or through `applyFaults`. */
  readonly faults: Faults;
  readonly weights: WeightBudget;
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

const SIDES = new Set(['BUY', 'SELL']);

const need = (params: URLSearchParams, name: string): string => {
  const value = params.get(name);
  if (value === null || value === '') throw missingParameter(name);
  return value;
};
const numberParam = (params: URLSearchParams, name: string): number | undefined => {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw invalidParameter(name, value);
  return parsed;
};
const sideParam = (params: URLSearchParams): Side => {
  const side = need(params, 'side');
  if (!SIDES.has(side)) throw invalidParameter('side', side);
  return side as Side;
};
const boolParam = (params: URLSearchParams, name: string): boolean => params.get(name) === 'true';

/** Start a fake Binance on 127.0.0.1 (or `host`). */
export const startFakeBinance = async (options: FakeBinanceOptions): Promise<FakeBinance> => {
  const venue = new FakeVenue(options);
  const wall = options.wallClock ?? Date.now;
  const faults: Faults = { ...NO_FAULTS };
  const weights = new WeightBudget(options.weightLimit ?? 2400);
  const serverTime = (): number => wall() + faults.clockSkewMs;
  const listenKeyTtlMs = options.listenKeyTtlMs ?? 60 * 60_000;
  let listenKey: { key: string; expiresAt: number } | undefined;
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
    else {
      const spec = venue.symbolOf(update.kline.symbol);
      const lower = update.kline.symbol.toLowerCase();
      hub.sendMarket(`${lower}@kline_${update.kline.interval}`, klineEvent(spec, update.kline));
      const next =
        Math.floor(update.kline.ts / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
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
    { method: 'GET', url: '/fapi/v1/ping', security: 'NONE', weight: 1, handle: () => ({}) },
    {
      method: 'GET',
      url: '/fapi/v1/time',
      security: 'NONE',
      weight: 1,
      handle: () => ({ serverTime: serverTime() }),
    },
    {
      method: 'GET',
      url: '/fapi/v1/exchangeInfo',
      security: 'NONE',
      weight: 1,
      handle: () => exchangeInfoBody(venue, serverTime(), weights.limit),
    },
    {
      method: 'GET',
      url: '/fapi/v1/klines',
      security: 'NONE',
      weight: (p) => klinesWeight(numberParam(p, 'limit') ?? 500),
      handle: (p) => {
        const symbol = need(p, 'symbol');
        const interval = need(p, 'interval');
        const limit = numberParam(p, 'limit') ?? 500;
        if (!(limit >= 1 && limit <= 1500)) throw invalidParameter('limit', String(limit));
        const spec = venue.symbolOf(symbol);
        const candles = venue.klines(symbol);
        if (candles.length > 0 && candles[0].interval !== interval) {
          throw new BinanceApiError(-1120, 'Invalid interval.', 400);
        }
        const start = numberParam(p, 'startTime');
        const end = numberParam(p, 'endTime');
        let chosen = candles.filter(
          (k) => (start === undefined || k.openTime >= start) && (end === undefined || k.openTime <= end),
        );
        chosen = start === undefined ? chosen.slice(-limit) : chosen.slice(0, limit);
        return chosen.map((k) => klineRow(spec, k));
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/premiumIndex',
      security: 'NONE',
      weight: (p) => (p.has('symbol') ? 1 : 10),
      handle: (p) => {
        const next =
          Math.floor(venue.time() / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
        const row = (symbol: string): object => {
          const price = String(venue.priceOf(symbol));
          return {
            symbol,
            markPrice: price,
            indexPrice: price,
            estimatedSettlePrice: price,
            lastFundingRate: (
              venue.funding.findLast((f) => f.symbol === symbol)?.fundingRate ?? options.fundingRate
            ).toFixed(8),
            interestRate: '0.00010000',
            nextFundingTime: next,
            time: venue.time(),
          };
        };
        const symbol = p.get('symbol');
        return symbol === null ? [...venue.symbols.keys()].map(row) : row(symbol);
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/fundingRate',
      security: 'NONE',
      weight: 1,
      handle: (p) => {
        const symbol = p.get('symbol');
        const start = numberParam(p, 'startTime');
        const end = numberParam(p, 'endTime');
        const limit = Math.min(numberParam(p, 'limit') ?? 100, 1000);
        const rows = venue.funding.filter(
          (f) =>
            (symbol === null || f.symbol === symbol) &&
            (start === undefined || f.fundingTime >= start) &&
            (end === undefined || f.fundingTime <= end),
        );
        return (start === undefined ? rows.slice(-limit) : rows.slice(0, limit)).map((f) => ({
          symbol: f.symbol,
          fundingTime: f.fundingTime,
          fundingRate: f.fundingRate.toFixed(8),
          markPrice: String(f.markPrice),
        }));
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/ticker/price',
      security: 'NONE',
      weight: (p) => (p.has('symbol') ? 1 : 2),
      handle: (p) => {
        const row = (symbol: string): object => ({
          symbol,
          price: String(venue.priceOf(symbol)),
          time: venue.time(),
        });
        const symbol = p.get('symbol');
        return symbol === null ? [...venue.symbols.keys()].map(row) : row(symbol);
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/leverageBracket',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const row = (symbol: string): object => ({
          symbol,
          notionalCoef: 1,
          brackets: options.brackets?.get(symbol) ?? [
            {
              bracket: 1,
              initialLeverage: 125,
              notionalCap: 50_000,
              notionalFloor: 0,
              maintMarginRatio: 0.004,
              cum: 0,
            },
          ],
        });
        const symbol = p.get('symbol');
        if (symbol !== null) venue.symbolOf(symbol);
        return symbol === null ? [...venue.symbols.keys()].map(row) : [row(symbol)];
      },
    },
    {
      method: 'POST',
      url: '/fapi/v1/leverage',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const symbol = need(p, 'symbol');
        const leverage = numberParam(p, 'leverage') ?? Number.NaN;
        venue.setLeverage(symbol, leverage);
        return { leverage, maxNotionalValue: '50000', symbol };
      },
    },
    {
      method: 'POST',
      url: '/fapi/v1/marginType',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const type = need(p, 'marginType');
        if (type !== 'ISOLATED' && type !== 'CROSSED') throw invalidParameter('marginType', type);
        venue.setMarginType(need(p, 'symbol'), type === 'ISOLATED' ? 'isolated' : 'cross');
        return { code: 200, msg: 'success' };
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/positionSide/dual',
      security: 'SIGNED',
      weight: 30,
      handle: () => ({ dualSidePosition: false }),
    },
    {
      method: 'POST',
      url: '/fapi/v1/positionSide/dual',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        if (need(p, 'dualSidePosition') === 'true')
          throw new BinanceApiError(-4059, 'No need to change position side.', 400);
        return { code: 200, msg: 'success' };
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/multiAssetsMargin',
      security: 'SIGNED',
      weight: 30,
      handle: () => ({ multiAssetsMargin: false }),
    },
    {
      method: 'GET',
      url: '/fapi/v1/commissionRate',
      security: 'SIGNED',
      weight: 20,
      handle: (p) => ({
        symbol: need(p, 'symbol'),
        makerCommissionRate: String(options.makerFeeRate),
        takerCommissionRate: String(options.takerFeeRate),
      }),
    },
    {
      method: 'POST',
      url: '/fapi/v1/order',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const type = need(p, 'type');
        if (type !== 'MARKET' && type !== 'LIMIT') {
          // Conditional orders moved to the Algo Order API in December 2025.
          throw new BinanceApiError(
            -4120,
            'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
            400,
          );
        }
        const tif = p.get('timeInForce') ?? undefined;
        if (tif !== undefined && !['GTC', 'IOC', 'FOK', 'GTX'].includes(tif))
          throw invalidParameter('timeInForce', tif);
        const positionSide = p.get('positionSide');
        if (positionSide !== null && positionSide !== 'BOTH') {
          throw new BinanceApiError(-4061, "Order's position side does not match user's setting.", 400);
        }
        const order = venue.placeOrder({
          symbol: need(p, 'symbol'),
          side: sideParam(p),
          type,
          quantity: numberParam(p, 'quantity') ?? Number.NaN,
          price: numberParam(p, 'price'),
          timeInForce: tif as 'GTC' | 'IOC' | 'FOK' | 'GTX' | undefined,
          reduceOnly: boolParam(p, 'reduceOnly'),
          clientOrderId: p.get('newClientOrderId') ?? undefined,
        });
        return delayed(orderBody(venue, order));
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/order',
      security: 'SIGNED',
      weight: 1,
      handle: (p) =>
        orderBody(
          venue,
          venue.findOrder(
            need(p, 'symbol'),
            numberParam(p, 'orderId'),
            p.get('origClientOrderId') ?? undefined,
          ),
        ),
    },
    {
      method: 'DELETE',
      url: '/fapi/v1/order',
      security: 'SIGNED',
      weight: 1,
      handle: (p) =>
        delayed(
          orderBody(
            venue,
            venue.cancelOrder(
              need(p, 'symbol'),
              numberParam(p, 'orderId'),
              p.get('origClientOrderId') ?? undefined,
            ),
          ),
        ),
    },
    {
      method: 'GET',
      url: '/fapi/v1/openOrders',
      security: 'SIGNED',
      weight: (p) => (p.has('symbol') ? 1 : 40),
      handle: (p) => venue.openOrders(p.get('symbol') ?? undefined).map((o) => orderBody(venue, o)),
    },
    {
      method: 'GET',
      url: '/fapi/v1/allOrders',
      security: 'SIGNED',
      weight: 5,
      handle: (p) => {
        const symbol = need(p, 'symbol');
        return [...venue.orders.values()].filter((o) => o.symbol === symbol).map((o) => orderBody(venue, o));
      },
    },
    {
      method: 'DELETE',
      url: '/fapi/v1/allOpenOrders',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const symbol = need(p, 'symbol');
        for (const o of venue.openOrders(symbol)) venue.cancelOrder(symbol, o.orderId);
        return { code: 200, msg: 'The operation of cancel all open order is done.' };
      },
    },
    {
      method: 'POST',
      url: '/fapi/v1/algoOrder',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const algoType = need(p, 'algoType');
        if (algoType !== 'CONDITIONAL') throw invalidParameter('algoType', algoType);
        const type = need(p, 'type');
        if (type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET' && type !== 'TRAILING_STOP_MARKET') {
          throw invalidParameter('type', type);
        }
        const algo = venue.placeAlgoOrder({
          symbol: need(p, 'symbol'),
          side: sideParam(p),
          type,
          quantity: numberParam(p, 'quantity'),
          triggerPrice: numberParam(p, 'triggerPrice') ?? numberParam(p, 'stopPrice'),
          activatePrice: numberParam(p, 'activatePrice') ?? numberParam(p, 'activationPrice'),
          callbackRate: numberParam(p, 'callbackRate'),
          reduceOnly: boolParam(p, 'reduceOnly'),
          closePosition: boolParam(p, 'closePosition'),
          clientAlgoId: p.get('clientAlgoId') ?? undefined,
        });
        return delayed(algoOrderBody(venue, algo));
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/algoOrder',
      security: 'SIGNED',
      weight: 1,
      handle: (p) =>
        algoOrderBody(
          venue,
          venue.findAlgoOrder(numberParam(p, 'algoId'), p.get('clientAlgoId') ?? undefined),
        ),
    },
    {
      method: 'DELETE',
      url: '/fapi/v1/algoOrder',
      security: 'SIGNED',
      weight: 1,
      handle: (p) => {
        const algo = venue.cancelAlgoOrder(numberParam(p, 'algoId'), p.get('clientAlgoId') ?? undefined);
        return delayed({ algoId: algo.algoId, clientAlgoId: algo.clientAlgoId, code: '200', msg: 'success' });
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/openAlgoOrders',
      security: 'SIGNED',
      weight: (p) => (p.has('symbol') ? 1 : 40),
      handle: (p) => venue.openAlgoOrders(p.get('symbol') ?? undefined).map((a) => algoOrderBody(venue, a)),
    },
    {
      method: 'GET',
      url: '/fapi/v1/allAlgoOrders',
      security: 'SIGNED',
      weight: 5,
      handle: (p) => {
        const symbol = need(p, 'symbol');
        return [...venue.algoOrders.values()]
          .filter((a) => a.symbol === symbol)
          .map((a) => algoOrderBody(venue, a));
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/userTrades',
      security: 'SIGNED',
      weight: 5,
      handle: (p) => {
        const symbol = need(p, 'symbol');
        const start = numberParam(p, 'startTime');
        const fromId = numberParam(p, 'fromId');
        const limit = Math.min(numberParam(p, 'limit') ?? 500, 1000);
        return venue.trades
          .filter(
            (t) =>
              t.symbol === symbol &&
              (start === undefined || t.time >= start) &&
              (fromId === undefined || t.id >= fromId),
          )
          .slice(0, limit)
          .map((t) => tradeBody(venue, t));
      },
    },
    {
      method: 'GET',
      url: '/fapi/v1/income',
      security: 'SIGNED',
      weight: 30,
      handle: (p) => {
        const symbol = p.get('symbol');
        const type = p.get('incomeType');
        const start = numberParam(p, 'startTime');
        const end = numberParam(p, 'endTime');
        const limit = Math.min(numberParam(p, 'limit') ?? 100, 1000);
        return venue.income
          .filter(
            (r) =>
              (symbol === null || r.symbol === symbol) &&
              (type === null || r.incomeType === type) &&
              (start === undefined || r.time >= start) &&
              (end === undefined || r.time <= end),
          )
          .slice(0, limit)
          .map((r) => ({
            symbol: r.symbol,
            incomeType: r.incomeType,
            income: r.income.toFixed(8),
            asset: 'USDT',
            info: r.info,
            time: r.time,
            tranId: r.tranId,
            tradeId: r.tradeId,
          }));
      },
    },
    ...([2, 3] as const).flatMap((v): Route[] => [
      {
        method: 'GET',
        url: `/fapi/v${v}/positionRisk`,
        security: 'SIGNED',
        weight: 5,
        handle: (p) => {
          const symbol = p.get('symbol');
          return [...venue.positions.values()]
            .filter((x) => symbol === null || x.symbol === symbol)
            .map((x) => positionRiskBody(venue, x));
        },
      },
      {
        method: 'GET',
        url: `/fapi/v${v}/account`,
        security: 'SIGNED',
        weight: 5,
        handle: () => accountBody(venue, v),
      },
      {
        method: 'GET',
        url: `/fapi/v${v}/balance`,
        security: 'SIGNED',
        weight: 5,
        handle: () => balanceBody(venue),
      },
    ]),
    {
      method: 'POST',
      url: '/fapi/v1/listenKey',
      security: 'USER_STREAM',
      weight: 1,
      handle: () => {
        // One active key per account: asking again returns it and extends it.
        if (listenKey === undefined || wall() >= listenKey.expiresAt)
          listenKey = { key: randomBytes(32).toString('base64url'), expiresAt: 0 };
        listenKey.expiresAt = wall() + listenKeyTtlMs;
        return { listenKey: listenKey.key };
      },
    },
    {
      method: 'PUT',
      url: '/fapi/v1/listenKey',
      security: 'USER_STREAM',
      weight: 1,
      handle: () => {
        if (listenKey === undefined || wall() >= listenKey.expiresAt)
          throw new BinanceApiError(-1125, 'This listenKey does not exist.', 400);
        listenKey.expiresAt = wall() + listenKeyTtlMs;
        return { listenKey: listenKey.key };
      },
    },
    {
      method: 'DELETE',
      url: '/fapi/v1/listenKey',
      security: 'USER_STREAM',
      weight: 1,
      handle: () => {
        listenKey = undefined;
        return {};
      },
    },
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
