import { type BusEvent, timestampText } from '../domain/index.js';
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

/**
 * The kernel's envelope: identity is computed when first read, not per event — a backtest that
 * reads no ids pays nothing for them (hashing every id eagerly was half the cost of dispatch).
 * The value is the same whenever it is read: it depends only on the cause's id, the emitting
 * stage and the emission's index.
 */
export class BusEnvelope<E extends BusEvent = BusEvent> implements Envelope<E> {
  private knownId: string | undefined;
  /** `tsInit` when it is not `tsEvent` (live); a backtest's envelopes keep one number, not two. */
  private readonly initTs: number | undefined;

  constructor(
    readonly topic: Topic,
    readonly event: E,
    readonly tsEvent: number,
    tsInit: number,
    /** Stage that emitted it; `source` for events that entered from outside. */
    readonly origin: string,
    /** The envelope whose handling emitted this one (undefined: from outside). */
    readonly cause: Envelope | undefined,
    /** Index of this emission among the stage's emissions for the cause. */
    readonly index: number,
    id?: string,
  ) {
    this.knownId = id;
    this.initTs = tsInit === tsEvent ? undefined : tsInit;
  }

  get tsInit(): number {
    return this.initTs ?? this.tsEvent;
  }

  get id(): string {
    let id = this.knownId;
    if (id === undefined) {
      const cause = this.cause;
      id = cause === undefined ? sourceIdOf(this.event) : derivedIdOf(cause.id, this.origin, this.index);
      this.knownId = id;
    }
    return id;
  }

  get causeId(): string | undefined {
    return this.cause?.id;
  }

  /** The envelope as plain data (for logs, Redis messages and tests). */
  toJSON(): Envelope<E> {
    return {
      id: this.id,
      topic: this.topic,
      causeId: this.causeId,
      tsEvent: this.tsEvent,
      tsInit: this.tsInit,
      origin: this.origin,
      event: this.event,
    };
  }
}

/** Natural id of an event entering from outside: kind, symbol and time (e.g. `kline:BTCUSDT:1m:1700000059999`). */
export const sourceIdOf = (event: BusEvent): string => {
  const symbol = 'symbol' in event ? event.symbol : '';
  switch (event.kind) {
    case 'tick':
      return `tick:${symbol}:${timestampText(event.ts)}:${event.tradeId ?? ''}`;
    case 'fill':
      // The venue's trade id when it gives one: the same execution from websocket and REST is one event.
      return event.venueTradeId === undefined
        ? `fill:${event.clientOrderId}:${event.ts}:${event.qty}`
        : `fill:${symbol}:${event.venueTradeId}`;
    case 'execution-result':
      return `execution-result:${event.clientOrderId}:${event.status}:${event.filledQty}`;
    case 'kline':
      return `kline:${symbol}:${event.interval}:${timestampText(event.ts)}`;
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
  // 64-bit FNV-1a in two 32-bit halves (xor a byte, multiply by the prime 0x100000001b3); plain
  // loops, no closures: this runs for every id that is read.
  let low = 0x84222325;
  let high = 0xcbf29ce4;
  for (let part = 0; part < 5; part++) {
    // causeId, '/', stage, '#', then the index's three low bytes.
    const text = part === 0 ? causeId : part === 2 ? stage : undefined;
    const length = text === undefined ? (part === 4 ? 3 : 1) : text.length;
    for (let i = 0; i < length; i++) {
      let code: number;
      if (text !== undefined) code = text.charCodeAt(i);
      else if (part === 1) code = 0x2f;
      else if (part === 3) code = 0x23;
      else code = (index >>> (8 * i)) & 0xff;
      // Both bytes of each UTF-16 unit: names outside ASCII do not collide.
      for (let byte = 0; byte < (code > 0xff ? 2 : 1); byte++) {
        low ^= byte === 0 ? code & 0xff : code >>> 8;
        const carry = Math.floor(((low >>> 0) * 0x1b3) / 0x100000000);
        const lowProduct = Math.imul(low, 0x1b3);
        high = (Math.imul(high, 0x1b3) + Math.imul(low, 0x100) + carry) >>> 0;
        low = lowProduct >>> 0;
      }
    }
  }
  return `${high.toString(36)}${low.toString(36).padStart(7, '0')}`;
};
