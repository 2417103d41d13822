import { ConfigError } from '../domain/index.js';
import { wallNow, wallSleep } from '../kernel/clock.js';

/**
 * Binance's request-weight limit, kept for every process that uses one API key (issue #16, item 3).
 *
 * Binance counts the weight of every REST request in fixed one-minute windows (`REQUEST_WEIGHT`,
 * 2400 a minute on USDⓈ-M), reports the minute's total in `X-MBX-USED-WEIGHT-1M`, answers 429 with
 * `Retry-After` past the limit, and bans (418, from 2 minutes, doubling) a client that keeps sending
 * before `Retry-After` ends. A budget is what every REST call of our ccxt clients waits on
 * (`createBinanceClient({ budget })`):
 *
 * - `acquire(weight)` waits until the weight fits in the current minute below `margin` (90 %) of
 *   the limit, and counts it. A request within `edgeMs` of a minute's edge counts in both minutes,
 *   so a clock a little off Binance's, or a slow request, never lands more than the budget in one
 *   of Binance's minutes.
 * - `observe(used, sentAtMs)` raises the minute's count to what Binance reports (requests the
 *   budget cannot see: other tools on the same IP, weights ccxt underestimates); it never lowers it.
 * - `pause(untilMs)` after a 429 or 418 holds every `acquire` until then (plus `edgeMs`): nothing is
 *   sent before `Retry-After` ends, which is what keeps a 429 from becoming a 418.
 *
 * New orders are counted the same way against Binance's order-count limits per account (`ORDERS`:
 * 300 per 10 s and 1200 per minute on USDⓈ-M): `acquire(weight, orders)` also waits until the
 * orders fit in the current 10-second window and minute, `observeOrders` raises the counts to
 * Binance's `X-MBX-ORDER-COUNT-*`, and `pauseOrders` holds only new orders (an order-count 429,
 * `-1015`, has no `Retry-After` and does not stop the other requests).
 *
 * Two implementations with the same rules: in-process (one process, or tests) and Redis-shared
 * (services split over processes), where the counts and the pause live in Redis keys named by a
 * hash of the API key — never the key itself.
 */

/** Binance's `REQUEST_WEIGHT` window. */
export const WEIGHT_WINDOW_MS = 60_000;
/** Binance USDⓈ-M's request weight per minute (exchangeInfo `rateLimits`), until exchangeInfo says otherwise. */
export const BINANCE_WEIGHT_LIMIT = 2_400;

/** An order-count limit: at most `limit` new orders in each fixed window of `windowMs`. */
export interface OrderLimit {
  readonly windowMs: number;
  readonly limit: number;
}

/** Binance USDⓈ-M's order-count limits per account (exchangeInfo `rateLimits`, type `ORDERS`). */
export const BINANCE_ORDER_LIMITS: readonly OrderLimit[] = [
  { windowMs: 10_000, limit: 300 },
  { windowMs: 60_000, limit: 1_200 },
];

/** An answer's order count (`X-MBX-ORDER-COUNT-10S`, `-1M`) in the window of `windowMs`. */
export interface OrderCount {
  readonly windowMs: number;
  readonly count: number;
}

/** The time a budget keeps and waits on: wall time live; tests run it faster. */
export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Wall time (`kernel/clock`): what every budget uses unless a test says otherwise. */
export const WALL_BUDGET_CLOCK: BudgetClock = { now: wallNow, sleep: wallSleep };

// The Redis-shared implementation lives in `redis-request-budget.ts`; re-exported here so callers
// import every budget from this module.
export {
  budgetIdOf,
  budgetKeysOf,
  type RedisRequestBudgetOptions,
  redisRequestBudget,
} from './redis-request-budget.js';

export interface RequestBudgetOptions {
  /** Binance's weight limit per minute until `setLimit` (exchangeInfo) says otherwise; default 2400. */
  readonly limitPerMinute?: number;
  /** Binance's order-count limits until `setOrderLimits` (exchangeInfo) says otherwise; default `BINANCE_ORDER_LIMITS`. */
  readonly orderLimits?: readonly OrderLimit[];
  /** Share of the limit handed out (default 0.9): room for what the budget learns late or never sees. */
  readonly margin?: number;
  /** A request this close to a minute's edge counts in both minutes, ms (default 1000). */
  readonly edgeMs?: number;
  readonly clock?: BudgetClock;
}

/** What a budget has done, for reports and benchmarks. */
export interface RequestBudgetStats {
  /** Requests let through, and their weight. */
  granted: number;
  weight: number;
  /** Requests that had to wait (a full minute or a pause), and how long they waited in all, ms. */
  waits: number;
  waitedMs: number;
  /** 429/418 answers that paused the budget. */
  pauses: number;
  /** New orders let through, and order-count refusals (-1015) that paused new orders. */
  orders: number;
  orderPauses: number;
}

export interface RequestBudget {
  /** `in-process` or `redis`. */
  readonly kind: 'in-process' | 'redis';
  readonly stats: Readonly<RequestBudgetStats>;
  /** The weight per minute it keeps below (times `margin`). */
  readonly limitPerMinute: number;
  /** The budget's clock (times passed to `observe` and `pause` are on it). */
  now(): number;
  /**
   * Waits until `weight` fits in the current minute (and `orders` new orders in every order-count
   * window) and no pause holds, counts them, and returns the time it was granted.
   */
  acquire(weight: number, orders?: number): Promise<number>;
  /** Binance's `X-MBX-USED-WEIGHT-1M` of an answer to a request granted at `sentAtMs`. */
  observe(usedWeight: number, sentAtMs: number): Promise<void>;
  /** Binance's `X-MBX-ORDER-COUNT-*` of an answer to an order granted at `sentAtMs`. */
  observeOrders(counts: readonly OrderCount[], sentAtMs: number): Promise<void>;
  /** Holds every `acquire` until `untilMs` (plus the edge allowance): after a 429 or 418. */
  pause(untilMs: number): Promise<void>;
  /** Holds every `acquire` of new orders until `untilMs` (plus the edge allowance): after a -1015. */
  pauseOrders(untilMs: number): Promise<void>;
  /** Binance's weight limit per minute, as exchangeInfo states it. */
  setLimit(weightPerMinute: number): void;
  /** Binance's order-count limits, as exchangeInfo states them. */
  setOrderLimits(limits: readonly OrderLimit[]): void;
}

// --- the rules both implementations keep -----------------------------------------------------------
// Exported for `redis-request-budget.ts` (the Redis-shared implementation), not for callers.

/** The windows (minutes, unless `windowMs` says otherwise) a request at `t` counts in: one, or two within `edgeMs` of an edge. */
export const windowsAt = (
  t: number,
  edgeMs: number,
  windowMs = WEIGHT_WINDOW_MS,
): readonly [number, number] => [Math.floor((t - edgeMs) / windowMs), Math.floor((t + edgeMs) / windowMs)];

/** When a full window stops holding requests back: the next one has begun, past the edge. */
export const freeAt = (window: number, edgeMs: number, windowMs = WEIGHT_WINDOW_MS): number =>
  (window + 1) * windowMs + edgeMs;

/** Start of the window (minute) after `t` (how long to pause on a 429 that names no `Retry-After`). */
export const nextWindowStart = (t: number, windowMs = WEIGHT_WINDOW_MS): number =>
  (Math.floor(t / windowMs) + 1) * windowMs;

/** The one window both a request's send and its answer fall in, or undefined (near an edge). */
export const windowOfAnswer = (
  sentAtMs: number,
  answeredAtMs: number,
  edgeMs: number,
  windowMs = WEIGHT_WINDOW_MS,
): number | undefined => {
  const first = windowsAt(sentAtMs, edgeMs, windowMs)[0];
  return first === windowsAt(answeredAtMs, edgeMs, windowMs)[1] ? first : undefined;
};

export interface Settings {
  readonly margin: number;
  readonly edgeMs: number;
  readonly clock: BudgetClock;
  limitPerMinute: number;
  orderLimits: readonly OrderLimit[];
}

export const settingsOf = (options: RequestBudgetOptions): Settings => {
  const margin = options.margin ?? 0.9;
  if (!(margin > 0 && margin <= 1))
    throw new ConfigError(
      `request budget: margin ${margin} is not in (0, 1]; 0.9 keeps a tenth of the limit spare`,
    );
  return {
    margin,
    edgeMs: options.edgeMs ?? 1_000,
    clock: options.clock ?? WALL_BUDGET_CLOCK,
    limitPerMinute: options.limitPerMinute ?? BINANCE_WEIGHT_LIMIT,
    orderLimits: options.orderLimits ?? BINANCE_ORDER_LIMITS,
  };
};

/** The orders a window of `limit` may hold (at least 1). */
export const orderCapOf = (settings: Settings, limit: OrderLimit): number =>
  Math.max(1, Math.floor(limit.limit * settings.margin));

export const setOrderLimitsOf = (settings: Settings, limits: readonly OrderLimit[]): void => {
  const valid = limits.filter((l) => Number.isFinite(l.limit) && l.limit > 0 && l.windowMs > 0);
  if (valid.length > 0) settings.orderLimits = valid.map((l) => ({ windowMs: l.windowMs, limit: l.limit }));
};

/** The weight a minute may hold (at least 1, so a request always goes eventually). */
export const capOf = (settings: Settings): number =>
  Math.max(1, Math.floor(settings.limitPerMinute * settings.margin));

export const setLimitOf = (settings: Settings, weightPerMinute: number): void => {
  if (Number.isFinite(weightPerMinute) && weightPerMinute > 0) settings.limitPerMinute = weightPerMinute;
};

export const newStats = (): RequestBudgetStats => ({
  granted: 0,
  weight: 0,
  waits: 0,
  waitedMs: 0,
  pauses: 0,
  orders: 0,
  orderPauses: 0,
});

/**
 * The wait shared by both implementations: ask `tryTake` (undefined: granted; a time: not before
 * then), sleep until the time it names, ask again.
 */
export const acquireWith = async (
  settings: Settings,
  stats: RequestBudgetStats,
  weight: number,
  orders: number,
  tryTake: (now: number, weight: number, orders: number) => Promise<number | undefined> | number | undefined,
): Promise<number> => {
  const { clock } = settings;
  let waitedFrom: number | undefined;
  for (;;) {
    const now = clock.now();
    const retryAt = await tryTake(now, weight, orders);
    if (retryAt === undefined) {
      stats.granted++;
      stats.weight += weight;
      stats.orders += orders;
      if (waitedFrom !== undefined) stats.waitedMs += now - waitedFrom;
      return now;
    }
    if (waitedFrom === undefined) {
      waitedFrom = now;
      stats.waits++;
    }
    await clock.sleep(Math.max(1, retryAt - clock.now()));
  }
};

// --- in-process ------------------------------------------------------------------------------------

/** The minute counts, the order counts (per window length, per window) and the pauses of one process. */
export interface LocalState {
  readonly used: Map<number, number>;
  pausedUntil: number;
  readonly orders: Map<number, Map<number, number>>;
  ordersPausedUntil: number;
}

export const newLocalState = (): LocalState => ({
  used: new Map(),
  pausedUntil: 0,
  orders: new Map(),
  ordersPausedUntil: 0,
});

/** `acquire`'s decision on local counts: undefined (granted and counted) or when to ask again. */
export const takeLocally = (
  state: LocalState,
  settings: Settings,
  now: number,
  weight: number,
  orders = 0,
): number | undefined => {
  if (now < state.pausedUntil) return state.pausedUntil;
  if (orders > 0 && now < state.ordersPausedUntil) return state.ordersPausedUntil;
  const { edgeMs } = settings;
  const [first, second] = windowsAt(now, edgeMs);
  const cap = capOf(settings);
  const usedFirst = state.used.get(first) ?? 0;
  const usedSecond = state.used.get(second) ?? 0;
  // A weight over the whole cap still goes, alone in an empty minute.
  if (usedSecond > 0 && usedSecond + weight > cap) return freeAt(second, edgeMs);
  if (usedFirst > 0 && usedFirst + weight > cap) return freeAt(first, edgeMs);
  if (orders > 0) {
    for (const limit of settings.orderLimits) {
      const counts = state.orders.get(limit.windowMs);
      const [a, b] = windowsAt(now, edgeMs, limit.windowMs);
      const orderCap = orderCapOf(settings, limit);
      const inA = counts?.get(a) ?? 0;
      const inB = counts?.get(b) ?? 0;
      if (inB > 0 && inB + orders > orderCap) return freeAt(b, edgeMs, limit.windowMs);
      if (inA > 0 && inA + orders > orderCap) return freeAt(a, edgeMs, limit.windowMs);
    }
  }
  state.used.set(first, usedFirst + weight);
  if (second !== first) state.used.set(second, usedSecond + weight);
  // Minutes before the current ones are done with.
  for (const window of state.used.keys()) if (window < first) state.used.delete(window);
  if (orders > 0) {
    for (const limit of settings.orderLimits) {
      const counts = state.orders.get(limit.windowMs) ?? new Map<number, number>();
      state.orders.set(limit.windowMs, counts);
      const [a, b] = windowsAt(now, edgeMs, limit.windowMs);
      counts.set(a, (counts.get(a) ?? 0) + orders);
      if (b !== a) counts.set(b, (counts.get(b) ?? 0) + orders);
      for (const window of counts.keys()) if (window < a) counts.delete(window);
    }
  }
  return undefined;
};

/** Raise local order counts to Binance's (never lower them). */
export const observeOrdersLocally = (
  state: LocalState,
  settings: Settings,
  counts: readonly OrderCount[],
  sentAtMs: number,
): { windowMs: number; window: number; count: number }[] => {
  const raised: { windowMs: number; window: number; count: number }[] = [];
  for (const { windowMs, count } of counts) {
    if (!settings.orderLimits.some((l) => l.windowMs === windowMs)) continue;
    const window = windowOfAnswer(sentAtMs, settings.clock.now(), settings.edgeMs, windowMs);
    if (window === undefined) continue;
    const known = state.orders.get(windowMs) ?? new Map<number, number>();
    state.orders.set(windowMs, known);
    if (!(count > (known.get(window) ?? 0))) continue;
    known.set(window, count);
    raised.push({ windowMs, window, count });
  }
  return raised;
};

export const observeLocally = (
  state: LocalState,
  settings: Settings,
  usedWeight: number,
  sentAtMs: number,
): void => {
  const window = windowOfAnswer(sentAtMs, settings.clock.now(), settings.edgeMs);
  if (window === undefined || !(usedWeight > (state.used.get(window) ?? 0))) return;
  state.used.set(window, usedWeight);
};

/**
 * A budget for one process: every client given it (the venue's and the feed's) shares its minute
 * counts and its pause. See the file comment for the rules.
 */
export const inProcessRequestBudget = (options: RequestBudgetOptions = {}): RequestBudget => {
  const settings = settingsOf(options);
  const stats = newStats();
  const state = newLocalState();
  return {
    kind: 'in-process',
    stats,
    get limitPerMinute() {
      return settings.limitPerMinute;
    },
    now: () => settings.clock.now(),
    acquire: (weight, orders = 0) =>
      acquireWith(settings, stats, weight, orders, (now, w, o) => takeLocally(state, settings, now, w, o)),
    observe: async (usedWeight, sentAtMs) => observeLocally(state, settings, usedWeight, sentAtMs),
    observeOrders: async (counts, sentAtMs) => {
      observeOrdersLocally(state, settings, counts, sentAtMs);
    },
    pause: async (untilMs) => {
      stats.pauses++;
      state.pausedUntil = Math.max(state.pausedUntil, untilMs + settings.edgeMs);
    },
    pauseOrders: async (untilMs) => {
      stats.orderPauses++;
      state.ordersPausedUntil = Math.max(state.ordersPausedUntil, untilMs + settings.edgeMs);
    },
    setLimit: (weightPerMinute) => setLimitOf(settings, weightPerMinute),
    setOrderLimits: (limits) => setOrderLimitsOf(settings, limits),
  };
};
