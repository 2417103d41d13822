import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { wallNow, wallTimer } from '../kernel/clock.js';
import {
  acquireWith,
  capOf,
  freeAt,
  type LocalState,
  newStats,
  observeLocally,
  type RequestBudget,
  type RequestBudgetOptions,
  setLimitOf,
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
