// A stage's logic as a `Handler`, with real promises: as an rxjs operator (`operate`) an async
// answer holds later events so the output keeps input order; as a kernel stage (`handlerStage`) it
// publishes what it emits and is awaited. The marble specs: operate.test.ts.
import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, Signal } from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { type Handler, handlerStage, operate } from '../../src/kernel/operate.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline, signal } from '../builders.js';

// Async answers (real promises) ----------------------------------------------------------------

const settleAfter = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('an async handler holds later events until its promise settles, so output keeps input order', async () => {
  const trace: string[] = [];
  // The first event takes longest: without the hold, later ones would overtake it.
  const slowFirst = (): Handler<number, number> => ({
    async next(value, emit) {
      trace.push(`start ${value}`);
      await settleAfter(4 - value);
      trace.push(`done ${value}`);
      emit(value * 10);
    },
    end() {
      trace.push('end');
    },
  });

  const output = await lastValueFrom(from([1, 2, 3, 4]).pipe(operate(slowFirst), toArray()));

  assert.equal(output, [10, 20, 30, 40]);
  assert.equal(trace, [
    'start 1',
    'done 1',
    'start 2',
    'done 2',
    'start 3',
    'done 3',
    'start 4',
    'done 4',
    'end',
  ]);
});

test('sync and async answers mixed keep input order', async () => {
  const mixed = (): Handler<number, number> => ({
    next(value, emit) {
      if (value % 2 === 0) {
        emit(value);
        return;
      }
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          emit(value);
          resolve();
        }),
      );
    },
  });
  const output = await lastValueFrom(from([1, 2, 3, 4, 5, 6]).pipe(operate(mixed), toArray()));
  assert.equal(output, [1, 2, 3, 4, 5, 6]);
});

test('a source that completes while an answer is pending completes after the queue drains and end ran', async () => {
  const trace: string[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler = (): Handler<number, number> => ({
    next(value, emit) {
      trace.push(`next ${value}`);
      emit(value);
      if (value === 1) return held;
    },
    end(emit) {
      trace.push('end');
      emit(99);
    },
  });
  const prices = new Subject<number>();
  const output: number[] = [];
  const completed = new Promise<void>((resolve) =>
    prices.pipe(operate(handler)).subscribe({
      next: (value) => output.push(value),
      complete: () => {
        trace.push('complete');
        resolve();
      },
    }),
  );

  prices.next(1);
  prices.next(2);
  prices.next(3);
  prices.complete();
  assert.equal(trace, ['next 1']);

  release();
  await completed;

  assert.equal(trace, ['next 1', 'next 2', 'next 3', 'end', 'complete']);
  assert.equal(output, [1, 2, 3, 99]);
});

test('a rejected answer reaches the subscriber as an error with its message, and nothing after', async () => {
  const failing = (): Handler<number, number> => ({
    async next(value, emit) {
      await null;
      if (value === 2) throw new Error('inference timed out');
      emit(value);
    },
  });
  const output: number[] = [];
  let failure = '';
  await new Promise<void>((resolve) =>
    from([1, 2, 3])
      .pipe(operate(failing))
      .subscribe({
        next: (value) => output.push(value),
        error: (error: Error) => {
          failure = error.message;
          resolve();
        },
        complete: resolve,
      }),
  );
  assert.is(failure, 'inference timed out');
  assert.equal(output, [1]);
});

// As a kernel stage ----------------------------------------------------------------------------

test('handlerStage runs the handler as a stage and publishes each emission on topicOf(it)', () => {
  const published: string[] = [];
  const counter = (): Handler<BusEvent, Signal> => {
    let seen = 0;
    return {
      next(event, emit) {
        seen++;
        if (event.kind === 'kline') emit(signal({ ts: event.ts, confidence: seen / 10 }));
      },
    };
  };
  const kernel = new Kernel({
    onEvent: ({ origin, topic, event, causeId }) =>
      published.push(
        `${origin} ${topic} ${event.kind === 'signal' ? event.confidence : event.kind} ← ${causeId}`,
      ),
  }).register(
    handlerStage({
      name: 'features',
      rank: 10,
      consumes: [TOPICS.klines],
      handler: counter(),
      topicOf: () => TOPICS.signals,
    }),
  );

  for (const ts of [60_000, 120_000]) kernel.process(kline({ ts }), TOPICS.klines);

  assert.equal(published, [
    'source market.klines kline ← undefined',
    'features ai.signal_generated 0.1 ← kline:BTCUSDT:1m:60000',
    'source market.klines kline ← undefined',
    'features ai.signal_generated 0.2 ← kline:BTCUSDT:1m:120000',
  ]);
});

test('handlerStage with an async handler is awaited by the kernel', async () => {
  const published: string[] = [];
  const kernel = new Kernel({
    onEvent: ({ origin, event }) => published.push(`${origin} ${event.kind}`),
  }).register(
    handlerStage({
      name: 'model',
      rank: 40,
      consumes: [TOPICS.klines],
      handler: {
        async next(event, emit) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (event.kind === 'kline') emit(signal({ ts: event.ts }));
        },
      } satisfies Handler<BusEvent, Signal>,
      topicOf: () => TOPICS.signals,
    }),
  );
  const answer = kernel.process(kline(), TOPICS.klines);
  assert.instance(answer, Promise);
  await answer;
  assert.equal(published, ['source kline', 'model signal']);
});

test.run();
