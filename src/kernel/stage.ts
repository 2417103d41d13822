import type { BusEvent } from '../domain/index.js';
import type { Clock } from './clock.js';
import type { Envelope } from './envelope.js';
import type { Topic } from './topics.js';

/** What a stage may do while it handles an event. */
export interface StageContext {
  /**
   * Publishes an event on `topic`. The kernel delivers it after the current handler has returned
   * (or its promise resolved), depth-first: everything it causes is handled before the next
   * subscriber of the current event runs.
   */
  emit(event: BusEvent, topic: Topic): void;
  /** The kernel's clock (event time in backtest, wall time live). */
  readonly clock: Clock;
  /** The event being handled, with its identity. */
  readonly current: Envelope;
}

/**
 * A stage consumes topics and publishes to topics (DESIGN.md §1a). `rank` declares the order in
 * which the subscribers of a topic see an event — lower first, ties by `name` — so the order is
 * data, not registration or `merge` order. `handle` may be synchronous or return a promise: the
 * kernel awaits it inside the barrier, and calls handlers strictly one at a time, so how long a
 * stage takes never changes what happens.
 */
export interface Stage {
  readonly name: string;
  readonly rank: number;
  readonly consumes: readonly Topic[];
  /**
   * Consumed topics this stage only learns from, never answering with an emission (sizing and risk
   * store account snapshots). Declared, and enforced by the kernel: an emission while handling one
   * fails the stage. Across processes the conductor need not wait for such a delivery's reply.
   */
  readonly quiet?: readonly Topic[];
  /**
   * Topics it publishes to (declared, and enforced by the kernel when given): what the graph's
   * documentation shows, and how the conductor knows which stages are fed by market data alone.
   */
  readonly publishes?: readonly Topic[];
  handle(event: BusEvent, context: StageContext): void | PromiseLike<void>;
}

/**
 * What `handlerStage` attaches to the stage it makes (under `DIRECT_HANDLER`): its handler and how
 * its emissions are routed, so the kernel calls the handler itself — one call per delivery, not
 * two. It holds only while the stage's `handle` is the one it was made with: a wrapper that
 * replaces `handle` (the supervised ai-engine arms a timer first) is called like any stage.
 */
export interface DirectHandler {
  readonly handle: Stage['handle'];
  readonly handler: {
    next(event: BusEvent, emit: (out: BusEvent) => void): void | PromiseLike<void>;
  };
  readonly topicOf: (event: BusEvent) => Topic;
}

export const DIRECT_HANDLER: unique symbol = Symbol('quantum.directHandler');

/** The stage's direct handler, when it has one that still applies. */
export const directHandlerOf = (stage: Stage): DirectHandler | undefined => {
  const direct = (stage as Stage & { readonly [DIRECT_HANDLER]?: DirectHandler })[DIRECT_HANDLER];
  return direct !== undefined && direct.handle === stage.handle ? direct : undefined;
};

/**
 * The declared order of the trading graph's stages on a shared event (the README's "how one
 * market event flows"): the venue first (its fills precede the candle everywhere), then the
 * account, then what protects open positions, then the decision chain that opens new ones.
 */
export const STAGE_RANK = {
  venue: 0,
  portfolio: 10,
  killSwitch: 20,
  positionMonitor: 30,
  positionIntelligence: 32,
  profitAmplifier: 33,
  metaRegime: 35,
  universe: 37,
  aiEngine: 40,
  strategy: 50,
  sizing: 60,
  portfolioBalancer: 65,
  riskGovernor: 70,
  execution: 80,
} as const;
