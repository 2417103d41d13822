// The kernel's declared order (DESIGN.md §1a): which subscriber sees an event first is data
// (`rank`, then `name`), never registration order; delivery is depth-first and never re-enters a
// handler.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/kernel/kernel.js';
import { handlerStage } from '../../src/kernel/operate.js';
import type { Stage } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { intent, kline, signal } from '../builders.js';
import { label, stage, thrown } from './stage-helpers.js';

const permutations = <T>(items: readonly T[]): T[][] =>
  items.length <= 1
    ? [[...items]]
    : items.flatMap((item, index) =>
        permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
      );

test('subscribers of a topic run in rank order, ties by name, whatever the registration order', () => {
  const ranked = [
    { name: 'risk', rank: 70 },
    { name: 'sizing', rank: 60 },
    { name: 'alpha', rank: 60 },
    { name: 'venue', rank: 0 },
  ];
  const orders = permutations(ranked);
  assert.is(orders.length, 24);
  for (const order of orders) {
    const calls: string[] = [];
    const kernel = new Kernel();
    for (const { name, rank } of order) {
      kernel.register(stage(name, rank, [TOPICS.klines], () => void calls.push(name)));
    }
    kernel.process(kline(), TOPICS.klines);
    assert.equal(calls, ['venue', 'alpha', 'sizing', 'risk'], order.map(({ name }) => name).join(', '));
  }
});

test('three stages with equal rank run in name order whatever the registration order', () => {
  for (const order of permutations(['charlie', 'alpha', 'bravo'])) {
    const calls: string[] = [];
    const kernel = new Kernel();
    for (const name of order) kernel.register(stage(name, 5, [TOPICS.klines], () => void calls.push(name)));
    kernel.process(kline(), TOPICS.klines);
    assert.equal(calls, ['alpha', 'bravo', 'charlie'], order.join(', '));
  }
});

test('subscribersOf lists each topic’s subscribers in delivery order', () => {
  const kernel = new Kernel()
    .register(stage('strategy', 50, [TOPICS.signals, TOPICS.klines], () => undefined))
    .register(stage('portfolio', 10, [TOPICS.klines, TOPICS.executionResult], () => undefined))
    .register(stage('venue', 0, [TOPICS.klines], () => undefined));
  assert.equal(kernel.subscribersOf(TOPICS.klines), ['venue', 'portfolio', 'strategy']);
  assert.equal(kernel.subscribersOf(TOPICS.signals), ['strategy']);
  assert.equal(kernel.subscribersOf(TOPICS.executionResult), ['portfolio']);
  assert.equal(kernel.subscribersOf(TOPICS.intents), []);
});

test('a stage that lists a topic twice is one subscriber and is called once per event', () => {
  let calls = 0;
  const kernel = new Kernel().register(
    stage('twice', 0, [TOPICS.klines, TOPICS.klines], () => {
      calls++;
    }),
  );
  kernel.process(kline(), TOPICS.klines);
  assert.equal(kernel.subscribersOf(TOPICS.klines), ['twice']);
  assert.is(calls, 1);
});

test('registering a second stage with a taken name throws naming it and keeps the first', () => {
  const kernel = new Kernel().register(stage('sizing', 60, [TOPICS.intents], () => undefined));
  const error = thrown(() => kernel.register(stage('sizing', 10, [TOPICS.klines], () => undefined)));
  assert.is(error.message, 'stage sizing is registered twice');
  assert.equal(kernel.subscribersOf(TOPICS.intents), ['sizing']);
  assert.equal(kernel.subscribersOf(TOPICS.klines), []);
});

test('register returns the kernel, so registrations chain', () => {
  const kernel = new Kernel();
  assert.is(kernel.register(stage('a', 0, [TOPICS.klines], () => undefined)), kernel);
});

test('an event on a topic nobody consumes is delivered to no one and returns undefined', () => {
  const seen: string[] = [];
  const kernel = new Kernel({ onEvent: (envelope) => seen.push(label(envelope.event)) });
  assert.is(kernel.process(kline(), TOPICS.klines), undefined);
  assert.equal(seen, ['kline BTCUSDT@60000']);
});

test('what a stage emits is delivered to all its subscribers, recursively, before the next subscriber of the event runs', () => {
  const calls: string[] = [];
  const record =
    (name: string): Stage['handle'] =>
    (event) =>
      void calls.push(`${name} ← ${event.kind}${event.kind === 'trade-intent' ? ` ${event.strategy}` : ''}`);
  const kernel = new Kernel()
    .register(
      stage('features', 10, [TOPICS.klines], (event, context) => {
        record('features')(event, context);
        context.emit(signal({ ts: 60_000 }), TOPICS.signals);
        context.emit(intent({ strategy: 'direct' }), TOPICS.intents);
      }),
    )
    .register(
      stage('strategy', 10, [TOPICS.signals], (event, context) => {
        record('strategy')(event, context);
        context.emit(intent({ strategy: 'from-signal' }), TOPICS.intents);
      }),
    )
    .register(stage('audit', 20, [TOPICS.signals], record('audit')))
    .register(stage('sizing', 10, [TOPICS.intents], record('sizing')))
    .register(stage('latecomer', 20, [TOPICS.klines], record('latecomer')));

  kernel.process(kline(), TOPICS.klines);

  assert.equal(calls, [
    'features ← kline',
    'strategy ← signal',
    'sizing ← trade-intent from-signal',
    'audit ← signal',
    'sizing ← trade-intent direct',
    'latecomer ← kline',
  ]);
});

test('onEvent sees each emitted event when it is delivered, in depth-first order', () => {
  const published: string[] = [];
  const kernel = new Kernel({
    onEvent: (envelope) => published.push(`${envelope.origin}: ${envelope.event.kind} on ${envelope.topic}`),
  })
    .register(
      stage('features', 10, [TOPICS.klines], (_event, context) => {
        context.emit(signal(), TOPICS.signals);
        context.emit(intent(), TOPICS.intents);
      }),
    )
    .register(
      stage('strategy', 10, [TOPICS.signals], (_event, context) => {
        context.emit(intent(), TOPICS.intents);
      }),
    );

  kernel.process(kline(), TOPICS.klines);

  assert.equal(published, [
    'source: kline on market.klines',
    'features: signal on ai.signal_generated',
    'strategy: trade-intent on trade.intent',
    'features: trade-intent on trade.intent',
  ]);
});

test('a stage that consumes its own output sees each emission only after its handler returned', () => {
  const trace: string[] = [];
  const kernel = new Kernel().register(
    stage('halving', 0, [TOPICS.signals], (event, context) => {
      if (event.kind !== 'signal') return;
      trace.push(`enter ${event.confidence}`);
      if (event.confidence > 0.2) context.emit(signal({ confidence: event.confidence / 2 }), TOPICS.signals);
      trace.push(`leave ${event.confidence}`);
    }),
  );

  kernel.process(signal({ confidence: 0.8 }), TOPICS.signals);

  assert.equal(trace, ['enter 0.8', 'leave 0.8', 'enter 0.4', 'leave 0.4', 'enter 0.2', 'leave 0.2']);
});

test('a handler is never re-entered, even when its emissions reach it again through another stage', () => {
  const active = new Set<string>();
  const reentered: string[] = [];
  const guarded =
    (name: string, body: Stage['handle']): Stage['handle'] =>
    (event, context) => {
      if (active.has(name)) reentered.push(name);
      active.add(name);
      try {
        return body(event, context);
      } finally {
        active.delete(name);
      }
    };
  let hops = 0;
  const kernel = new Kernel()
    .register(
      stage(
        'ping',
        0,
        [TOPICS.klines, TOPICS.intents],
        guarded('ping', (_event, context) => {
          if (hops++ < 5) context.emit(signal(), TOPICS.signals);
        }),
      ),
    )
    .register(
      stage(
        'pong',
        0,
        [TOPICS.signals],
        guarded('pong', (_event, context) => context.emit(intent(), TOPICS.intents)),
      ),
    );

  kernel.process(kline(), TOPICS.klines);

  assert.is(hops, 6);
  assert.equal(reentered, []);
});

test('events emitted by one handler are delivered in the order it emitted them', () => {
  const seen: number[] = [];
  const kernel = new Kernel()
    .register(
      stage('burst', 0, [TOPICS.klines], (_event, context) => {
        for (const confidence of [0.1, 0.2, 0.3, 0.4]) context.emit(signal({ confidence }), TOPICS.signals);
      }),
    )
    .register(
      stage('reader', 0, [TOPICS.signals], (event) => {
        if (event.kind === 'signal') seen.push(event.confidence);
      }),
    );
  kernel.process(kline(), TOPICS.klines);
  assert.equal(seen, [0.1, 0.2, 0.3, 0.4]);
});

test('a handler stage is called through its handler; a wrapper that replaces its handle is called through the wrapper', () => {
  const seen: string[] = [];
  const make = (name: string): Stage =>
    handlerStage({
      name,
      rank: 10,
      consumes: [TOPICS.klines],
      publishes: [TOPICS.signals],
      handler: { next: (event, emit) => emit(signal({ symbol: `${name}:${event.kind}` })) },
      topicOf: () => TOPICS.signals,
    });
  const plain = make('plain');
  const inner = make('wrapped');
  // As the supervised ai-engine: the same stage, with a handle that does something first.
  const wrapped: Stage = {
    ...inner,
    handle(event, context) {
      seen.push(`wrapper saw ${event.kind}`);
      return inner.handle(event, context);
    },
  };
  const kernel = new Kernel({
    onEvent: (envelope) => {
      if (envelope.event.kind === 'signal') seen.push(`${envelope.origin} → ${envelope.event.symbol}`);
    },
  });
  kernel.register(plain).register(wrapped);
  kernel.process(kline(), TOPICS.klines);
  assert.equal(seen, ['plain → plain:kline', 'wrapper saw kline', 'wrapped → wrapped:kline']);
});

test.run();
