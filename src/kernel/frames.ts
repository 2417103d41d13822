import type { BusEvent } from '../domain/index.js';
import type { Envelope } from './envelope.js';
import { type DirectHandler, directHandlerOf, type Stage, type StageContext } from './stage.js';

/** A registered stage as the kernel calls it. */
export interface Subscriber {
  readonly stage: Stage;
  readonly context: StageContext;
  /** A handler stage's handler, called directly with `emit` (`directHandlerOf`); else `stage.handle`. */
  readonly handler: DirectHandler['handler'] | undefined;
  readonly emit: ((out: BusEvent) => void) | undefined;
}

/** The stage with its context, and its handler and emit when the kernel may call the handler itself. */
export const subscriberOf = (stage: Stage, context: StageContext): Subscriber => {
  const direct = directHandlerOf(stage);
  const topicOf = direct?.topicOf;
  return {
    stage,
    context,
    handler: direct?.handler,
    emit: topicOf === undefined ? undefined : (out) => context.emit(out, topicOf(out)),
  };
};

/** One event being delivered: reused per depth, so a cascade allocates no frames. */
export interface Frame {
  envelope: Envelope;
  subscribers: readonly Subscriber[];
  /** Next subscriber to call. */
  next: number;
  /** A reused buffer: its first `count` entries are the last subscriber's emissions, `delivered` of them delivered. */
  readonly outputs: Envelope[];
  /** Each output's subscribers (resolved when it was emitted), parallel to `outputs`. */
  readonly routes: (readonly Subscriber[])[];
  count: number;
  delivered: number;
}

export const NO_SUBSCRIBERS: readonly Subscriber[] = Object.freeze([]);

export const isThenable = (value: unknown): value is PromiseLike<void> =>
  value !== undefined && value !== null && typeof (value as PromiseLike<void>).then === 'function';
