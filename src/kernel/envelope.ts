import type { BusEvent } from '../domain/index.js';
import type { Topic } from './topics.js';

/**
 * An event on the bus with its identity (DESIGN.md §1a): `id` is deterministic — a market event's
 * natural key, and for everything a stage emits a hash of its cause's id, the stage and the
 * emission's index — so a replay, or a service re-processing a message after a crash, produces
 * the same ids and at-least-once delivery can be de-duplicated. `causeId` links every event to
 * the one whose handling emitted it: from a trade back to its fill, order, decision, signal and
 * candle. `tsEvent` is when it happened (the event's `ts`); `tsInit` when the engine made it
 * (the kernel's clock: event time in backtest, wall time live) — for latency only, never logic.
 */
export interface Envelope<E extends BusEvent = BusEvent> {
  readonly id: string;
  readonly topic: Topic;
  readonly causeId: string | undefined;
  readonly tsEvent: number;
  readonly tsInit: number;
  /** Stage that emitted it; `source` for events that entered from outside. */
  readonly origin: string;
  readonly event: E;
}

/** Natural id of an event entering from outside: kind, symbol and time (e.g. `kline:BTCUSDT:1m:1700000059999`). */
export const sourceIdOf = (event: BusEvent): string => {
  const symbol = 'symbol' in event ? event.symbol : '';
  switch (event.kind) {
    case 'tick':
      return `tick:${symbol}:${event.ts}:${event.tradeId ?? ''}`;
    case 'fill':
      // The venue's trade id when it gives one: the same execution from websocket and REST is one event.
      return event.venueTradeId === undefined
        ? `fill:${event.clientOrderId}:${event.ts}:${event.qty}`
        : `fill:${symbol}:${event.venueTradeId}`;
    case 'execution-result':
      return `execution-result:${event.clientOrderId}:${event.status}:${event.filledQty}`;
    case 'kline':
      return `kline:${symbol}:${event.interval}:${event.ts}`;
    case 'timer-fired':
      return `timer-fired:${event.owner}:${event.name}:${event.ts}`;
    default:
      return `${event.kind}:${symbol}:${event.ts ?? ''}`;
  }
};

/**
 * Id of the `index`-th event `stage` emitted while handling `causeId`: 64-bit FNV-1a in base 36
 * (short, stable across processes and runs).
 */
export const derivedIdOf = (causeId: string, stage: string, index: number): string => {
  let low = 0x84222325;
  let high = 0xcbf29ce4;
  const mix = (code: number): void => {
    // 64-bit FNV-1a in two 32-bit halves: xor the byte, multiply by the prime 0x100000001b3.
    low ^= code;
    const lowProduct = Math.imul(low, 0x1b3);
    const carry = Math.floor(((low >>> 0) * 0x1b3) / 0x100000000);
    high = (Math.imul(high, 0x1b3) + Math.imul(low, 0x100) + carry) >>> 0;
    low = lowProduct >>> 0;
  };
  // Both bytes of each UTF-16 unit: names outside ASCII do not collide.
  const mixText = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      mix(code & 0xff);
      if (code > 0xff) mix(code >>> 8);
    }
  };
  mixText(causeId);
  mix(0x2f);
  mixText(stage);
  mix(0x23);
  mix(index & 0xff);
  mix((index >>> 8) & 0xff);
  mix((index >>> 16) & 0xff);
  return `${high.toString(36)}${low.toString(36).padStart(7, '0')}`;
};
