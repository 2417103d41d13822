import ccxt from 'ccxt';
import { z } from 'zod';
import { wallTimer } from '../kernel/clock.js';
import { nextWindowStart, type OrderCount, type RequestBudget } from './request-budget.js';

/** ccxt.pro's Binance USDⓈ-M client (REST and websockets). */
export type BinanceClient = InstanceType<typeof ccxt.pro.binanceusdm>;

/**
 * One way to make ccxt's Binance USDⓈ-M client (`binanceusdm`, with ccxt.pro websockets) for every
 * part of the engine: the live venue, the live feed and `quantum data download`. `baseUrl` points
 * it at another server — the fake Binance in tests and `quantum fake-binance` — by rewriting the
 * REST roots (`/fapi/v1|v2|v3`, `/futures/data`) and the futures websocket root; everything else is
 * ccxt's own code path.
 */
export interface BinanceClientOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** `https://fapi.binance.com` by default; e.g. `http://127.0.0.1:8089` for the fake server. */
  readonly baseUrl?: string;
  /** Websocket root; defaults to `baseUrl` with `ws(s)://`. */
  readonly wsUrl?: string;
  /** Binance's demo-trading (testnet) endpoints. Ignored when `baseUrl` is set. */
  readonly testnet?: boolean;
  /** ms a signed request stays valid (Binance `recvWindow`, max 60000). */
  readonly recvWindowMs?: number;
  /** REST timeout, ms. */
  readonly timeoutMs?: number;
  /**
   * The request-weight budget every REST call waits on (`request-budget.ts`), in place of ccxt's
   * in-process limiter; give the same budget to every client of one API key. Without one, ccxt's
   * limiter paces requests and a 429 is the caller's to wait out.
   */
  readonly budget?: RequestBudget;
  /** With a budget: the longest 429/418 pause after which a request is sent again (default 10 min); past it, it fails. */
  readonly maxRateLimitWaitMs?: number;
}

const FAPI_ROOT = 'https://fapi.binance.com';

/** A ccxt.pro `binanceusdm` client; call `prepareBinanceClient` before using its websockets. */
export const createBinanceClient = (options: BinanceClientOptions = {}): BinanceClient => {
  const client = new ccxt.pro.binanceusdm({
    apiKey: options.apiKey,
    secret: options.secret,
    // The budget is the limiter when there is one: one count for every process, not ccxt's per client.
    enableRateLimit: options.budget === undefined,
    timeout: options.timeoutMs ?? 10_000,
    options: {
      // `fetchCurrencies` calls the spot wallet API (sapi), which a futures-only key may not reach.
      fetchCurrencies: false,
      recvWindow: options.recvWindowMs ?? 5_000,
      // Sync with the server's clock before signing (answers -1021 otherwise).
      adjustForTimeDifference: false,
      defaultType: 'swap',
    },
  });
  // ccxt schedules listenKey keep-alives (every 20 min) with plain timers: unref them, so a closed
  // client never keeps the process alive. The keep-alive still runs while the process does.
  const scheduled = client as unknown as {
    delay: (ms: number, method: unknown, ...args: unknown[]) => void;
    spawn: (method: unknown, ...args: unknown[]) => unknown;
  };
  scheduled.delay = (ms, method, ...args) => {
    wallTimer(() => scheduled.spawn(method, ...args), ms);
  };
  if (options.baseUrl !== undefined) {
    const base = options.baseUrl.replace(/\/+$/, '');
    const api = client.urls.api as Record<string, unknown>;
    for (const [name, url] of Object.entries(api)) {
      if (typeof url === 'string' && url.startsWith(FAPI_ROOT))
        api[name] = base + url.slice(FAPI_ROOT.length);
    }
    const ws = (api.ws ?? {}) as Record<string, unknown>;
    ws.future = `${options.wsUrl ?? base.replace(/^http/, 'ws')}/ws`;
    api.ws = ws;
  } else if (options.testnet === true) {
    client.enableDemoTrading(true);
  }
  if (options.budget !== undefined)
    budgetRestCalls(client, options.budget, options.maxRateLimitWaitMs ?? 10 * 60_000);
  return client;
};

// --- the request-weight budget ---------------------------------------------------------------------

/** One REST request under a budget: when it was granted, and what a 429/418 answer to it started. */
interface BudgetedCall {
  readonly sentAtMs: number;
  /** New orders the request places (0 for anything else). */
  readonly orders: number;
  refused?: { readonly paused: Promise<void>; readonly waitMs: number };
}

/**
 * The call the `fetch2` wrapper is handing to ccxt's `fetch`: ccxt's `fetch2` calls `fetch`
 * synchronously (its own limiter, the only await before it, is off under a budget), so the hand-off
 * never crosses another request. (AsyncLocalStorage would say the same, but on Node 20 it turns on
 * promise hooks for the whole process, a cost every stage of the engine would pay.)
 */
let handingOff: BudgetedCall | undefined;

/** A request's identity between `fetch` and `handleRestResponse` (a signed one is unique by its signature). */
const requestKeyOf = (method: string | undefined, url: string, body: unknown): string =>
  `${method ?? 'GET'} ${url}\n${typeof body === 'string' ? body : ''}`;

/** The budget of each budgeted client. */
const budgets = new WeakMap<BinanceClient, RequestBudget>();

/** POSTs that create orders: never sent again blindly (`CcxtExchange` looks the order up by client id first). */
const CREATES_ORDERS = new Set(['order', 'batchOrders', 'algoOrder']);
/** Binance's order-count headers and their windows (10-second one first). */
const ORDER_COUNT_HEADERS: readonly (readonly [string, number])[] = [
  ['x-mbx-order-count-10s', 10_000],
  ['x-mbx-order-count-1m', 60_000],
];

/** How many new orders a request places: one, or a batch's count. */
const ordersPlaced = (path: string, params: Record<string, unknown>): number => {
  if (path !== 'batchOrders') return 1;
  const batch = params.batchOrders;
  if (Array.isArray(batch)) return Math.max(1, batch.length);
  if (typeof batch === 'string') {
    try {
      const parsed: unknown = JSON.parse(batch);
      return Array.isArray(parsed) ? Math.max(1, parsed.length) : 1;
    } catch {
      return 1;
    }
  }
  return 1;
};
/** 429/418 answers waited out per request before its error goes to the caller. */
const RATE_LIMIT_RETRIES = 5;

/** exchangeInfo's `rateLimits`: the `REQUEST_WEIGHT` per minute the budget keeps below. */
const RateLimits = z.looseObject({
  rateLimits: z.array(
    z.looseObject({
      rateLimitType: z.string(),
      interval: z.string(),
      intervalNum: z.coerce.number(),
      limit: z.coerce.number(),
    }),
  ),
});

const headerOf = (headers: Record<string, unknown>, name: string): string | undefined => {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return String(value);
  return undefined;
};

/**
 * A header of the HTTP response ccxt hands to `handleRestResponse` (`name` in lower case): a plain
 * object of lower-case names from undici, or a fetch `Headers`. Read directly, not through ccxt's
 * `getResponseHeaders`, which copies every header of every answer.
 */
const responseHeaderOf = (response: { headers?: unknown }, name: string): string | undefined => {
  const headers = response.headers as { get?: (name: string) => string | null } | Record<string, unknown>;
  if (headers === undefined || headers === null) return undefined;
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
};

/**
 * An answer's weight count (`X-MBX-USED-WEIGHT-1M`) to the budget; a 429/418 pauses it for
 * `Retry-After`. `calls` are the requests in flight that look like this one (identical public
 * requests sent together): the count goes with the earliest sent, a refusal marks them all.
 */
const noteAnswer = (
  budget: RequestBudget,
  calls: readonly BudgetedCall[],
  response: { status?: number; headers?: unknown },
): void => {
  const usedHeader = responseHeaderOf(response, 'x-mbx-used-weight-1m');
  const used = Number(usedHeader);
  if (usedHeader !== undefined && Number.isFinite(used)) void budget.observe(used, calls[0].sentAtMs);
  const counts: OrderCount[] = [];
  for (const [header, windowMs] of ORDER_COUNT_HEADERS) {
    const count = Number(responseHeaderOf(response, header));
    if (Number.isFinite(count) && count > 0) counts.push({ windowMs, count });
  }
  if (counts.length > 0) void budget.observeOrders(counts, calls[0].sentAtMs);
  if (response.status !== 429 && response.status !== 418) return;
  const now = budget.now();
  const retryAfter = responseHeaderOf(response, 'retry-after');
  if (response.status === 429 && retryAfter === undefined && calls[0].orders > 0) {
    // An order-count refusal (-1015) names no Retry-After and stops only new orders: they wait for
    // the next 10-second window (the minute's limit, if that was it, holds them on its own).
    const until = nextWindowStart(now, ORDER_COUNT_HEADERS[0][1]);
    const refused = { waitMs: until - now, paused: budget.pauseOrders(until) };
    for (const call of calls) call.refused = refused;
    return;
  }
  const seconds = Number(retryAfter);
  const until =
    retryAfter !== undefined && Number.isFinite(seconds) && seconds >= 0
      ? now + seconds * 1000
      : nextWindowStart(now);
  const refused = { waitMs: until - now, paused: budget.pause(until) };
  for (const call of calls) call.refused = refused;
};

/**
 * Every REST call of `client` through `budget`, at ccxt's extension points: `fetch2` (one per
 * request: weight from ccxt's endpoint table, `acquire` before it goes), `fetch` (the signed URL
 * and body that name the request) and `handleRestResponse` (each answer's headers: the used-weight
 * count, a 429/418's `Retry-After`). A request refused with 429/418 is sent again once the pause
 * ends — except order creation, which fails to the caller (it looks the order up by client id
 * before sending it again).
 */
const budgetRestCalls = (client: BinanceClient, budget: RequestBudget, maxWaitMs: number): void => {
  budgets.set(client, budget);
  const fetch2 = client.fetch2.bind(client);
  const fetch = client.fetch.bind(client);
  const handleRestResponse = client.handleRestResponse.bind(client);
  const inFlight = new Map<string, BudgetedCall[]>();
  client.fetch = (url: string, method?: string, headers?: unknown, body?: unknown) => {
    const call = handingOff;
    handingOff = undefined;
    if (call === undefined) return fetch(url, method, headers, body);
    const key = requestKeyOf(method, url, body);
    inFlight.set(key, [...(inFlight.get(key) ?? []), call]);
    return fetch(url, method, headers, body).finally(() => {
      const left = (inFlight.get(key) ?? []).filter((other) => other !== call);
      if (left.length === 0) inFlight.delete(key);
      else inFlight.set(key, left);
    });
  };
  client.handleRestResponse = (
    response: { status?: number; headers?: unknown },
    url: string,
    method?: string,
    requestHeaders?: unknown,
    requestBody?: unknown,
  ) => {
    const calls = inFlight.get(requestKeyOf(method, url, requestBody));
    if (calls !== undefined && calls.length > 0) noteAnswer(budget, calls, response);
    return handleRestResponse(response, url, method, requestHeaders, requestBody);
  };
  client.fetch2 = async (
    path: string,
    api: unknown = 'public',
    method = 'GET',
    params: Record<string, unknown> = {},
    headers?: unknown,
    body?: unknown,
    config: Record<string, unknown> = {},
  ) => {
    const cost = Number(client.calculateRateLimiterCost(api, method, path, params, config));
    const weight = Number.isFinite(cost) && cost >= 0 ? Math.ceil(cost) : 1;
    const createsOrder = method === 'POST' && CREATES_ORDERS.has(path);
    const orders = createsOrder ? ordersPlaced(path, params) : 0;
    for (let attempt = 0; ; attempt++) {
      const call: BudgetedCall = { sentAtMs: await budget.acquire(weight, orders), orders };
      try {
        handingOff = call;
        let sent: Promise<unknown>;
        try {
          sent = fetch2(path, api, method, params, headers, body, config);
        } finally {
          handingOff = undefined;
        }
        const answer = await sent;
        if (api === 'fapiPublic' && path === 'exchangeInfo') learnWeightLimit(budget, answer);
        return answer;
      } catch (error) {
        const refused = call.refused;
        if (refused === undefined) throw error;
        await refused.paused;
        if (createsOrder || refused.waitMs > maxWaitMs || attempt >= RATE_LIMIT_RETRIES) throw error;
      }
    }
  };
};

/** exchangeInfo states the weight limit per minute (Binance may change it; the fake server sets it). */
const learnWeightLimit = (budget: RequestBudget, answer: unknown): void => {
  const parsed = RateLimits.safeParse(answer);
  if (!parsed.success) return;
  const weight = parsed.data.rateLimits.find(
    (limit) =>
      limit.rateLimitType === 'REQUEST_WEIGHT' && limit.interval === 'MINUTE' && limit.intervalNum === 1,
  );
  if (weight !== undefined) budget.setLimit(weight.limit);
  const unitMs: Record<string, number> = { SECOND: 1_000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
  const orders = parsed.data.rateLimits.flatMap((limit) =>
    limit.rateLimitType === 'ORDERS' && unitMs[limit.interval] !== undefined
      ? [{ windowMs: limit.intervalNum * (unitMs[limit.interval] ?? 0), limit: limit.limit }]
      : [],
  );
  // Only windows the budget can keep (fixed windows of at most a minute: 10 s and 1 min on USDⓈ-M).
  const kept = orders.filter((o) => o.windowMs <= 60_000).sort((a, b) => a.windowMs - b.windowMs);
  if (kept.length > 0) budget.setOrderLimits(kept);
};

/**
 * How long a caller should wait after a 429/418 before its next request: nothing with a budget
 * (the budget holds that request until `Retry-After` ends), else the last answer's `Retry-After`
 * (a minute when it names none).
 */
export const rateLimitWaitMs = (client: BinanceClient): number => {
  if (budgets.has(client)) return 0;
  const headers = (client.last_response_headers ?? {}) as Record<string, unknown>;
  const retryAfter = headerOf(headers, 'retry-after');
  const seconds = Number(retryAfter);
  return retryAfter !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 60_000;
};

/** ccxt refuses plain `ws://` until its HTTP agent is loaded (the fake server speaks plain ws). */
export const prepareBinanceClient = async (client: BinanceClient): Promise<void> => {
  await client.loadHttpProxyAgent();
};

/** ccxt's unified symbol of a Binance USDⓈ-M perpetual id (`BTCUSDT` → `BTC/USDT:USDT`). */
export const unifiedSymbol = (client: BinanceClient, id: string): string => {
  const market = client.markets_by_id?.[id]?.[0];
  if (market !== undefined) return market.symbol;
  if (!id.endsWith('USDT')) throw new Error(`${id}: not a USDT-margined perpetual id`);
  return `${id.slice(0, -4)}/USDT:USDT`;
};

/**
 * Close a client's websockets. ccxt rejects every pending future of every connection with
 * `ExchangeClosedByUser`, including ones nobody awaits (the never-dialed connection it keeps for
 * listenKey requests): they are marked handled first, so closing never raises an unhandled rejection.
 */
export const closeBinanceClient = async (client: BinanceClient): Promise<void> => {
  const ignore = (): void => undefined;
  for (const connection of Object.values(
    (client.clients ?? {}) as Record<
      string,
      { connected?: Promise<unknown>; futures?: Record<string, Promise<unknown>> }
    >,
  )) {
    connection.connected?.catch?.(ignore);
    for (const future of Object.values(connection.futures ?? {})) future.catch?.(ignore);
  }
  await client.close().catch(ignore);
};

/**
 * Forget websocket connections that closed with an error. ccxt keeps such a connection in its
 * table (its close handler skips the clean-up when the close set an error), so the next `watch…`
 * would reuse a dead socket and wait forever; call this before watching again after a failure.
 */
export const forgetClosedConnections = (client: BinanceClient): void => {
  const table = (client.clients ?? {}) as Record<
    string,
    { error?: unknown; connection?: { readyState?: number } }
  >;
  for (const [url, entry] of Object.entries(table)) {
    // A connection that was never dialed (ccxt's listenKey bookkeeping) has no socket: keep it.
    if (entry.connection === undefined) continue;
    const closing = entry.connection.readyState !== undefined && entry.connection.readyState >= 2;
    if (entry.error !== undefined || closing) delete table[url];
  }
};
