import { Observable, type OperatorFunction } from 'rxjs';
import type { BusEvent } from '../domain/index.js';
import { DIRECT_HANDLER, type DirectHandler, type Stage, type StageContext } from './stage.js';
import type { Topic } from './topics.js';

/**
 * A stage's logic as plain code: state lives in the closure that made the handler, `next` takes
 * one event and emits through `emit`, `end` (optional) flushes when the input ends. The same
 * handler runs as a kernel stage (`handlerStage`) and as an rxjs operator (`operate`) — the
 * marble tests exercise exactly the code the engine runs.
 */
export interface Handler<In, Out> {
  next(event: In, emit: (out: Out) => void): void | PromiseLike<void>;
  end?(emit: (out: Out) => void): void;
}

const isThenable = (value: unknown): value is PromiseLike<void> =>
  value !== undefined && value !== null && typeof (value as PromiseLike<void>).then === 'function';

/**
 * The handler as an rxjs operator (rxjs's own `operate` idea): a fresh handler per subscription;
 * an exception inside it reaches `subscriber.error` (never escapes as an uncaught exception, never
 * completes the stream silently); an async answer holds later events back until it settles, so
 * they are handled in order. `side$`, when given, is subscribed first and fed to the same handler
 * (account state for sizing and risk); only the main source's completion completes the output.
 */
export const operate =
  <In, Out, Side = never>(
    create: () => Handler<In | Side, Out>,
    side$?: Observable<Side>,
  ): OperatorFunction<In, Out> =>
  (source) =>
    new Observable<Out>((subscriber) => {
      const handler = create();
      const emit = (out: Out): void => subscriber.next(out);
      // Events that arrived while an async answer was pending, in arrival order.
      const waiting: (In | Side)[] = [];
      let pending = false;
      let sourceDone = false;
      let failed = false;
      const fail = (error: unknown): void => {
        failed = true;
        subscriber.error(error);
      };
      const finish = (): void => {
        try {
          handler.end?.(emit);
        } catch (error) {
          fail(error);
          return;
        }
        subscriber.complete();
      };
      const run = (event: In | Side): void => {
        let result: void | PromiseLike<void>;
        try {
          result = handler.next(event, emit);
        } catch (error) {
          fail(error);
          return;
        }
        if (!isThenable(result)) return;
        pending = true;
        result.then(
          () => {
            pending = false;
            while (!pending && !failed && !subscriber.closed && waiting.length > 0)
              run(waiting.shift() as In | Side);
            if (!pending && !failed && sourceDone) finish();
          },
          (error: unknown) => fail(error),
        );
      };
      const next = (event: In | Side): void => {
        if (failed) return;
        if (pending) waiting.push(event);
        else run(event);
      };
      const subscription = side$?.subscribe({ next, error: fail });
      const main = source.subscribe({
        next,
        error: fail,
        complete: () => {
          sourceDone = true;
          if (!pending && !failed) finish();
        },
      });
      if (subscription !== undefined) main.add(subscription);
      return main;
    });

/**
 * The handler as a kernel stage: consumes `consumes`, publishes each emission on `topicOf(event)`.
 */
export const handlerStage = <Out extends BusEvent>(spec: {
  readonly name: string;
  readonly rank: number;
  readonly consumes: readonly Topic[];
  /** Consumed topics it never answers (see `Stage.quiet`). */
  readonly quiet?: readonly Topic[];
  /** Topics it publishes to (see `Stage.publishes`). */
  readonly publishes?: readonly Topic[];
  readonly handler: Handler<BusEvent, Out>;
  readonly topicOf: (event: Out) => Topic;
}): Stage => {
  const { handler, topicOf } = spec;
  // One emit function per stage (the context is the stage's own, for its whole life).
  let context: StageContext | undefined;
  let emit: ((out: Out) => void) | undefined;
  const handle = (event: BusEvent, stageContext: StageContext): void | PromiseLike<void> => {
    if (context !== stageContext) {
      context = stageContext;
      const bound = stageContext;
      emit = (out) => bound.emit(out, topicOf(out));
    }
    return handler.next(event, emit as (out: Out) => void);
  };
  const direct: DirectHandler = {
    handle,
    handler: handler as DirectHandler['handler'],
    topicOf: topicOf as (event: BusEvent) => Topic,
  };
  return {
    name: spec.name,
    rank: spec.rank,
    consumes: spec.consumes,
    // Always both keys, in one order: every handler stage has one shape (the kernel's calls stay monomorphic).
    quiet: spec.quiet,
    publishes: spec.publishes,
    handle,
    [DIRECT_HANDLER]: direct,
  } as Stage;
};
