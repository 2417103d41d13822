import type { Redis } from 'ioredis';
import { type HealthRow, readHealth, STALE_AFTER_MS } from './health.js';
import type { Keyspace } from './redis-keys.js';

export interface WatchdogOptions {
  readonly redis: Redis;
  readonly keys: Keyspace;
  /** A heartbeat older than this is stale (default `STALE_AFTER_MS`, 2 minutes). */
  readonly staleAfterMs?: number;
  /** How often the heartbeats are read (default 10 s). */
  readonly intervalMs?: number;
  /** Wall clock (ms since epoch), compared with each heartbeat's `beatMs`. */
  readonly now?: () => number;
  /** Called once when a service (replica) goes stale; again only after it was fresh in between. */
  readonly onStale: (row: HealthRow) => void;
  /**
   * Services that should be reporting, with when each was (re)started (wall ms): one without any
   * heartbeat `startGraceMs` after its start is stale too (hung before its first beat).
   */
  readonly expected?: () => readonly {
    readonly service: string;
    readonly replica: number;
    readonly sinceMs: number;
  }[];
  /** How long a started service may take to send its first heartbeat; default max(staleAfterMs, 30 s). */
  readonly startGraceMs?: number;
  /** Hears errors of the timed checks (Redis unreachable, a throwing `onStale`); ignored without it. */
  readonly onError?: (error: unknown) => void;
}

/** A running watchdog. */
export interface Watchdog {
  /** Stops the timer; a check in flight still finishes. */
  stop(): void;
  /**
   * Reads the heartbeats now, reports new stale episodes and returns every row. Rejects on a Redis
   * error, or with the first error an `onStale` threw (after every service was looked at).
   */
  check(): Promise<HealthRow[]>;
}

/**
 * Watches the services' heartbeats: every `intervalMs` (first after one interval) it reads them
 * with `readHealth` and calls `onStale(row)` once per stale episode of a service — silent while
 * it stays stale, and again only after it has been fresh in between. Errors of the timed checks go
 * to `onError`; a check still running when the next is due makes that one skip. The timer does
 * not keep the process alive.
 */
export const startWatchdog = (options: WatchdogOptions): Watchdog => {
  const { redis, keys, onStale, onError } = options;
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const intervalMs = options.intervalMs ?? 10_000;
  const startGraceMs = options.startGraceMs ?? Math.max(staleAfterMs, 30_000);
  const now = options.now ?? Date.now;
  // Heartbeat keys in a stale episode already reported: cleared when that service is fresh again.
  const reported = new Set<string>();
  // Whether a timed check is still running (the next tick skips rather than piling up).
  let checking = false;

  const check = async (): Promise<HealthRow[]> => {
    const nowMs = now();
    const rows = await readHealth(redis, keys, nowMs, staleAfterMs);
    for (const { service, replica, sinceMs } of options.expected?.() ?? []) {
      const key = keys.health(service, replica);
      if (rows.some((row) => row.key === key)) continue;
      const ageMs = Math.max(0, nowMs - sinceMs);
      rows.push({
        key,
        service,
        replica,
        pid: 0,
        status: 'starting',
        beatMs: 0,
        startedMs: sinceMs,
        handled: 0,
        errors: 0,
        deadLetters: 0,
        lag: 0,
        metricsPort: 0,
        ageMs,
        stale: ageMs > startGraceMs,
      });
    }
    // A throwing `onStale` must not hide the other services' episodes: report all, then throw.
    const failures: unknown[] = [];
    for (const row of rows) {
      if (!row.stale) {
        reported.delete(row.key);
      } else if (!reported.has(row.key)) {
        reported.add(row.key);
        try {
          onStale(row);
        } catch (error) {
          failures.push(error);
        }
      }
    }
    if (failures.length > 0) throw failures[0];
    return rows;
  };

  const tick = (): void => {
    if (checking) return;
    checking = true;
    check()
      .catch((error: unknown) => onError?.(error))
      .finally(() => {
        checking = false;
      });
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      reported.clear();
    },
    check,
  };
};
