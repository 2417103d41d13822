// The quiescence barrier: how long a stage takes never changes what happens. A small trading graph
// whose stages are made async at random sees exactly the calls and publications of its synchronous
// run. How `process` answers and how events wait behind a pending cascade: kernel-barrier-queue.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { createPrng, type Prng } from '../../src/domain/prng.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Stage } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { intent, kline, signal, sizing } from '../builders.js';
import { stage } from './stage-helpers.js';

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

test.run();
