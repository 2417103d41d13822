// The quiescence barrier: how long a stage takes never changes what happens. `process` answers
// synchronously when every stage did, else with a promise; an async stage sees exactly what a
// synchronous one would, and events that arrive while a cascade is pending wait their turn.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { createPrng, type Prng } from '../../src/domain/prng.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Stage } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { intent, kline, signal, sizing } from '../builders.js';
import { label, stage } from './stage-helpers.js';

/** A promise and the function that resolves it (a stage held open until a test lets it go). */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};

// A small trading graph --------------------------------------------------------------------
// Every stage's behaviour depends on the events only: state per symbol, timers, a cascade two
// levels deep, a stage that throws on some events, a DLQ sink and an end-of-data consumer.

const graph = (): Stage[] => {
  const lastClose = new Map<string, number>();
  let klinesSeen = 0;
  return [
    stage('venue', 0, [TOPICS.klines, TOPICS.control, TOPICS.sizingDecided], () => undefined),
    stage('features', 10, [TOPICS.klines], (event, context) => {
      if (event.kind === 'timer-fired') {
        context.emit(signal({ ts: event.ts, action: 'SELL', confidence: 0.9 }), TOPICS.signals);
        return;
      }
      if (event.kind !== 'kline') return;
      klinesSeen++;
      const previous = lastClose.get(event.symbol);
      lastClose.set(event.symbol, event.close);
      if (klinesSeen % 7 === 0) {
        context.clock.setTimer({
          owner: 'features',
          name: `recheck-${event.symbol}`,
          atMs: event.ts + 90_000,
        });
      }
      if (previous === undefined) return;
      const move = (event.close - previous) / previous;
      if (Math.abs(move) > 0.004) {
        const confidence = Math.min(0.99, Math.abs(move) * 60);
        const action = move > 0 ? 'BUY' : 'SELL';
        context.emit(
          signal({ symbol: event.symbol, ts: event.ts, action, confidence, price: event.close }),
          TOPICS.signals,
        );
      }
    }),
    stage('monitor', 5, [TOPICS.klines, TOPICS.signals], () => undefined),
    stage('strategy', 20, [TOPICS.signals], (event, context) => {
      if (event.kind !== 'signal') return;
      if (event.confidence < 0.3) throw new Error(`weak signal ${event.confidence.toFixed(3)}`);
      context.emit(intent({ symbol: event.symbol, ts: event.ts, price: event.price }), TOPICS.intents);
      if (event.confidence > 0.8) {
        context.emit(intent({ symbol: event.symbol, ts: event.ts, strategy: 'conviction' }), TOPICS.intents);
      }
    }),
    stage('sizer', 30, [TOPICS.intents, TOPICS.klines], (event, context) => {
      if (event.kind !== 'trade-intent') return;
      context.emit(sizing({ symbol: event.symbol, ts: event.ts, price: event.price }), TOPICS.sizingDecided);
    }),
    stage('audit', 40, [TOPICS.dlq, TOPICS.control], () => undefined),
  ];
};

/** Records every handler call (stage ← event id) and every published envelope. */
interface Recorder {
  readonly calls: string[];
  readonly published: Envelope[];
}

const recorded = (inner: Stage, recorder: Recorder): Stage => ({
  ...inner,
  handle(event, context) {
    recorder.calls.push(`${inner.name} ← ${context.current.id}`);
    return inner.handle(event, context);
  },
});

const pause = (prng: Prng): Promise<void> => {
  switch (prng.int(4)) {
    case 0:
      return (async () => {
        await null;
      })();
    case 1:
      return Promise.resolve();
    case 2:
      return new Promise((resolve) => setImmediate(resolve));
    default:
      return new Promise((resolve) => setTimeout(resolve, prng.int(4)));
  }
};

/**
 * The same stage, made async at random (seeded): some calls stay synchronous, some wait before
 * handling, some handle (and emit) first and then wait. Counts handlers running at once.
 */
const madeAsync = (inner: Stage, prng: Prng, running: { now: number; max: number }): Stage => ({
  ...inner,
  handle(event, context) {
    const mode = prng.int(3);
    if (mode === 0) return inner.handle(event, context);
    running.now++;
    running.max = Math.max(running.max, running.now);
    const settle = () => {
      running.now--;
    };
    if (mode === 1) {
      return pause(prng)
        .then(() => inner.handle(event, context))
        .finally(settle);
    }
    return (async () => {
      try {
        await inner.handle(event, context);
        await pause(prng);
      } finally {
        settle();
      }
    })();
  },
});

/** 200 one-minute candles on two symbols, a seeded random walk. */
const market = (): Kline[] => {
  const prng = createPrng('kernel-barrier-market');
  const close = { BTCUSDT: 100, ETHUSDT: 50 };
  return Array.from({ length: 200 }, (_, index) => {
    const symbol = index % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT';
    close[symbol] *= 1 + prng.normal() * 0.006;
    return kline({ symbol, ts: 60_000 * (1 + (index >> 1)), close: Number(close[symbol].toFixed(4)) });
  });
};

const kernelFor = (wrap: (stage: Stage) => Stage) => {
  const recorder: Recorder = { calls: [], published: [] };
  const kernel = new Kernel({ onEvent: (envelope) => recorder.published.push(envelope) });
  for (const inner of graph()) kernel.register(wrap(recorded(inner, recorder)));
  return { kernel, recorder };
};

const syncRun = (events: readonly Kline[]): Recorder => {
  const { kernel, recorder } = kernelFor((inner) => inner);
  for (const event of events) {
    const answer = kernel.process(event, TOPICS.klines);
    if (answer !== undefined) throw new Error(`process answered ${answer} for a synchronous graph`);
  }
  kernel.end(events[events.length - 1].ts + 60_000);
  return recorder;
};

test('the reference graph exercises cascades, timers and dead letters', () => {
  const { published } = syncRun(market());
  const kinds = new Map<string, number>();
  for (const { event } of published) kinds.set(event.kind, (kinds.get(event.kind) ?? 0) + 1);
  assert.is(kinds.get('kline'), 200);
  assert.ok((kinds.get('signal') ?? 0) > 20, 'signals');
  assert.ok((kinds.get('trade-intent') ?? 0) > 10, 'intents');
  assert.ok((kinds.get('sizing-decision') ?? 0) > 10, 'sizings');
  assert.ok((kinds.get('timer-fired') ?? 0) > 10, 'timers');
  assert.ok((kinds.get('dead-letter') ?? 0) > 5, 'dead letters');
  assert.is(kinds.get('end-of-data'), 1);
});

test('stages made async at random see exactly the calls and publications of the synchronous run', async () => {
  const events = market();
  const reference = syncRun(events);
  const prng = createPrng('kernel-barrier-delays');
  const running = { now: 0, max: 0 };
  const { kernel, recorder } = kernelFor((inner) => madeAsync(inner, prng, running));

  let asyncAnswers = 0;
  for (const event of events) {
    const answer = kernel.process(event, TOPICS.klines);
    if (answer !== undefined) {
      asyncAnswers++;
      await answer;
    }
  }
  await kernel.end(events[events.length - 1].ts + 60_000);

  assert.ok(asyncAnswers > 100, `${asyncAnswers} async answers`);
  assert.is(running.max, 1);
  assert.equal(recorder.calls, reference.calls);
  assert.equal(recorder.published, reference.published);
});

test('all events handed over at once to async stages give the synchronous run’s sequence', async () => {
  const events = market();
  const reference = syncRun(events);
  const prng = createPrng('kernel-barrier-burst');
  const running = { now: 0, max: 0 };
  const { kernel, recorder } = kernelFor((inner) => madeAsync(inner, prng, running));

  const answers = events.map((event) => kernel.process(event, TOPICS.klines));
  answers.push(kernel.end(events[events.length - 1].ts + 60_000));
  await Promise.all(answers);

  assert.is(running.max, 1);
  assert.equal(recorder.calls, reference.calls);
  assert.equal(recorder.published, reference.published);
});

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

// BUG (src/kernel/kernel.ts, quiet): the queue behind an async cascade is released by recursion
// (quiet → runRoot → cascade → quiet …). When more than a few thousand synchronous events wait
// (here about 2,700), the stack overflows: one of them rejects with "Maximum call stack size
// exceeded" and all behind it are never handled, their promises never settle (a live burst while a
// model awaits). Skipped until the kernel is fixed.
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

// BUG (src/kernel/kernel.ts, quiet): with onStageError 'throw', when a queued event's cascade
// fails, `quiet` rejects its promise but does not release the events queued behind it: they stay
// queued (their promises pending) until some later `process` call ends a cascade, so they are
// handled after that later event, out of order. Skipped until the kernel is fixed.
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
