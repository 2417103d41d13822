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
 * Two implementations with the same rules: in-process (one process, or tests) and Redis-shared
 * (services split over processes), where the counts and the pause live in Redis keys named by a
 * hash of the API key — never the key itself.
 */

/** Binance's `REQUEST_WEIGHT` window. */
export const WEIGHT_WINDOW_MS = 60_000;
/** Binance USDⓈ-M's request weight per minute (exchangeInfo `rateLimits`), until exchangeInfo says otherwise. */
export const BINANCE_WEIGHT_LIMIT = 2_400;

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
}

export interface RequestBudget {
  /** `in-process` or `redis`. */
  readonly kind: 'in-process' | 'redis';
  readonly stats: Readonly<RequestBudgetStats>;
  /** The weight per minute it keeps below (times `margin`). */
  readonly limitPerMinute: number;
  /** The budget's clock (times passed to `observe` and `pause` are on it). */
  now(): number;
  /** Waits until `weight` fits in the current minute and no pause holds, counts it, and returns the time it was granted. */
  acquire(weight: number): Promise<number>;
  /** Binance's `X-MBX-USED-WEIGHT-1M` of an answer to a request granted at `sentAtMs`. */
  observe(usedWeight: number, sentAtMs: number): Promise<void>;
  /** Holds every `acquire` until `untilMs` (plus the edge allowance): after a 429 or 418. */
  pause(untilMs: number): Promise<void>;
  /** Binance's weight limit per minute, as exchangeInfo states it. */
  setLimit(weightPerMinute: number): void;
}

// --- the rules both implementations keep -----------------------------------------------------------
// Exported for `redis-request-budget.ts` (the Redis-shared implementation), not for callers.

/** The minutes a request at `t` counts in: one, or two within `edgeMs` of an edge. */
export const windowsAt = (t: number, edgeMs: number): readonly [number, number] => [
  Math.floor((t - edgeMs) / WEIGHT_WINDOW_MS),
  Math.floor((t + edgeMs) / WEIGHT_WINDOW_MS),
];

/** When a full minute stops holding requests back: the next one has begun, past the edge. */
export const freeAt = (window: number, edgeMs: number): number => (window + 1) * WEIGHT_WINDOW_MS + edgeMs;

/** Start of the minute after `t` (how long to pause on a 429 that names no `Retry-After`). */
export const nextWindowStart = (t: number): number =>
  (Math.floor(t / WEIGHT_WINDOW_MS) + 1) * WEIGHT_WINDOW_MS;

/** The one minute both a request's send and its answer fall in, or undefined (near an edge). */
export const windowOfAnswer = (
  sentAtMs: number,
  answeredAtMs: number,
  edgeMs: number,
): number | undefined => {
  const first = windowsAt(sentAtMs, edgeMs)[0];
  return first === windowsAt(answeredAtMs, edgeMs)[1] ? first : undefined;
};

export interface Settings {
  readonly margin: number;
  readonly edgeMs: number;
  readonly clock: BudgetClock;
  limitPerMinute: number;
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
  };
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
});

/**
 * The wait shared by both implementations: ask `tryTake` (undefined: granted; a time: not before
 * then), sleep until the time it names, ask again.
 */
export const acquireWith = async (
  settings: Settings,
  stats: RequestBudgetStats,
  weight: number,
  tryTake: (now: number, weight: number) => Promise<number | undefined> | number | undefined,
): Promise<number> => {
  const { clock } = settings;
  let waitedFrom: number | undefined;
  for (;;) {
    const now = clock.now();
    const retryAt = await tryTake(now, weight);
    if (retryAt === undefined) {
      stats.granted++;
      stats.weight += weight;
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

/** The minute counts and the pause of one process. */
export interface LocalState {
  readonly used: Map<number, number>;
  pausedUntil: number;
}

/** `acquire`'s decision on local counts: undefined (granted and counted) or when to ask again. */
export const takeLocally = (
  state: LocalState,
  settings: Settings,
  now: number,
  weight: number,
): number | undefined => {
  if (now < state.pausedUntil) return state.pausedUntil;
  const [first, second] = windowsAt(now, settings.edgeMs);
  const cap = capOf(settings);
  const usedFirst = state.used.get(first) ?? 0;
  const usedSecond = state.used.get(second) ?? 0;
  // A weight over the whole cap still goes, alone in an empty minute.
  if (usedSecond > 0 && usedSecond + weight > cap) return freeAt(second, settings.edgeMs);
  if (usedFirst > 0 && usedFirst + weight > cap) return freeAt(first, settings.edgeMs);
  state.used.set(first, usedFirst + weight);
  if (second !== first) state.used.set(second, usedSecond + weight);
  // Minutes before the current ones are done with.
  for (const window of state.used.keys()) if (window < first) state.used.delete(window);
  return undefined;
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
  const state: LocalState = { used: new Map(), pausedUntil: 0 };
  return {
    kind: 'in-process',
    stats,
    get limitPerMinute() {
      return settings.limitPerMinute;
    },
    now: () => settings.clock.now(),
    acquire: (weight) =>
      acquireWith(settings, stats, weight, (now, w) => takeLocally(state, settings, now, w)),
    observe: async (usedWeight, sentAtMs) => observeLocally(state, settings, usedWeight, sentAtMs),
    pause: async (untilMs) => {
      stats.pauses++;
      state.pausedUntil = Math.max(state.pausedUntil, untilMs + settings.edgeMs);
    },
    setLimit: (weightPerMinute) => setLimitOf(settings, weightPerMinute),
  };
};
