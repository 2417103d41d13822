// Every event on the bus has an identity (src/kernel/envelope.ts): a deterministic id, the id of
// the event whose handling caused it, the stage that published it, and its two timestamps. A
// stage publishes only from inside its handler; `end(ts)` closes a recorded run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent } from '../../src/domain/index.js';
import type { BusEnvelope, Envelope } from '../../src/kernel/envelope.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { StageContext } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { intent, kline, signal } from '../builders.js';
import { stage, thrown } from './stage-helpers.js';

/** A kernel that records every published envelope. */
const recording = () => {
  const published: Envelope[] = [];
  // As plain data: envelopes compute their ids when read.
  const kernel = new Kernel({
    onEvent: (envelope) => published.push({ ...(envelope as BusEnvelope).toJSON() }),
  });
  return { kernel, published };
};

/** features → signal (and an intent); strategy: signal → intent. */
const chain = (kernel: Kernel): Kernel =>
  kernel
    .register(
      stage('features', 10, [TOPICS.klines], (event, context) => {
        if (event.kind !== 'kline') return;
        context.emit(signal({ symbol: event.symbol, ts: event.ts, price: event.close }), TOPICS.signals);
        if (event.close > 100) context.emit(intent({ symbol: event.symbol, ts: event.ts }), TOPICS.intents);
      }),
    )
    .register(
      stage('strategy', 20, [TOPICS.signals], (event, context) => {
        if (event.kind !== 'signal') return;
        context.emit(intent({ symbol: event.symbol, ts: event.ts, price: event.price }), TOPICS.intents);
      }),
    );

const candles = Array.from({ length: 20 }, (_, index) =>
  kline({
    symbol: index % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT',
    ts: 60_000 * (1 + (index >> 1)),
    close: 95 + index,
  }),
);

test('a source event’s envelope: its natural key as id, no cause, origin source, tsInit = tsEvent = ts', () => {
  const { kernel, published } = recording();
  const candle = kline({ symbol: 'BTCUSDT', ts: 1_700_000_059_999 });
  kernel.process(candle, TOPICS.klines);
  assert.equal(published, [
    {
      id: 'kline:BTCUSDT:1m:1700000059999',
      topic: TOPICS.klines,
      causeId: undefined,
      tsEvent: 1_700_000_059_999,
      tsInit: 1_700_000_059_999,
      origin: 'source',
      event: candle,
    },
  ]);
});

test('a tick’s id adds its trade id to symbol and time', () => {
  const { kernel, published } = recording();
  kernel.process(
    { kind: 'tick', symbol: 'ETHUSDT', ts: 61_000, price: 3000, qty: 0.5, side: 'SELL', tradeId: '42' },
    TOPICS.ticks,
  );
  assert.is(published[0].id, 'tick:ETHUSDT:61000:42');
});

test('an emitted event names the handled event as its cause and the emitting stage as its origin', () => {
  const { kernel, published } = recording();
  chain(kernel).process(kline({ ts: 60_000, close: 99 }), TOPICS.klines);

  const [candle, emittedSignal, emittedIntent] = published;
  assert.equal(
    published.map(({ origin, topic, event }) => `${origin} ${topic} ${event.kind}`),
    [
      'source market.klines kline',
      'features ai.signal_generated signal',
      'strategy trade.intent trade-intent',
    ],
  );
  assert.is(emittedSignal.causeId, candle.id);
  assert.is(emittedIntent.causeId, emittedSignal.id);
});

test('an emitted event’s tsEvent is its own ts, and tsInit equals it under the event-time clock', () => {
  const { kernel, published } = recording();
  kernel.register(
    stage('delayed', 0, [TOPICS.klines], (_event, context) =>
      context.emit(signal({ ts: 61_500 }), TOPICS.signals),
    ),
  );
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  assert.is(published[1].tsEvent, 61_500);
  assert.is(published[1].tsInit, 61_500);
});

test('an emitted event without a ts takes its cause’s event time', () => {
  const { kernel, published } = recording();
  kernel.register(
    stage('reporter', 0, [TOPICS.klines], (_event, context) =>
      context.emit({ kind: 'dead-letter', origin: 'reporter', reason: 'r', payload: '{}' }, TOPICS.dlq),
    ),
  );
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  assert.is(published[1].tsEvent, 60_000);
  assert.is(published[1].tsInit, 60_000);
});

test('two fresh kernels fed the same events publish the same ids in the same order', () => {
  const first = recording();
  const second = recording();
  for (const { kernel } of [first, second]) {
    chain(kernel);
    for (const candle of candles) kernel.process(candle, TOPICS.klines);
  }
  const idsOf = (published: Envelope[]) => published.map(({ id, causeId }) => `${id} ← ${causeId}`);
  assert.ok(first.published.length > candles.length * 2);
  assert.equal(idsOf(first.published), idsOf(second.published));
});

test('ids are distinct across causes, stages and emission indexes', () => {
  const { kernel, published } = recording();
  const emitThree = (_event: BusEvent, context: StageContext) => {
    for (let index = 0; index < 3; index++) context.emit(signal({ confidence: index / 10 }), TOPICS.signals);
  };
  kernel
    .register(stage('left', 0, [TOPICS.klines], emitThree))
    .register(stage('right', 1, [TOPICS.klines], emitThree));
  for (const candle of candles) kernel.process(candle, TOPICS.klines);

  assert.is(published.length, candles.length * 7);
  assert.is(new Set(published.map(({ id }) => id)).size, published.length);
});

test('an emitted event’s id does not depend on what it carries, only on cause, stage and index', () => {
  const idOfEmission = (confidence: number): string => {
    const { kernel, published } = recording();
    kernel.register(
      stage('features', 0, [TOPICS.klines], (_e, context) =>
        context.emit(signal({ confidence }), TOPICS.signals),
      ),
    );
    kernel.process(kline(), TOPICS.klines);
    return published[1].id;
  };
  assert.is(idOfEmission(0.1), idOfEmission(0.9));
});

test('context.current is the envelope being handled', () => {
  const seen: string[] = [];
  const { kernel, published } = recording();
  chain(kernel).register(
    stage('auditor', 30, [TOPICS.klines, TOPICS.intents], (_event, context) => {
      const { id, topic, origin } = context.current;
      seen.push(`${origin} ${topic} ${id}`);
    }),
  );
  kernel.process(kline({ close: 99 }), TOPICS.klines);
  const intentEnvelope = published[2];
  assert.equal(seen, [
    `strategy trade.intent ${intentEnvelope.id}`,
    'source market.klines kline:BTCUSDT:1m:60000',
  ]);
});

test('context.current outside a handler throws naming the stage', () => {
  let saved: StageContext | undefined;
  const kernel = new Kernel().register(
    stage('sizer', 0, [TOPICS.klines], (_event, context) => {
      saved = context;
    }),
  );
  kernel.process(kline(), TOPICS.klines);
  assert.is(thrown(() => saved?.current).message, 'stage sizer: no event is being handled');
});

test('emitting after a synchronous handler returned throws naming the stage and the event', () => {
  let saved: StageContext | undefined;
  const kernel = new Kernel().register(
    stage('late', 0, [TOPICS.klines], (_event, context) => {
      saved = context;
    }),
  );
  kernel.process(kline(), TOPICS.klines);
  const error = thrown(() => saved?.emit(signal(), TOPICS.signals));
  assert.is(error.message, 'stage late emitted signal outside its handler (after its promise resolved?)');
});

test('emitting from a timeout after an async handler resolved throws naming the stage', async () => {
  let emitted: (error: Error | undefined) => void = () => undefined;
  const lateEmission = new Promise<Error | undefined>((resolve) => {
    emitted = resolve;
  });
  const published: string[] = [];
  const kernel = new Kernel({ onEvent: (envelope) => published.push(envelope.event.kind) }).register(
    stage('late', 0, [TOPICS.klines], async (_event, context) => {
      setTimeout(() => {
        try {
          context.emit(signal(), TOPICS.signals);
          emitted(undefined);
        } catch (error) {
          emitted(error as Error);
        }
      }, 1);
    }),
  );

  await kernel.process(kline(), TOPICS.klines);
  const error = await lateEmission;

  assert.is(error?.message, 'stage late emitted signal outside its handler (after its promise resolved?)');
  assert.equal(published, ['kline']);
});

test('emitting through a stage’s context while another stage is handling throws naming the first', () => {
  let dormant: StageContext | undefined;
  let message = '';
  const kernel = new Kernel()
    .register(
      stage('dormant', 0, [TOPICS.signals], (_event, context) => {
        dormant = context;
      }),
    )
    .register(
      stage('busy', 0, [TOPICS.klines], () => {
        message = thrown(() => dormant?.emit(intent(), TOPICS.intents)).message;
      }),
    );
  kernel.process(signal(), TOPICS.signals);
  kernel.process(kline(), TOPICS.klines);
  assert.is(message, 'stage dormant emitted trade-intent outside its handler (after its promise resolved?)');
});

test('an async handler may emit after awaiting, and its emissions are delivered when it resolves', async () => {
  const { kernel, published } = recording();
  kernel.register(
    stage('model', 0, [TOPICS.klines], async (_event, context) => {
      await null;
      context.emit(signal(), TOPICS.signals);
      await new Promise<void>((resolve) => setImmediate(resolve));
      context.emit(intent(), TOPICS.intents);
    }),
  );
  await kernel.process(kline(), TOPICS.klines);
  assert.equal(
    published.map(({ origin, event }) => `${origin} ${event.kind}`),
    ['source kline', 'model signal', 'model trade-intent'],
  );
});

test('end(ts) publishes an end-of-data event on control, delivered to control’s subscribers', () => {
  const { kernel, published } = recording();
  const received: BusEvent[] = [];
  kernel.register(stage('venue', 0, [TOPICS.control], (event) => void received.push(event)));

  assert.is(kernel.end(180_000), undefined);

  assert.equal(received, [{ kind: 'end-of-data', ts: 180_000 }]);
  assert.equal(published, [
    {
      id: 'end-of-data::180000',
      topic: TOPICS.control,
      causeId: undefined,
      tsEvent: 180_000,
      tsInit: 180_000,
      origin: 'source',
      event: { kind: 'end-of-data', ts: 180_000 },
    },
  ]);
});

test('end(ts) returns a promise when a control subscriber is async', async () => {
  const received: string[] = [];
  const kernel = new Kernel().register(
    stage('venue', 0, [TOPICS.control], async (event) => {
      await null;
      received.push(event.kind);
    }),
  );
  const pending = kernel.end(180_000);
  assert.instance(pending, Promise);
  await pending;
  assert.equal(received, ['end-of-data']);
});

// Regression (fixed; src/kernel/envelope.ts, sourceIdOf): a timer's id is `timer::<ts>`, without its owner or
// name, so two timers due at the same instant share an id, and so do the first events their
// handlers emit (same cause id, same stage, same index): de-duplication by id would drop one.
//
test('two timers of one stage due at the same instant, and what they emit, have distinct ids', () => {
  const { kernel, published } = recording();
  kernel.register(
    stage('exit', 0, [TOPICS.klines], (event, context) => {
      if (event.kind === 'kline' && event.ts === 60_000) {
        context.clock.setTimer({ owner: 'exit', name: 'stop-review', atMs: 90_000 });
        context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 90_000 });
      }
      if (event.kind === 'timer-fired') context.emit(signal({ ts: event.ts }), TOPICS.signals);
    }),
  );
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  kernel.process(kline({ ts: 120_000 }), TOPICS.klines);

  assert.equal(
    published.map(({ origin, event }) => `${origin} ${event.kind}`),
    [
      'source kline',
      'source timer-fired',
      'exit signal',
      'source timer-fired',
      'exit signal',
      'source kline',
    ],
  );
  assert.is(new Set(published.map(({ id }) => id)).size, published.length);
});

// Regression (fixed; src/kernel/kernel.ts, inject): the dead letter of a malformed external event has no ts,
// so its id is `dead-letter::` for every one of them.
test('the dead letters of two malformed external events have distinct ids', () => {
  const { kernel, published } = recording();
  kernel.inject({ kind: 'kline', symbol: 'BTCUSDT' }, TOPICS.klines);
  kernel.inject('not a kline', TOPICS.klines);
  assert.is(published.length, 2);
  assert.is.not(published[0].id, published[1].id);
});

test('a stage’s emit and current called from onEvent, between its handler and the next, throw', () => {
  let saved: StageContext | undefined;
  const errors: string[] = [];
  const kernel = new Kernel({
    onEvent: (envelope) => {
      if (envelope.event.kind !== 'signal') return;
      errors.push(thrown(() => saved?.emit(signal(), TOPICS.signals)).message);
      errors.push(thrown(() => saved?.current).message);
    },
  })
    .register(
      stage('features', 0, [TOPICS.klines], (event, context) => {
        saved = context;
        context.emit(signal({ ts: event.ts }), TOPICS.signals);
      }),
    )
    .register(stage('after', 1, [TOPICS.klines], () => undefined));
  kernel.process(kline(), TOPICS.klines);
  assert.equal(errors, [
    'stage features emitted signal outside its handler (after its promise resolved?)',
    'stage features: no event is being handled',
  ]);
});

test.run();
