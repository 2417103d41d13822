import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { wallNow, wallTimer } from '../kernel/clock.js';
import {
  acquireWith,
  capOf,
  freeAt,
  type LocalState,
  newLocalState,
  newStats,
  observeLocally,
  observeOrdersLocally,
  orderCapOf,
  type RequestBudget,
  type RequestBudgetOptions,
  setLimitOf,
  setOrderLimitsOf,
  settingsOf,
  takeLocally,
  WEIGHT_WINDOW_MS,
  windowOfAnswer,
  windowsAt,
} from './request-budget.js';

// --- Redis-shared ----------------------------------------------------------------------------------
// The Redis-shared request-weight budget: the rules it keeps, and the in-process budget it falls back
// on, are in `request-budget.ts` (see its file comment), which re-exports everything here.

/**
 * acquire: KEYS pause, orders pause, first minute, second minute (the same key away from an edge),
 * then a first and second window per order limit;
 * ARGV now, weight, cap, free-at of the first minute, free-at of the second, key TTL (ms), orders,
 * number of order limits, then per order limit: cap, free-at of its first and second window, TTL.
 * Returns {1, the second minute's count} when granted (everything counted), else {0, when to ask again}.
 */
const ACQUIRE_SCRIPT = `
local now = tonumber(ARGV[1])
local weight = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local orders = tonumber(ARGV[7])
local limits = tonumber(ARGV[8])
local function count(key) return tonumber(redis.call('GET', key) or '0') end
local paused = count(KEYS[1])
if paused > now then return {0, paused} end
if orders > 0 then
  local ordersPaused = count(KEYS[2])
  if ordersPaused > now then return {0, ordersPaused} end
end
local usedFirst = count(KEYS[3])
local usedSecond = usedFirst
if KEYS[4] ~= KEYS[3] then usedSecond = count(KEYS[4]) end
if usedSecond > 0 and usedSecond + weight > cap then return {0, tonumber(ARGV[5])} end
if usedFirst > 0 and usedFirst + weight > cap then return {0, tonumber(ARGV[4])} end
if orders > 0 then
  for i = 0, limits - 1 do
    local first = KEYS[5 + 2 * i]
    local second = KEYS[6 + 2 * i]
    local orderCap = tonumber(ARGV[9 + 4 * i])
    local inFirst = count(first)
    local inSecond = inFirst
    if second ~= first then inSecond = count(second) end
    if inSecond > 0 and inSecond + orders > orderCap then return {0, tonumber(ARGV[11 + 4 * i])} end
    if inFirst > 0 and inFirst + orders > orderCap then return {0, tonumber(ARGV[10 + 4 * i])} end
  end
end
local counted = redis.call('INCRBY', KEYS[3], weight)
redis.call('PEXPIRE', KEYS[3], ARGV[6])
if KEYS[4] ~= KEYS[3] then
  counted = redis.call('INCRBY', KEYS[4], weight)
  redis.call('PEXPIRE', KEYS[4], ARGV[6])
end
if orders > 0 then
  for i = 0, limits - 1 do
    local first = KEYS[5 + 2 * i]
    local second = KEYS[6 + 2 * i]
    local ttl = ARGV[12 + 4 * i]
    redis.call('INCRBY', first, orders)
    redis.call('PEXPIRE', first, ttl)
    if second ~= first then
      redis.call('INCRBY', second, orders)
      redis.call('PEXPIRE', second, ttl)
    end
  end
end
return {1, counted}
`;

/** observe: KEYS the window; ARGV Binance's count, key TTL (ms). Raises, never lowers. */
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
): {
  readonly pause: string;
  readonly ordersPause: string;
  minute(window: number): string;
  orders(windowMs: number, window: number): string;
} => {
  const base = `${prefix}{request-weight:${budgetId}}`;
  return {
    pause: `${base}:pause`,
    ordersPause: `${base}:orders-pause`,
    minute: (window) => `${base}:minute:${window}`,
    orders: (windowMs, window) => `${base}:orders:${windowMs}:${window}`,
  };
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
  const local: LocalState = newLocalState();
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

  const tryTake = async (now: number, weight: number, orders: number): Promise<number | undefined> => {
    if (now < local.pausedUntil) return local.pausedUntil;
    if (orders > 0 && now < local.ordersPausedUntil) return local.ordersPausedUntil;
    const { edgeMs } = settings;
    const [first, second] = windowsAt(now, edgeMs);
    const orderKeys: string[] = [];
    const orderArgs: number[] = [];
    for (const limit of settings.orderLimits) {
      const [a, b] = windowsAt(now, edgeMs, limit.windowMs);
      orderKeys.push(keys.orders(limit.windowMs, a), keys.orders(limit.windowMs, b));
      orderArgs.push(
        orderCapOf(settings, limit),
        freeAt(a, edgeMs, limit.windowMs),
        freeAt(b, edgeMs, limit.windowMs),
        2 * limit.windowMs + 2 * edgeMs,
      );
    }
    const reply = await ask(
      SCRIPTS.acquire,
      [keys.pause, keys.ordersPause, keys.minute(first), keys.minute(second), ...orderKeys],
      [
        Math.floor(now),
        Math.max(0, Math.ceil(weight)),
        capOf(settings),
        freeAt(first, edgeMs),
        freeAt(second, edgeMs),
        ttlMs,
        Math.max(0, Math.ceil(orders)),
        settings.orderLimits.length,
        ...orderArgs,
      ],
    );
    if (reply === undefined) return takeLocally(local, settings, now, weight, orders);
    const [granted, answer] = reply as [number, number];
    if (granted !== 1) return Number(answer);
    known.set(second, Math.max(known.get(second) ?? 0, Number(answer)));
    for (const window of known.keys()) if (window < first) known.delete(window);
    // A 429 seen here while Redis answered: the pause wins (the weight counted stays counted).
    const after = settings.clock.now();
    if (after < local.pausedUntil) return local.pausedUntil;
    return orders > 0 && after < local.ordersPausedUntil ? local.ordersPausedUntil : undefined;
  };

  return {
    kind: 'redis',
    stats,
    get limitPerMinute() {
      return settings.limitPerMinute;
    },
    now: () => settings.clock.now(),
    acquire: (weight, orders = 0) => acquireWith(settings, stats, weight, orders, tryTake),
    observe: async (usedWeight, sentAtMs) => {
      observeLocally(local, settings, usedWeight, sentAtMs);
      const window = windowOfAnswer(sentAtMs, settings.clock.now(), settings.edgeMs);
      if (window === undefined || !(usedWeight > (known.get(window) ?? 0))) return;
      known.set(window, Math.ceil(usedWeight));
      await ask(SCRIPTS.observe, [keys.minute(window)], [Math.ceil(usedWeight), ttlMs]);
    },
    observeOrders: async (counts, sentAtMs) => {
      for (const { windowMs, window, count } of observeOrdersLocally(local, settings, counts, sentAtMs))
        await ask(
          SCRIPTS.observe,
          [keys.orders(windowMs, window)],
          [Math.ceil(count), 2 * windowMs + 2 * settings.edgeMs],
        );
    },
    pause: async (untilMs) => {
      stats.pauses++;
      const until = Math.ceil(untilMs + settings.edgeMs);
      local.pausedUntil = Math.max(local.pausedUntil, until);
      await ask(SCRIPTS.pause, [keys.pause], [until, Math.floor(settings.clock.now())]);
    },
    pauseOrders: async (untilMs) => {
      stats.orderPauses++;
      const until = Math.ceil(untilMs + settings.edgeMs);
      local.ordersPausedUntil = Math.max(local.ordersPausedUntil, until);
      await ask(SCRIPTS.pause, [keys.ordersPause], [until, Math.floor(settings.clock.now())]);
    },
    setLimit: (weightPerMinute) => setLimitOf(settings, weightPerMinute),
    setOrderLimits: (limits) => setOrderLimitsOf(settings, limits),
  };
};
