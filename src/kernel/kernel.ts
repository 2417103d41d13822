import type { BusEvent } from '../domain/index.js';
import { Barrier } from './barrier.js';
import { type Clock, EventTimeClock, WallClock } from './clock.js';
import { DedupeWindow } from './dedupe-window.js';
import { BusEnvelope, type Envelope } from './envelope.js';
import { malformedLetter, StageError, stageFailureEnvelope } from './failures.js';
import {
  enterFrame,
  type Frame,
  indexIn,
  isThenable,
  NO_SUBSCRIBERS,
  type Subscriber,
  subscriberOf,
} from './frames.js';
import type { KernelOptions } from './kernel-options.js';
import type { Stage, StageContext } from './stage.js';
import { parseExternal } from './topic-schemas.js';
import { TOPICS, type Topic } from './topics.js';

export { StageError } from './failures.js';
export type { KernelOptions } from './kernel-options.js';

/**
 * The event-time engine (DESIGN.md §1a): a bus of topics, stages in declared order, a quiescence barrier.
 *
 * - `process(event, topic)` delivers one event from outside (a candle, a venue report) and
 *   everything it causes, depth-first: each subscriber of the event runs in `rank` order, and
 *   whatever a subscriber emits is delivered completely before the next subscriber runs. It
 *   returns when the cascade is quiet — synchronously (`undefined`) when every stage answered
 *   synchronously, else a promise. A source releases its next event only then (the barrier), so
 *   an async stage (a tfjs model, a Redis hop, a venue) sees exactly what a synchronous one would.
 * - Before an event at `ts` is delivered, the clock's timers due by `ts` fire, each to quiescence.
 * - Handlers run one at a time, never re-entered: a stage's emissions are delivered after its
 *   handler returns.
 * - A handler that throws (or rejects) becomes a dead letter on `dlq`; the rest of the cascade
 *   goes on (`onStageError: 'throw'` fails the run instead). External events are validated
 *   (`inject`); a malformed one becomes a dead letter.
 */
export class Kernel {
  readonly clock: Clock;
  /** Whether `tsInit` is wall time (live) rather than the event's time (backtest). */
  private readonly wallClock: boolean;
  /** The clock when it is event time (its timers fire before each event), else undefined. */
  private readonly eventClock: EventTimeClock | undefined;
  private readonly subscribersByTopic = new Map<Topic, Subscriber[]>();
  /** The topic an event from outside came on last, and its subscribers (see `subscribersFor`). */
  private lastTopic: Topic | undefined;
  private lastSubscribers: readonly Subscriber[] = NO_SUBSCRIBERS;
  private readonly stages = new Map<string, Subscriber>();
  private readonly onEvent: ((envelope: Envelope) => void) | undefined;
  private readonly throwOnStageError: boolean;
  private readonly frames: Frame[] = [];
  private depth = 0;
  /** The frame whose subscriber is running (where its emissions go), and its stage (see `runFrom`). */
  private handling: Frame | undefined;
  private handlingStage: Stage | undefined;
  private readonly barrier = new Barrier(
    (envelope) => this.timersThenCascade(envelope),
    () => this.reset(),
  );
  private deadLetterCount = 0;
  /** Malformed external events so far: numbers their dead letters' ids. */
  private injectedLetters = 0;
  private readonly onFatal: ((error: unknown) => void) | undefined;
  /** Ids of recently injected events (redeliveries are dropped). */
  private readonly recentIds: DedupeWindow;
  private duplicateCount = 0;
  /** A failure nobody awaited, thrown at the next call (see `onFatal`). */
  private fatal: { readonly error: unknown } | undefined;

  constructor(options: KernelOptions = {}) {
    this.clock = options.clock ?? new EventTimeClock();
    this.wallClock = this.clock.kind === 'wall';
    this.eventClock = this.clock instanceof EventTimeClock ? this.clock : undefined;
    this.onEvent = options.onEvent;
    this.throwOnStageError = options.onStageError === 'throw';
    this.onFatal = options.onFatal;
    this.recentIds = new DedupeWindow(options.dedupeWindow ?? 100_000);
    if (this.clock instanceof WallClock) {
      this.clock.attach((timer) => {
        // Nobody awaits a timer's cascade: its failure goes to onFatal (or the next call).
        try {
          const pending = this.barrier.deliver(this.sourceEnvelope(timer, TOPICS.control));
          if (pending !== undefined) pending.catch((error: unknown) => this.unawaitedFailure(error));
        } catch (error) {
          this.unawaitedFailure(error);
        }
      });
    }
  }

  /** Registers a stage; its place among a topic's subscribers follows `rank`, then `name`. */
  register(stage: Stage): this {
    if (this.stages.has(stage.name)) throw new Error(`stage ${stage.name} is registered twice`);
    const subscriber = subscriberOf(stage, this.contextOf(stage));
    this.stages.set(stage.name, subscriber);
    for (const topic of new Set(stage.consumes)) {
      const list = this.listFor(topic);
      list.push(subscriber);
      list.sort((a, b) => a.stage.rank - b.stage.rank || (a.stage.name < b.stage.name ? -1 : 1));
    }
    return this;
  }

  /** A topic's subscriber list, created empty when it has none yet (registrations add to it in place). */
  private listFor(topic: Topic): Subscriber[] {
    let list = this.subscribersByTopic.get(topic);
    if (list === undefined) {
      list = [];
      this.subscribersByTopic.set(topic, list);
    }
    return list;
  }

  /** Names of a topic's subscribers in delivery order (documentation and tests). */
  subscribersOf(topic: Topic): string[] {
    return (this.subscribersByTopic.get(topic) ?? []).map((subscriber) => subscriber.stage.name);
  }

  /** Names of the registered stages, in registration order. */
  stageNames(): string[] {
    return [...this.stages.keys()];
  }

  /** Injected events dropped as redeliveries of one already handled (same id). */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** Dead letters so far (stage failures and malformed external events). */
  get deadLetters(): number {
    return this.deadLetterCount;
  }

  /**
   * Delivers a trusted event from outside (a replayed candle, a simulated venue's report) and its
   * whole cascade. `undefined` when it finished synchronously, else a promise of quiescence.
   */
  process(event: BusEvent, topic: Topic): void | Promise<void> {
    this.throwFatal();
    return this.barrier.deliver(this.sourceEnvelope(event, topic));
  }

  /**
   * Delivers an untrusted event (a Redis message, a websocket payload): validated against the
   * topic's schema first; a malformed one becomes a dead letter naming the topic and the reason.
   * A redelivery (an id injected within the last `dedupeWindow` events) is dropped and counted.
   */
  inject(raw: unknown, topic: Topic): void | Promise<void> {
    this.throwFatal();
    const parsed = parseExternal(raw, topic);
    if (parsed.ok) {
      const envelope = this.sourceEnvelope(parsed.event, topic);
      if (this.recentIds.seenBefore(envelope.id)) {
        this.duplicateCount++;
        return undefined;
      }
      return this.barrier.deliver(envelope);
    }
    const letter = malformedLetter(topic, parsed.reason, raw);
    this.deadLetterCount++;
    // Numbered: two malformed events never share an id.
    return this.barrier.deliver(
      this.sourceEnvelope(letter, TOPICS.dlq, `dead-letter:${topic}:${++this.injectedLetters}`),
    );
  }

  private unawaitedFailure(error: unknown): void {
    if (this.onFatal !== undefined) this.onFatal(error);
    else this.fatal ??= { error };
  }

  private throwFatal(): void {
    const fatal = this.fatal;
    if (fatal === undefined) return;
    this.fatal = undefined;
    throw fatal.error;
  }

  /** End of recorded data (backtest only): an `EndOfData` on `control` after the timers due by `ts`. */
  end(ts: number): void | Promise<void> {
    return this.process({ kind: 'end-of-data', ts }, TOPICS.control);
  }

  private contextOf(stage: Stage): StageContext {
    const kernel = this;
    // Read once: the declarations are checked on every emission.
    const quiet = stage.quiet !== undefined && stage.quiet.length > 0 ? stage.quiet : undefined;
    const publishes = stage.publishes;
    // Each declared topic's subscribers, found with the declaration check (no Map lookup per emission).
    const routes = publishes?.map((topic) => this.listFor(topic));
    return {
      clock: this.clock,
      emit(event, topic) {
        kernel.emitFrom(stage, event, topic, quiet, publishes, routes);
      },
      get current(): Envelope {
        const frame = kernel.handling;
        if (frame === undefined || kernel.handlingStage !== stage) {
          throw new Error(`stage ${stage.name}: no event is being handled`);
        }
        return frame.envelope;
      },
    };
  }

  /** An event from outside; its id is its natural key (`sourceIdOf`), unless given. */
  private sourceEnvelope(event: BusEvent, topic: Topic, id?: string): Envelope {
    const tsEvent = event.ts ?? this.clock.now();
    const tsInit = this.wallClock ? this.clock.now() : tsEvent;
    return new BusEnvelope(topic, event, tsEvent, tsInit, 'source', undefined, 0, id);
  }

  private emitFrom(
    stage: Stage,
    event: BusEvent,
    topic: Topic,
    quiet: readonly Topic[] | undefined,
    publishes: readonly Topic[] | undefined,
    routes: readonly Subscriber[][] | undefined,
  ): void {
    const frame = this.handling;
    if (frame === undefined || this.handlingStage !== stage) {
      throw new Error(
        `stage ${stage.name} emitted ${event.kind} outside its handler (after its promise resolved?)`,
      );
    }
    const cause = frame.envelope;
    if (quiet !== undefined && indexIn(quiet, cause.topic) >= 0) {
      throw new Error(`stage ${stage.name} emitted ${event.kind} on ${cause.topic}, which it declares quiet`);
    }
    let subscribers: Subscriber[];
    if (publishes === undefined || routes === undefined) subscribers = this.listFor(topic);
    else {
      const route = indexIn(publishes, topic);
      if (route < 0) {
        throw new Error(
          `stage ${stage.name} emitted ${event.kind} on ${topic}, which it does not declare it publishes`,
        );
      }
      subscribers = routes[route];
    }
    const tsEvent = event.ts ?? cause.tsEvent;
    const tsInit = this.wallClock ? this.clock.now() : tsEvent;
    frame.outputs[frame.count] = new BusEnvelope(
      topic,
      event,
      tsEvent,
      tsInit,
      stage.name,
      cause,
      frame.count,
    );
    frame.routes[frame.count] = subscribers;
    frame.count++;
  }

  private timersThenCascade(envelope: Envelope): void | Promise<void> {
    const pending = this.fireDueTimers(envelope.tsEvent, envelope);
    return pending === undefined ? this.cascade(envelope) : pending;
  }

  /** Fires the event-time timers due by `ts` (each to quiescence), then delivers `then`. */
  private fireDueTimers(ts: number, then: Envelope): void | Promise<void> {
    const clock = this.eventClock;
    if (clock === undefined) return undefined;
    for (;;) {
      const timer = clock.takeDue(ts);
      if (timer === undefined) return undefined;
      const owner = this.stages.get(timer.owner);
      if (owner === undefined) continue;
      const envelope = this.sourceEnvelope(timer, TOPICS.control);
      this.onEvent?.(envelope);
      const pending = this.runFrom(this.pushFrame(envelope, [owner]));
      if (pending !== undefined) {
        return pending.then(() => {
          const more = this.fireDueTimers(ts, then);
          return more === undefined ? this.cascade(then) : more;
        });
      }
    }
  }

  /** Delivers one envelope to its subscribers, to quiescence. */
  private cascade(envelope: Envelope): void | Promise<void> {
    this.onEvent?.(envelope);
    const subscribers = this.subscribersFor(envelope);
    return subscribers.length === 0 ? undefined : this.runFrom(this.pushFrame(envelope, subscribers));
  }

  private reset(): void {
    this.depth = 0;
    this.handling = undefined;
    this.handlingStage = undefined;
  }

  /** A topic's subscribers; a timer goes to the stage that set it only. */
  private subscribersFor(envelope: Envelope): readonly Subscriber[] {
    const event = envelope.event;
    // Timers come on `control` only: other topics skip the (megamorphic) kind load.
    if (envelope.topic === TOPICS.control && event.kind === 'timer-fired') {
      const owner = this.stages.get(event.owner);
      return owner === undefined ? NO_SUBSCRIBERS : [owner];
    }
    // Events from outside come mostly on one topic (a replay's klines): its list is kept (`listFor`).
    const topic = envelope.topic;
    if (topic !== this.lastTopic) {
      this.lastTopic = topic;
      this.lastSubscribers = this.listFor(topic);
    }
    return this.lastSubscribers;
  }

  private pushFrame(envelope: Envelope, subscribers: readonly Subscriber[]): number {
    enterFrame(this.frames, this.depth, envelope, subscribers);
    return this.depth++;
  }

  /**
   * Runs the frames above `base` to quiescence. Synchronous until a handler returns a promise;
   * then the rest continues when it settles (the same steps, in the same order).
   */
  private runFrom(base: number): void | Promise<void> {
    const frames = this.frames;
    deeper: while (this.depth > base) {
      // One frame's subscribers in turn (its fields read once per turn, not once per step).
      const frame = frames[this.depth - 1];
      const subscribers = frame.subscribers;
      for (;;) {
        // Deliver what the last subscriber emitted before the next subscriber runs (depth-first).
        if (frame.delivered < frame.count) {
          const routes = frame.routes[frame.delivered];
          const envelope = frame.outputs[frame.delivered++];
          // onEvent runs outside every handler (a stage's emit or `current` there throws); the
          // stage is not cleared after each handler, only here and when the run ends or fails.
          this.handlingStage = undefined;
          this.onEvent?.(envelope);
          if (routes.length === 0) continue;
          this.pushFrame(envelope, routes);
          continue deeper;
        }
        if (frame.next >= subscribers.length) {
          this.depth--;
          continue deeper;
        }
        const subscriber = subscribers[frame.next++];
        frame.count = 0;
        frame.delivered = 0;
        this.handling = frame;
        this.handlingStage = subscriber.stage;
        let result: void | PromiseLike<void>;
        try {
          const handler = subscriber.handler;
          result =
            handler === undefined
              ? subscriber.stage.handle(frame.envelope.event, subscriber.context)
              : handler.next(frame.envelope.event, subscriber.emit as (out: BusEvent) => void);
        } catch (error) {
          this.stageFailed(frame, subscriber.stage, error);
          continue;
        }
        if (isThenable(result)) {
          return Promise.resolve(result).then(
            () => this.runFrom(base),
            (error: unknown) => {
              this.stageFailed(frame, subscriber.stage, error);
              return this.runFrom(base);
            },
          );
        }
      }
    }
    this.handling = undefined;
    this.handlingStage = undefined;
    return undefined;
  }

  /** A handler threw: its partial emissions are dropped and a dead letter takes their place. */
  private stageFailed(frame: Frame, stage: Stage, error: unknown): void {
    this.handling = undefined;
    this.handlingStage = undefined;
    const { envelope } = frame;
    if (this.throwOnStageError) throw new StageError(stage.name, envelope.topic, envelope.event, error);
    this.deadLetterCount++;
    const failedOnDeadLetter = envelope.event.kind === 'dead-letter';
    frame.count = 0;
    frame.delivered = 0;
    const tsInit = this.wallClock ? this.clock.now() : envelope.tsEvent;
    const deadLetter = stageFailureEnvelope(stage.name, envelope, error, tsInit);
    // A dlq subscriber failing on a dead letter would be handed its own failure again, forever:
    // that letter is recorded (onEvent) but not delivered.
    if (failedOnDeadLetter) this.onEvent?.(deadLetter);
    else {
      frame.routes[frame.count] = this.listFor(TOPICS.dlq);
      frame.outputs[frame.count++] = deadLetter;
    }
  }
}
