import type { BusEvent } from '../domain/index.js';
import type { Envelope } from './envelope.js';
import { type DirectHandler, directHandlerOf, type Stage, type StageContext } from './stage.js';
import type { Topic } from './topics.js';

/** A registered stage as the kernel calls it. */
export interface Subscriber {
  readonly stage: Stage;
  readonly context: StageContext;
  /** A handler stage's handler, called directly with `emit` (`directHandlerOf`); else `stage.handle`. */
  readonly handler: DirectHandler['handler'] | undefined;
  readonly emit: ((out: BusEvent) => void) | undefined;
  /** `stage.latest` when it names any topic. */
  readonly latest: readonly Topic[] | undefined;
  /** The newest event of a `latest` topic, held until the stage's next other delivery (see `Stage.latest`). */
  held: Envelope | undefined;
  /** This subscriber alone: the subscriber list of a held event's delivery. */
  readonly alone: readonly Subscriber[];
}

/** The stage with its context, and its handler and emit when the kernel may call the handler itself. */
export const subscriberOf = (stage: Stage, context: StageContext): Subscriber => {
  const direct = directHandlerOf(stage);
  const topicOf = direct?.topicOf;
  const alone: Subscriber[] = [];
  const subscriber: Subscriber = {
    stage,
    context,
    handler: direct?.handler,
    emit: topicOf === undefined ? undefined : (out) => context.emit(out, topicOf(out)),
    latest: stage.latest !== undefined && stage.latest.length > 0 ? stage.latest : undefined,
    held: undefined,
    alone,
  };
  alone.push(subscriber);
  return subscriber;
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
