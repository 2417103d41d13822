import { Redis } from 'ioredis';
import { QuantumError } from '../domain/errors.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** `REDIS_URL`, or the local default. */
export const redisUrlOf = (env: NodeJS.ProcessEnv = process.env): string =>
  env.REDIS_URL ?? DEFAULT_REDIS_URL;

/** Reconnect delay after the `attempt`-th failure: 25 ms doubling, at most 2 s. */
export const reconnectDelayMs = (attempt: number): number => Math.min(2000, 25 * 2 ** Math.min(attempt, 7));

/**
 * A Redis connection that outlives Redis restarts: it reconnects with backoff, and commands wait
 * for the connection instead of failing (`maxRetriesPerRequest: null`); commands sent but not
 * answered when the connection dropped are sent again. `onError` hears connection errors (a
 * restart shows as a few of them); blocking reads need a connection of their own.
 */
export const connectRedis = (url: string, name: string, onError?: (error: Error) => void): Redis => {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelayMs,
    enableAutoPipelining: false,
  });
  redis.on('error', (error: Error) => onError?.(error));
  return redis;
};

/** The URL as it may be printed: without its password. */
export const shownUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'REDIS_URL (not a URL)';
  }
};

/**
 * Closes a connection unless it is closed already: ioredis's `disconnect()` on a closed socket arms
 * a 2 s timer nobody clears, which would keep the command alive that long.
 */
export const closeQuietly = (redis: Redis): void => {
  if (redis.status !== 'end') redis.disconnect();
};

/**
 * A connection that fails fast, unlike `connectRedis` (which waits forever for Redis): a command
 * line must answer "Redis is not there" in seconds. Unreachable → `QT_REDIS_UNAVAILABLE` naming
 * the URL (no password) and the fix.
 */
export const connectFailFast = async (url: string): Promise<Redis> => {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 2000,
    lazyConnect: true,
  });
  // The socket's own error (ECONNREFUSED, ETIMEDOUT) says more than "Connection is closed.".
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => {
    socketError = error;
  });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    closeQuietly(redis);
    const reason = socketError?.message ?? (error instanceof Error ? error.message : String(error));
    throw new QuantumError(
      'QT_REDIS_UNAVAILABLE',
      `cannot reach Redis at ${shownUrl(url)} (${reason}): start one with \`quantum redis start\` or set REDIS_URL to a running server`,
      { retryable: true, cause: error },
    );
  }
};
