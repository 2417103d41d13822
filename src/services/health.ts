import type { Redis } from 'ioredis';
import type { Keyspace } from './redis-keys.js';

/** A heartbeat older than this marks its service stale (the seed system's rule: 2 minutes). */
export const STALE_AFTER_MS = 120_000;

/** What a service writes to `quantum:health:<service>[:<replica>]` every few seconds. */
export interface Heartbeat {
  readonly service: string;
  readonly replica: number;
  readonly pid: number;
  readonly status: 'starting' | 'running' | 'stopping' | 'done';
  /** Wall time of this beat (ms since epoch). */
  readonly beatMs: number;
  readonly startedMs: number;
  readonly handled: number;
  readonly errors: number;
  readonly deadLetters: number;
  /** Entries waiting in its inboxes. */
  readonly lag: number;
  /** Port of its `/metrics` (0: none). */
  readonly metricsPort: number;
}

export const writeHeartbeat = async (redis: Redis, keys: Keyspace, beat: Heartbeat): Promise<void> => {
  await redis.hset(keys.health(beat.service, beat.replica), {
    service: beat.service,
    replica: String(beat.replica),
    pid: String(beat.pid),
    status: beat.status,
    beatMs: String(beat.beatMs),
    startedMs: String(beat.startedMs),
    handled: String(beat.handled),
    errors: String(beat.errors),
    deadLetters: String(beat.deadLetters),
    lag: String(beat.lag),
    metricsPort: String(beat.metricsPort),
  });
};

/** One row of `quantum health`. */
export interface HealthRow extends Heartbeat {
  readonly key: string;
  readonly ageMs: number;
  /** No beat for longer than the stale limit (`STALE_AFTER_MS` unless given) while it should be running. */
  readonly stale: boolean;
}

const numberOf = (text: string | undefined): number => {
  const value = Number(text);
  return Number.isFinite(value) ? value : 0;
};

/**
 * Every service's last heartbeat, with its age at `nowMs`, sorted by service and replica; a row is
 * stale when its last beat is older than `staleAfterMs` (default `STALE_AFTER_MS`).
 */
export const readHealth = async (
  redis: Redis,
  keys: Keyspace,
  nowMs: number,
  staleAfterMs = STALE_AFTER_MS,
): Promise<HealthRow[]> => {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keys.healthPrefix}*`, 'COUNT', 500);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const rows: HealthRow[] = [];
  for (const key of found.sort()) {
    const fields = await redis.hgetall(key);
    const beatMs = numberOf(fields.beatMs);
    const status = (fields.status ?? 'running') as Heartbeat['status'];
    const ageMs = Math.max(0, nowMs - beatMs);
    rows.push({
      key,
      service: fields.service ?? key.slice(keys.healthPrefix.length),
      replica: numberOf(fields.replica),
      pid: numberOf(fields.pid),
      status,
      beatMs,
      startedMs: numberOf(fields.startedMs),
      handled: numberOf(fields.handled),
      errors: numberOf(fields.errors),
      deadLetters: numberOf(fields.deadLetters),
      lag: numberOf(fields.lag),
      metricsPort: numberOf(fields.metricsPort),
      ageMs,
      stale: status !== 'done' && ageMs > staleAfterMs,
    });
  }
  return rows;
};

/** The rows as a terminal table. */
export const healthTable = (rows: readonly HealthRow[]): string => {
  const header = [
    'service',
    'replica',
    'status',
    'last beat',
    'handled',
    'errors',
    'dlq',
    'lag',
    'pid',
    'metrics',
  ];
  const lines = rows.map((row) => [
    row.service,
    String(row.replica),
    row.stale ? 'STALE' : row.status,
    `${(row.ageMs / 1000).toFixed(1)} s ago`,
    String(row.handled),
    String(row.errors),
    String(row.deadLetters),
    String(row.lag),
    String(row.pid),
    row.metricsPort > 0 ? `127.0.0.1:${row.metricsPort}/metrics` : '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
};
