import type { Redis } from 'ioredis';
import { fieldsOf } from './wire.js';

/** A stream entry: its id and fields. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

type RawEntries = [id: string, fields: string[] | null][];

const entriesOf = (raw: RawEntries): StreamEntry[] =>
  raw.map(([id, flat]) => ({ id, fields: fieldsOf(flat) }));

/** The consumer group every inbox and the replies stream are read with. */
export const GROUP = 'quantum';

/** Creates the group on `key` (and the stream) reading from the start; an existing group is kept. */
export const ensureGroup = async (redis: Redis, key: string): Promise<void> => {
  try {
    await redis.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM');
  } catch (error) {
    if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
  }
};

/** Every entry of `key` after `afterId` (exclusive), in order, `chunk` at a time. */
export async function* readRange(
  redis: Redis,
  key: string,
  afterId = '-',
  chunk = 2000,
): AsyncGenerator<StreamEntry> {
  let start = afterId === '-' ? '-' : `(${afterId}`;
  for (;;) {
    const raw = (await redis.xrange(key, start, '+', 'COUNT', chunk)) as RawEntries;
    for (const entry of entriesOf(raw)) yield entry;
    if (raw.length < chunk) return;
    start = `(${raw[raw.length - 1][0]}`;
  }
}

/**
 * Where the group stands on `key`: the last id delivered to any consumer and the ids delivered but
 * not acknowledged. Entries up to `lastDeliveredId` that are not pending were handled: their effects
 * were published in the same transaction as their XACK.
 */
export const groupProgress = async (
  redis: Redis,
  key: string,
): Promise<{ readonly lastDeliveredId: string; readonly pending: ReadonlySet<string> }> => {
  const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
  let lastDeliveredId = '0-0';
  for (const group of groups) {
    const info = fieldsOf(group.map(String));
    if (info.name === GROUP) lastDeliveredId = info['last-delivered-id'] ?? '0-0';
  }
  const pending = new Set<string>();
  let start = '-';
  for (;;) {
    const rows = (await redis.xpending(key, GROUP, start, '+', 1000)) as [string, string, number, number][];
    for (const [id] of rows) pending.add(id);
    if (rows.length < 1000) break;
    start = `(${rows[rows.length - 1][0]}`;
  }
  return { lastDeliveredId, pending };
};

/** Whether stream id `a` comes at or before `b`. */
export const idAtOrBefore = (a: string, b: string): boolean => {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs < bMs || (aMs === bMs && aSeq <= bSeq);
};

/** New entries for `consumer` on `keys` (one blocking read across all of them). */
export const readGroup = async (
  redis: Redis,
  consumer: string,
  keys: readonly string[],
  count: number,
  blockMs: number,
): Promise<{ readonly key: string; readonly entries: StreamEntry[] }[]> => {
  const raw = (await redis.xreadgroup(
    'GROUP',
    GROUP,
    consumer,
    'COUNT',
    count,
    'BLOCK',
    blockMs,
    'STREAMS',
    ...keys,
    ...keys.map(() => '>'),
  )) as [string, RawEntries][] | null;
  if (raw === null) return [];
  return raw.map(([key, entries]) => ({ key, entries: entriesOf(entries) }));
};

/**
 * Takes over every entry of `key` left pending by another consumer (a process that died): they
 * become this consumer's, to be handled now (`XAUTOCLAIM`, idle ≥ `minIdleMs`).
 */
export const claimPending = async (
  redis: Redis,
  key: string,
  consumer: string,
  minIdleMs = 0,
): Promise<StreamEntry[]> => {
  const claimed: StreamEntry[] = [];
  let cursor = '0-0';
  for (;;) {
    const [next, raw] = (await redis.xautoclaim(key, GROUP, consumer, minIdleMs, cursor, 'COUNT', 1000)) as [
      string,
      RawEntries,
    ];
    claimed.push(...entriesOf(raw.filter(([, flat]) => flat !== null)));
    if (next === '0-0') break;
    cursor = next;
  }
  return claimed.sort((a, b) => (idAtOrBefore(a.id, b.id) ? -1 : 1));
};

/** Entries of `key` not yet delivered to the group (Redis 7's `lag`); 0 when the stream or group is missing. */
export const groupLag = async (redis: Redis, key: string): Promise<number> => {
  const groups = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[][];
  for (const group of groups) {
    const info = fieldsOf(group.map(String));
    if (info.name === GROUP) return Number(info.lag) || 0;
  }
  return 0;
};
