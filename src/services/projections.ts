import type { BusEvent } from '../domain/index.js';
import type { Keyspace } from './redis-keys.js';

/**
 * The shared-state hashes a stage keeps current from what it publishes (DESIGN.md §4): the
 * portfolio owns `quantum:portfolio:realtime` (the latest account snapshot, for dashboards and
 * other services). Written in the same transaction as the event itself, so the hash never runs
 * ahead of or behind the stream.
 */
export const projectionsOf = (
  keys: Keyspace,
  event: BusEvent,
): [key: string, fields: Record<string, string>][] => {
  if (event.kind !== 'portfolio-snapshot') return [];
  return [
    [
      keys.portfolioRealtime,
      {
        ts: String(event.ts),
        walletUsdt: String(event.walletUsdt),
        equityUsdt: String(event.equityUsdt),
        availableUsdt: String(event.availableUsdt),
        unrealizedPnlUsdt: String(event.unrealizedPnlUsdt),
        usedMarginUsdt: String(event.usedMarginUsdt),
        grossExposureUsdt: String(event.grossExposureUsdt),
        drawdownPct: String(event.drawdownPct),
        openPositions: String(event.positions.length),
        positions: JSON.stringify(event.positions),
      },
    ],
  ];
};
