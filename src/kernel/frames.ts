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
}

/** The stage with its context, and its handler and emit when the kernel may call the handler itself. */
export const subscriberOf = (stage: Stage, context: StageContext): Subscriber => {
  const direct = directHandlerOf(stage);
  const topicOf = direct?.topicOf;
  // The context's own function, not `context.emit` per call: the context has an accessor
  // (`current`), and its loads were generic IC calls in the compiled code. Called unbound: the
  // kernel's `emit` (contextOf) does not use `this`.
  const emitOn = context.emit;
  return {
    stage,
    context,
    handler: direct?.handler,
    emit: topicOf === undefined ? undefined : (out) => emitOn(out, topicOf(out)),
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

/** Makes `frames[depth]` the delivery of `envelope` to `subscribers` (reused: a cascade allocates no frames). */
export const enterFrame = (
  frames: Frame[],
  depth: number,
  envelope: Envelope,
  subscribers: readonly Subscriber[],
): void => {
  const frame = frames[depth];
  if (frame === undefined) {
    frames.push({ envelope, subscribers, next: 0, outputs: [], routes: [], count: 0, delivered: 0 });
    return;
  }
  frame.envelope = envelope;
  frame.subscribers = subscribers;
  frame.next = 0;
  frame.count = 0;
  frame.delivered = 0;
};

/** Position of `topic` in a stage's short declared list (−1: absent); a loop of pointer compares. */
export const indexIn = (topics: readonly Topic[], topic: Topic): number => {
  for (let i = 0; i < topics.length; i++) if (topics[i] === topic) return i;
  return -1;
};

export const NO_SUBSCRIBERS: readonly Subscriber[] = Object.freeze([]);

export const isThenable = (value: unknown): value is PromiseLike<void> =>
  value !== undefined && value !== null && typeof (value as PromiseLike<void>).then === 'function';
