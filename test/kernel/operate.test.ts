// A stage's logic as a `Handler` runs both as an rxjs operator (`operate`) and as a kernel stage
// (`handlerStage`). The operator follows rxjs's checklist: values, errors in the projection,
// completion, unsubscription, hot sources; plus a side input and async answers held in order.
import { from, lastValueFrom, NEVER, type Observable, Subject, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, Signal } from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { type Handler, handlerStage, operate } from '../../src/kernel/operate.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline, signal } from '../builders.js';

/**
 * uvu's deep equality sees every two Errors as equal (STYLE.md), so errors in marble frames are
 * compared by their message.
 */
const withMessages = (frames: unknown): unknown =>
  JSON.parse(
    JSON.stringify(frames, (_key, value: unknown) =>
      value instanceof Error ? `Error: ${value.message}` : value,
    ),
  );
const scheduler = () =>
  new TestScheduler((actual, expected) => assert.equal(withMessages(actual), withMessages(expected)));

/** Price × 10; a negative price is a bug upstream and throws. */
const scaled = (): Handler<number, number> => ({
  next(price, emit) {
    if (price < 0) throw new Error(`negative price ${price}`);
    emit(price * 10);
  },
});

/** Pairs consecutive values; `end` flushes a lone last value. State per handler. */
const pairs = (log: string[] = []): Handler<number, number[]> => {
  let pending: number | undefined;
  return {
    next(value, emit) {
      log.push(`next ${value}`);
      if (pending === undefined) pending = value;
      else {
        emit([pending, value]);
        pending = undefined;
      }
    },
    end(emit) {
      log.push('end');
      if (pending !== undefined) emit([pending]);
    },
  };
};

/** Running sum: shows whether a handler's state is fresh. */
const runningSum = (): Handler<number, number> => {
  let sum = 0;
  return {
    next(value, emit) {
      sum += value;
      emit(sum);
    },
  };
};

// Marble specs -------------------------------------------------------------------------------

test('values pass through the handler', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a-b-c|', { a: 1, b: 2, c: 3 });
    expectObservable(source.pipe(operate(scaled))).toBe('-x-y-z|', { x: 10, y: 20, z: 30 });
  });
});

test('an exception in the handler reaches the subscriber as an error with its message, and nothing after', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-b-c|', { a: 1, b: -1, c: 3 });
    expectObservable(source.pipe(operate(scaled))).toBe('-x-#', { x: 10 }, new Error('negative price -1'));
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('marble errors are compared by message: a different message fails the spec', () => {
  let failure = '';
  try {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a|', { a: -1 });
      expectObservable(source.pipe(operate(scaled))).toBe('-#', undefined, new Error('another message'));
    });
  } catch (error) {
    failure = (error as Error).message;
  }
  assert.ok(failure.length > 0, 'a different message fails the comparison');
});

test('completion calls end, whose emissions come before the completion', () => {
  const log: string[] = [];
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a-b-c|', { a: 1, b: 2, c: 3 });
    expectObservable(source.pipe(operate(() => pairs(log)))).toBe('---p--(q|)', { p: [1, 2], q: [3] });
  });
  assert.equal(log, ['next 1', 'next 2', 'next 3', 'end']);
});

test('an exception in end reaches the subscriber as an error instead of the completion', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const failingEnd = (): Handler<number, number> => ({
      next: (value, emit) => emit(value),
      end() {
        throw new Error('flush failed');
      },
    });
    expectObservable(cold('-a|', { a: 1 }).pipe(operate(failingEnd))).toBe(
      '-a#',
      { a: 1 },
      new Error('flush failed'),
    );
  });
});

test('a source error passes through, without calling end', () => {
  const log: string[] = [];
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a-#', { a: 1 }, new Error('feed lost'));
    expectObservable(source.pipe(operate(() => pairs(log)))).toBe('---#', undefined, new Error('feed lost'));
  });
  assert.equal(log, ['next 1']);
});

test('empty, never and throwing sources', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold<number>('|').pipe(operate(() => pairs()))).toBe('|');
    expectObservable(cold<number>('-').pipe(operate(() => pairs()))).toBe('-');
    expectObservable(cold<number>('#', undefined, new Error('no data')).pipe(operate(() => pairs()))).toBe(
      '#',
      undefined,
      new Error('no data'),
    );
  });
});

test('unsubscription tears down the source subscription', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-b-c|', { a: 1, b: 2, c: 3 });
    expectObservable(source.pipe(operate(scaled)), '^--!').toBe('-x-', { x: 10 });
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('a hot source is seen from the subscription point on', () => {
  scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
    const source = hot('-a-^-b-c-|', { a: 1, b: 2, c: 3 });
    expectObservable(source.pipe(operate(runningSum))).toBe('--x-y-|', { x: 2, y: 5 });
    expectSubscriptions(source.subscriptions).toBe('^-----!');
  });
});

test('every subscription gets a fresh handler', () => {
  let created = 0;
  scheduler().run(({ cold, expectObservable }) => {
    const sums = cold('-a-b|', { a: 1, b: 2 }).pipe(
      operate(() => {
        created++;
        return runningSum();
      }),
    );
    expectObservable(sums).toBe('-x-y|', { x: 1, y: 3 });
    expectObservable(sums).toBe('-x-y|', { x: 1, y: 3 });
  });
  assert.is(created, 2);
});

// Side input ----------------------------------------------------------------------------------

interface Account {
  readonly equityUsdt: number;
}

/** Sizes each price with the latest account equity from the side input. */
const sizer = (): Handler<number | Account, string> => {
  let equityUsdt: number | undefined;
  return {
    next(event, emit) {
      if (typeof event === 'number') emit(`${event}@${equityUsdt ?? 'unknown'}`);
      else equityUsdt = event.equityUsdt;
    },
  };
};

test('side$ is subscribed first and its events reach the same handler', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const account$ = cold<Account>('s----t', { s: { equityUsdt: 1000 }, t: { equityUsdt: 2000 } });
    const prices = cold('a--b---c|', { a: 100, b: 101, c: 102 });
    expectObservable(prices.pipe(operate<number, string, Account>(sizer, account$))).toBe('x--y---z|', {
      x: '100@1000',
      y: '101@1000',
      z: '102@2000',
    });
    expectSubscriptions(account$.subscriptions).toBe('^-------!');
  });
});

test('the main source’s completion completes the output even if side$ never completes', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const prices = cold('-a|', { a: 100 });
    expectObservable(prices.pipe(operate<number, string, Account>(sizer, NEVER as Observable<Account>))).toBe(
      '-x|',
      { x: '100@unknown' },
    );
  });
});

test('side$’s completion does not complete the output', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const account$ = cold<Account>('s|', { s: { equityUsdt: 1000 } });
    const prices = cold('---a|', { a: 100 });
    expectObservable(prices.pipe(operate<number, string, Account>(sizer, account$))).toBe('---x|', {
      x: '100@1000',
    });
  });
});

test('an error on side$ reaches the subscriber and tears down the main source', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const account$ = cold<Account>('--#', undefined, new Error('account stream lost'));
    const prices = cold('a---b|', { a: 100, b: 101 });
    expectObservable(prices.pipe(operate<number, string, Account>(sizer, account$))).toBe(
      'x-#',
      { x: '100@unknown' },
      new Error('account stream lost'),
    );
    expectSubscriptions(prices.subscriptions).toBe('^-!');
  });
});

test('unsubscription tears down both the source and side$', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const account$ = cold<Account>('s-----', { s: { equityUsdt: 1000 } });
    const prices = cold('-a-b-c|', { a: 100, b: 101, c: 102 });
    expectObservable(prices.pipe(operate<number, string, Account>(sizer, account$)), '^--!').toBe('-x-', {
      x: '100@1000',
    });
    expectSubscriptions(prices.subscriptions).toBe('^--!');
    expectSubscriptions(account$.subscriptions).toBe('^--!');
  });
});

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
