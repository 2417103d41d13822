// The quiescence barrier, seen from outside: `process` answers synchronously when every stage did,
// else with a promise that resolves when the whole cascade is quiet; events that arrive while a
// cascade is pending wait their turn. The random-async equivalence run: kernel-barrier.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline, signal } from '../builders.js';
import { label, stage } from './stage-helpers.js';

/** A promise and the function that resolves it (a stage held open until a test lets it go). */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

test('process answers undefined when every stage is synchronous', () => {
  const kernel = new Kernel()
    .register(stage('a', 0, [TOPICS.klines], (_e, context) => context.emit(signal(), TOPICS.signals)))
    .register(stage('b', 0, [TOPICS.signals], () => undefined));
  assert.is(kernel.process(kline(), TOPICS.klines), undefined);
});

test('process answers a promise when a directly subscribed stage is async', async () => {
  const kernel = new Kernel().register(stage('model', 0, [TOPICS.klines], async () => undefined));
  const answer = kernel.process(kline(), TOPICS.klines);
  assert.instance(answer, Promise);
  assert.is(await answer, undefined);
});

test('process answers a promise when only a stage deep in the cascade is async', async () => {
  const handled: string[] = [];
  const kernel = new Kernel()
    .register(stage('a', 0, [TOPICS.klines], (_e, context) => context.emit(signal(), TOPICS.signals)))
    .register(
      stage('b', 0, [TOPICS.signals], async () => {
        await null;
        handled.push('b');
      }),
    );
  const answer = kernel.process(kline(), TOPICS.klines);
  assert.instance(answer, Promise);
  assert.equal(handled, []);
  await answer;
  assert.equal(handled, ['b']);
});

test('a stage returning any thenable, not only a Promise, is awaited', async () => {
  const handled: string[] = [];
  const settledOnNextTurn = (): PromiseLike<void> => ({
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is what is specified here
    then(onFulfilled, onRejected) {
      const settled = new Promise<void>((resolve) =>
        setImmediate(() => {
          handled.push('thenable');
          resolve();
        }),
      );
      return settled.then(onFulfilled, onRejected);
    },
  });
  const kernel = new Kernel()
    .register(stage('thenable', 0, [TOPICS.klines], settledOnNextTurn))
    .register(stage('after', 1, [TOPICS.klines], () => void handled.push('after')));
  const answer = kernel.process(kline(), TOPICS.klines);
  assert.instance(answer, Promise);
  await answer;
  assert.equal(handled, ['thenable', 'after']);
});

test('the promise of process resolves only when the whole cascade is quiet', async () => {
  const handled: string[] = [];
  const kernel = new Kernel()
    .register(
      stage('model', 0, [TOPICS.klines], async (_e, context) => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        context.emit(signal(), TOPICS.signals);
      }),
    )
    .register(
      stage('strategy', 0, [TOPICS.signals], async () => {
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
        handled.push('strategy');
      }),
    )
    .register(stage('last', 1, [TOPICS.klines], () => void handled.push('last')));
  await kernel.process(kline(), TOPICS.klines);
  assert.equal(handled, ['strategy', 'last']);
});

test('events processed while a cascade is pending wait, then are handled in order, each to quiescence', async () => {
  const held = gate();
  const trace: string[] = [];
  const kernel = new Kernel()
    .register(
      stage('model', 0, [TOPICS.klines], (event, context) => {
        trace.push(`model ← ${label(event)}`);
        const emitSignal = () => context.emit(signal({ ts: event.ts }), TOPICS.signals);
        if (event.ts === 60_000) return held.opened.then(emitSignal);
        emitSignal();
      }),
    )
    .register(
      stage('strategy', 0, [TOPICS.signals], (event) => void trace.push(`strategy ← ${label(event)}`)),
    )
    .register(stage('last', 1, [TOPICS.klines], (event) => void trace.push(`last ← ${label(event)}`)));

  const first = kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const second = kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
  const third = kernel.process(kline({ ts: 180_000 }), TOPICS.klines);

  assert.instance(second, Promise);
  assert.instance(third, Promise);
  assert.equal(trace, ['model ← kline BTCUSDT@60000']);

  held.open();
  await Promise.all([first, second, third]);

  assert.equal(trace, [
    'model ← kline BTCUSDT@60000',
    'strategy ← signal BTCUSDT@60000',
    'last ← kline BTCUSDT@60000',
    'model ← kline BTCUSDT@120000',
    'strategy ← signal BTCUSDT@120000',
    'last ← kline BTCUSDT@120000',
    'model ← kline BTCUSDT@180000',
    'strategy ← signal BTCUSDT@180000',
    'last ← kline BTCUSDT@180000',
  ]);
});

test('an event injected while a cascade is pending waits its turn too', async () => {
  const held = gate();
  const seen: string[] = [];
  const kernel = new Kernel()
    .register(
      stage('model', 0, [TOPICS.klines], (event) => {
        seen.push(label(event));
        if (event.ts === 60_000) return held.opened;
      }),
    )
    .register(stage('dlq-sink', 0, [TOPICS.dlq], (event) => void seen.push(label(event))));

  const first = kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const malformed = kernel.inject({ kind: 'kline' }, TOPICS.klines);
  const valid = kernel.inject(kline({ ts: 120_000 }), TOPICS.klines);
  assert.equal(seen, ['kline BTCUSDT@60000']);

  held.open();
  await Promise.all([first, malformed, valid]);

  assert.equal(seen, ['kline BTCUSDT@60000', 'dead-letter@undefined', 'kline BTCUSDT@120000']);
});

test('a process call made inside a handler is delivered after the current cascade is quiet', () => {
  const trace: string[] = [];
  const kernel = new Kernel();
  kernel
    .register(
      stage('reentrant', 0, [TOPICS.klines], (event) => {
        trace.push(`reentrant ← ${label(event)}`);
        if (event.ts === 60_000) {
          const answer = kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
          trace.push(`inner process answered ${answer instanceof Promise ? 'a promise' : String(answer)}`);
        }
      }),
    )
    .register(stage('last', 1, [TOPICS.klines], (event) => void trace.push(`last ← ${label(event)}`)));

  assert.is(kernel.process(kline({ ts: 60_000 }), TOPICS.klines), undefined);

  assert.equal(trace, [
    'reentrant ← kline BTCUSDT@60000',
    'inner process answered a promise',
    'last ← kline BTCUSDT@60000',
    'reentrant ← kline BTCUSDT@120000',
    'last ← kline BTCUSDT@120000',
  ]);
});

// Regression (fixed; src/kernel/kernel.ts, quiet): the queue behind an async cascade is released by recursion
// (quiet → runRoot → cascade → quiet …). When more than a few thousand synchronous events wait
// (here about 2,700), the stack overflows: one of them rejects with "Maximum call stack size
// exceeded" and all behind it are never handled, their promises never settle (a live burst while a
// model awaits).
test('ten thousand events queued behind an async cascade are all handled, in order', async () => {
  const held = gate();
  const seen: number[] = [];
  const kernel = new Kernel().register(
    stage('model', 0, [TOPICS.klines], (event) => {
      seen.push(event.ts ?? -1);
      if (event.ts === 60_000) return held.opened;
    }),
  );
  const events = Array.from({ length: 10_001 }, (_, index) => kline({ ts: 60_000 * (index + 1) }));
  const [first, ...queued] = events.map((event) => kernel.process(event, TOPICS.klines));

  held.open();
  await first;

  // Synchronous stages: the whole queue is handled when the first cascade's promise resolves.
  assert.is(seen.length, events.length);
  assert.equal(
    seen,
    events.map((event) => event.ts),
  );
  const outcomes = await Promise.allSettled(queued);
  assert.equal(
    outcomes.filter(({ status }) => status === 'rejected'),
    [],
  );
});

// Regression (fixed; src/kernel/kernel.ts, quiet): with onStageError 'throw', when a queued event's cascade
// fails, `quiet` rejects its promise but does not release the events queued behind it: they stay
// queued (their promises pending) until some later `process` call ends a cascade, so they are
// handled after that later event, out of order.
test("with onStageError 'throw', events queued behind a failing event are still handled in order", async () => {
  const held = gate();
  const seen: number[] = [];
  const kernel = new Kernel({ onStageError: 'throw' }).register(
    stage('model', 0, [TOPICS.klines], (event) => {
      seen.push(event.ts ?? -1);
      if (event.ts === 60_000) return held.opened;
      if (event.ts === 120_000) throw new Error('boom');
    }),
  );
  const first = kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const failing = kernel.process(kline({ ts: 120_000 }), TOPICS.klines) as Promise<void>;
  const behind = kernel.process(kline({ ts: 180_000 }), TOPICS.klines);
  const failure = failing.then(
    () => 'resolved',
    (error: Error) => error.message,
  );

  held.open();
  await first;
  assert.is(await failure, 'stage model failed on market.klines (kline BTCUSDT @120000): boom');
  const later = kernel.process(kline({ ts: 240_000 }), TOPICS.klines);
  await Promise.all([behind, later]);

  assert.equal(seen, [60_000, 120_000, 180_000, 240_000]);
});

test.run();
