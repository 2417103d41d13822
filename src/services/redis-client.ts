import { Redis } from 'ioredis';

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
