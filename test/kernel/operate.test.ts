// A stage's logic as a `Handler` runs as an rxjs operator (`operate`). Marble specs after rxjs's
// checklist: values, errors in the projection, completion, unsubscription, hot sources; plus a side
// input. Async answers held in order and the handler as a kernel stage: operate-async.test.ts.
import { NEVER, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Handler, operate } from '../../src/kernel/operate.js';

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

test.run();
