import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigError } from '../domain/index.js';
import { wallNow, wallSleep, wallTimer } from '../kernel/clock.js';

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

/** The minutes a request at `t` counts in: one, or two within `edgeMs` of an edge. */
const windowsAt = (t: number, edgeMs: number): readonly [number, number] => [
  Math.floor((t - edgeMs) / WEIGHT_WINDOW_MS),
  Math.floor((t + edgeMs) / WEIGHT_WINDOW_MS),
];

/** When a full minute stops holding requests back: the next one has begun, past the edge. */
const freeAt = (window: number, edgeMs: number): number => (window + 1) * WEIGHT_WINDOW_MS + edgeMs;

/** Start of the minute after `t` (how long to pause on a 429 that names no `Retry-After`). */
export const nextWindowStart = (t: number): number =>
  (Math.floor(t / WEIGHT_WINDOW_MS) + 1) * WEIGHT_WINDOW_MS;

/** The one minute both a request's send and its answer fall in, or undefined (near an edge). */
const windowOfAnswer = (sentAtMs: number, answeredAtMs: number, edgeMs: number): number | undefined => {
  const first = windowsAt(sentAtMs, edgeMs)[0];
  return first === windowsAt(answeredAtMs, edgeMs)[1] ? first : undefined;
};

interface Settings {
  readonly margin: number;
  readonly edgeMs: number;
  readonly clock: BudgetClock;
  limitPerMinute: number;
}

const settingsOf = (options: RequestBudgetOptions): Settings => {
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
const capOf = (settings: Settings): number =>
  Math.max(1, Math.floor(settings.limitPerMinute * settings.margin));

const setLimitOf = (settings: Settings, weightPerMinute: number): void => {
  if (Number.isFinite(weightPerMinute) && weightPerMinute > 0) settings.limitPerMinute = weightPerMinute;
};

const newStats = (): RequestBudgetStats => ({ granted: 0, weight: 0, waits: 0, waitedMs: 0, pauses: 0 });

/**
 * The wait shared by both implementations: ask `tryTake` (undefined: granted; a time: not before
 * then), sleep until the time it names, ask again.
 */
const acquireWith = async (
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
interface LocalState {
  readonly used: Map<number, number>;
  pausedUntil: number;
}

/** `acquire`'s decision on local counts: undefined (granted and counted) or when to ask again. */
const takeLocally = (
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

const observeLocally = (
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

// --- Redis-shared ----------------------------------------------------------------------------------

/**
 * acquire: KEYS pause, first minute, second minute (the same key away from an edge);
 * ARGV now, weight, cap, free-at of the first minute, free-at of the second, key TTL (ms).
 * Returns {1, the second minute's count} when granted (both minutes counted), else {0, when to ask again}.
 */
const ACQUIRE_SCRIPT = `
local now = tonumber(ARGV[1])
local weight = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then return {0, paused} end
local usedFirst = tonumber(redis.call('GET', KEYS[2]) or '0')
local usedSecond = usedFirst
if KEYS[3] ~= KEYS[2] then usedSecond = tonumber(redis.call('GET', KEYS[3]) or '0') end
if usedSecond > 0 and usedSecond + weight > cap then return {0, tonumber(ARGV[5])} end
if usedFirst > 0 and usedFirst + weight > cap then return {0, tonumber(ARGV[4])} end
local counted = redis.call('INCRBY', KEYS[2], weight)
redis.call('PEXPIRE', KEYS[2], ARGV[6])
if KEYS[3] ~= KEYS[2] then
  counted = redis.call('INCRBY', KEYS[3], weight)
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
end
return {1, counted}
`;

/** observe: KEYS the minute; ARGV Binance's count, key TTL (ms). Raises, never lowers. */
const OBSERVE_SCRIPT = `
local used = tonumber(ARGV[1])
if used > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], used, 'PX', ARGV[2])
end
return 0
`;

/** pause: KEYS the pause; ARGV until (ms), now (ms). Extends, never shortens. */
const PAUSE_SCRIPT = `
local untilMs = tonumber(ARGV[1])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', math.max(1, untilMs - tonumber(ARGV[2])))
end
return 0
`;

interface Script {
  readonly source: string;
  readonly sha: string;
}
const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});
const SCRIPTS = {
  acquire: script(ACQUIRE_SCRIPT),
  observe: script(OBSERVE_SCRIPT),
  pause: script(PAUSE_SCRIPT),
};

/**
 * The hash that names a budget's keys: of the venue's REST root and the API key (or `public`).
 * Sixteen hex digits of SHA-256: the key never reaches Redis, in a key name or anywhere else.
 */
export const budgetIdOf = (apiKey: string | undefined, venue = 'https://fapi.binance.com'): string =>
  createHash('sha256')
    .update(`binanceusdm\n${venue}\n${apiKey ?? 'public'}`)
    .digest('hex')
    .slice(0, 16);

/** The Redis keys of a budget: one hash tag, so they share a Redis Cluster slot (one script touches them all). */
export const budgetKeysOf = (
  budgetId: string,
  prefix = 'quantum:',
): { readonly pause: string; minute(window: number): string } => {
  const base = `${prefix}{request-weight:${budgetId}}`;
  return { pause: `${base}:pause`, minute: (window) => `${base}:minute:${window}` };
};

/** How long a process keeps its own budget after Redis failed to answer, before asking Redis again. */
const REDIS_RETRY_MS = 5_000;

export interface RedisRequestBudgetOptions extends RequestBudgetOptions {
  /** A connection (`connectRedis`); the budget never closes it. */
  readonly redis: Redis;
  /** `budgetIdOf(apiKey, venue)`: processes with the same id share one budget. */
  readonly budgetId: string;
  /** What the keys start with (`keyspace().prefix`); default `quantum:`. */
  readonly prefix?: string;
  /** A Redis answer slower than this (ms, default 2000) counts as Redis being away. */
  readonly redisTimeoutMs?: number;
  /** Told once when Redis is away (the process then keeps a budget of its own) and once when it is back. */
  readonly onWarning?: (message: string) => void;
}

/**
 * A budget shared through Redis by every process given the same `budgetId`: each minute's count is
 * a key incremented by a Lua script that checks the cap and the pause in the same step (so
 * concurrent processes never both take the last of a minute), the pause is a key with an expiry.
 * A pause is also kept locally, so this process stops at once, before Redis has it.
 *
 * When Redis does not answer (down, or slower than `redisTimeoutMs`), the process falls back on an
 * in-process budget with the same settings for 5 s at a time and says so through `onWarning`; it
 * goes back to Redis on the first call after that which Redis answers. Keys expire on their own (two minutes after their minute).
 */
export const redisRequestBudget = (options: RedisRequestBudgetOptions): RequestBudget => {
  const settings = settingsOf(options);
  const stats = newStats();
  const { redis } = options;
  const keys = budgetKeysOf(options.budgetId, options.prefix);
  const ttlMs = 2 * WEIGHT_WINDOW_MS + 2 * settings.edgeMs;
  const timeoutMs = options.redisTimeoutMs ?? 2_000;
  // The fallback while Redis is away, and the pause this process knows of.
  const local: LocalState = { used: new Map(), pausedUntil: 0 };
  // Each minute's shared count as Redis last told it: a Binance count no higher needs no Redis call.
  const known = new Map<number, number>();
  let away = false;
  // While Redis is away, it is asked again only after this (wall time): no request waits on it meanwhile.
  let askAgainAt = 0;

  const run = (which: Script, keyList: readonly string[], args: readonly (string | number)[]) =>
    redis.evalsha(which.sha, keyList.length, ...keyList, ...args).catch((error: unknown) => {
      // The server lost its script cache (a restart): send the source once more.
      if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
        return redis.eval(which.source, keyList.length, ...keyList, ...args);
      throw error;
    });

  /** A Redis call, or undefined when Redis is away (timed out or failed). */
  const ask = async (which: Script, keyList: readonly string[], args: readonly (string | number)[]) => {
    if (away && wallNow() < askAgainAt) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = wallTimer(() => resolve(undefined), timeoutMs);
    });
    const answer = await Promise.race([
      run(which, keyList, args).then(
        (reply) => ({ reply }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
    clearTimeout(timer);
    if (answer !== undefined && !('error' in answer)) {
      if (away) options.onWarning?.('request budget: Redis answers again; the budget is shared again');
      away = false;
      return answer.reply;
    }
    if (!away) {
      const why = answer === undefined ? `no answer in ${timeoutMs} ms` : String(answer.error);
      options.onWarning?.(
        `request budget: Redis is away (${why}); this process keeps its own budget until Redis answers`,
      );
    }
    away = true;
    askAgainAt = wallNow() + REDIS_RETRY_MS;
    return undefined;
  };

  const tryTake = async (now: number, weight: number): Promise<number | undefined> => {
    if (now < local.pausedUntil) return local.pausedUntil;
    const [first, second] = windowsAt(now, settings.edgeMs);
    const reply = await ask(
      SCRIPTS.acquire,
      [keys.pause, keys.minute(first), keys.minute(second)],
      [
        Math.floor(now),
        Math.max(0, Math.ceil(weight)),
        capOf(settings),
        freeAt(first, settings.edgeMs),
        freeAt(second, settings.edgeMs),
        ttlMs,
      ],
    );
    if (reply === undefined) return takeLocally(local, settings, now, weight);
    const [granted, answer] = reply as [number, number];
    if (granted !== 1) return Number(answer);
    known.set(second, Math.max(known.get(second) ?? 0, Number(answer)));
    for (const window of known.keys()) if (window < first) known.delete(window);
    // A 429 seen here while Redis answered: the pause wins (the weight counted stays counted).
    const after = settings.clock.now();
    return after < local.pausedUntil ? local.pausedUntil : undefined;
  };

  return {
    kind: 'redis',
    stats,
    get limitPerMinute() {
      return settings.limitPerMinute;
    },
    now: () => settings.clock.now(),
    acquire: (weight) => acquireWith(settings, stats, weight, tryTake),
    observe: async (usedWeight, sentAtMs) => {
      observeLocally(local, settings, usedWeight, sentAtMs);
      const window = windowOfAnswer(sentAtMs, settings.clock.now(), settings.edgeMs);
      if (window === undefined || !(usedWeight > (known.get(window) ?? 0))) return;
      known.set(window, Math.ceil(usedWeight));
      await ask(SCRIPTS.observe, [keys.minute(window)], [Math.ceil(usedWeight), ttlMs]);
    },
    pause: async (untilMs) => {
      stats.pauses++;
      const until = Math.ceil(untilMs + settings.edgeMs);
      local.pausedUntil = Math.max(local.pausedUntil, until);
      await ask(SCRIPTS.pause, [keys.pause], [until, Math.floor(settings.clock.now())]);
    },
    setLimit: (weightPerMinute) => setLimitOf(settings, weightPerMinute),
  };
};
