// What goes wrong becomes data (STYLE.md: never swallow): a stage that throws or rejects becomes a
// `DeadLetter` on `dlq`, and the stream goes on; with `onStageError: 'throw'` the run fails with a
// `StageError` instead. External events that do not parse: kernel-dead-letters-inject.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeadLetter } from '../../src/domain/index.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { Kernel, StageError } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline, signal } from '../builders.js';
import { candle, collector } from './dead-letter-helpers.js';
import { stage, thrown } from './stage-helpers.js';

const rejection = async (promise: unknown): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

/** The dead letter a failure of `stageName` on `candle` (on `market.klines`) must produce. */
const stageLetter = (stageName: string, reason: string): DeadLetter => ({
  kind: 'dead-letter',
  origin: `stage ${stageName} on market.klines (kline BTCUSDT @60000, event kline:BTCUSDT:1m:60000)`,
  reason,
  payload: JSON.stringify(candle),
  ts: 60_000,
});

// Stage failures ----------------------------------------------------------------------------

test('a handler that throws becomes a dead letter on dlq naming the stage, topic, event and reason', () => {
  const dlq = collector('dlq-sink', 0, [TOPICS.dlq]);
  const kernel = new Kernel()
    .register(
      stage('features', 10, [TOPICS.klines], () => {
        throw new Error('price feed stale');
      }),
    )
    .register(dlq.stage);

  assert.is(kernel.process(candle, TOPICS.klines), undefined);

  assert.equal(dlq.events, [stageLetter('features', 'price feed stale')]);
  assert.is(kernel.deadLetters, 1);
});

test('the dead letter of a failed stage is published on dlq by that stage, caused by the failed event', () => {
  const published: Envelope[] = [];
  const kernel = new Kernel({ onEvent: (envelope) => published.push(envelope) }).register(
    stage('features', 10, [TOPICS.klines], () => {
      throw new Error('price feed stale');
    }),
  );

  kernel.process(candle, TOPICS.klines);

  assert.is(published.length, 2);
  const letter = published[1];
  assert.is(letter.topic, TOPICS.dlq);
  assert.is(letter.origin, 'features');
  assert.is(letter.causeId, 'kline:BTCUSDT:1m:60000');
  assert.is(letter.tsEvent, 60_000);
  assert.equal(letter.event, stageLetter('features', 'price feed stale'));
});

test('the other subscribers of the failed event still run, in their order, after the dead letter', () => {
  const calls: string[] = [];
  const kernel = new Kernel()
    .register(stage('first', 0, [TOPICS.klines], () => void calls.push('first')))
    .register(
      stage('broken', 1, [TOPICS.klines], () => {
        calls.push('broken');
        throw new Error('boom');
      }),
    )
    .register(stage('last', 2, [TOPICS.klines], () => void calls.push('last')))
    .register(stage('dlq-sink', 0, [TOPICS.dlq], () => void calls.push('dlq-sink')));

  kernel.process(candle, TOPICS.klines);

  assert.equal(calls, ['first', 'broken', 'dlq-sink', 'last']);
});

test('what a stage emitted before it threw is dropped: only the dead letter is published', () => {
  const published: string[] = [];
  const downstream = collector('strategy', 0, [TOPICS.signals]);
  const kernel = new Kernel({ onEvent: (envelope) => published.push(envelope.event.kind) })
    .register(
      stage('features', 0, [TOPICS.klines], (_event, context) => {
        context.emit(signal(), TOPICS.signals);
        throw new Error('half done');
      }),
    )
    .register(downstream.stage);

  kernel.process(candle, TOPICS.klines);

  assert.equal(published, ['kline', 'dead-letter']);
  assert.equal(downstream.events, []);
});

test('a thrown value that is not an Error is the reason as text', () => {
  const dlq = collector('dlq-sink', 0, [TOPICS.dlq]);
  const kernel = new Kernel()
    .register(
      stage('features', 0, [TOPICS.klines], () => {
        throw 'no model loaded';
      }),
    )
    .register(dlq.stage);
  kernel.process(candle, TOPICS.klines);
  assert.equal(dlq.events, [stageLetter('features', 'no model loaded')]);
});

test('deadLetters counts every failure, across events and stages', () => {
  const kernel = new Kernel()
    .register(
      stage('a', 0, [TOPICS.klines], () => {
        throw new Error('a');
      }),
    )
    .register(
      stage('b', 1, [TOPICS.klines], (event) => {
        if (event.ts === 120_000) throw new Error('b');
      }),
    );
  assert.is(kernel.deadLetters, 0);
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  assert.is(kernel.deadLetters, 1);
  kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
  assert.is(kernel.deadLetters, 3);
});

test('a stage failing deep in a cascade names the emitted event it failed on and its id', () => {
  const dlq = collector('dlq-sink', 0, [TOPICS.dlq]);
  const ids: string[] = [];
  const kernel = new Kernel({ onEvent: (envelope) => ids.push(envelope.id) })
    .register(stage('features', 0, [TOPICS.klines], (_e, context) => context.emit(signal(), TOPICS.signals)))
    .register(
      stage('strategy', 0, [TOPICS.signals], () => {
        throw new Error('no price');
      }),
    )
    .register(dlq.stage);

  kernel.process(candle, TOPICS.klines);

  const signalId = ids[1];
  assert.equal(dlq.events, [
    {
      kind: 'dead-letter',
      origin: `stage strategy on ai.signal_generated (signal BTCUSDT @60000, event ${signalId})`,
      reason: 'no price',
      payload: JSON.stringify(signal()),
      ts: 60_000,
    },
  ]);
});

test('an async handler that rejects becomes the same dead letter, and the cascade goes on', async () => {
  const calls: string[] = [];
  const dlq = collector('dlq-sink', 0, [TOPICS.dlq]);
  const kernel = new Kernel()
    .register(
      stage('model', 0, [TOPICS.klines], async () => {
        await null;
        throw new Error('price feed stale');
      }),
    )
    .register(stage('after', 1, [TOPICS.klines], () => void calls.push('after')))
    .register(dlq.stage);

  const pending = kernel.process(candle, TOPICS.klines);

  assert.instance(pending, Promise);
  await pending;
  assert.equal(dlq.events, [stageLetter('model', 'price feed stale')]);
  assert.equal(calls, ['after']);
  assert.is(kernel.deadLetters, 1);
});

test("with onStageError 'throw' process throws a StageError naming the stage, topic, event and message", () => {
  const kernel = new Kernel({ onStageError: 'throw' }).register(
    stage('features', 0, [TOPICS.klines], () => {
      throw new Error('price feed stale');
    }),
  );

  const error = thrown(() => kernel.process(candle, TOPICS.klines));

  assert.instance(error, StageError);
  assert.is(error.name, 'StageError');
  assert.is(error.message, 'stage features failed on market.klines (kline BTCUSDT @60000): price feed stale');
  assert.is((error as StageError).stage, 'features');
  assert.is((error as StageError).topic, TOPICS.klines);
  assert.is((error.cause as Error).message, 'price feed stale');
  assert.is(kernel.deadLetters, 0);
});

test("with onStageError 'throw' an async rejection rejects process with the StageError", async () => {
  const kernel = new Kernel({ onStageError: 'throw' }).register(
    stage('model', 0, [TOPICS.klines], async () => {
      await null;
      throw new Error('inference timed out');
    }),
  );

  const error = await rejection(kernel.process(candle, TOPICS.klines));

  assert.instance(error, StageError);
  assert.is(error.message, 'stage model failed on market.klines (kline BTCUSDT @60000): inference timed out');
});

test("with onStageError 'throw' the subscribers after the failed stage do not run", () => {
  const calls: string[] = [];
  const kernel = new Kernel({ onStageError: 'throw' })
    .register(
      stage('broken', 0, [TOPICS.klines], () => {
        throw new Error('boom');
      }),
    )
    .register(stage('after', 1, [TOPICS.klines], () => void calls.push('after')));
  thrown(() => kernel.process(candle, TOPICS.klines));
  assert.equal(calls, []);
});

test('after a StageError the kernel delivers the next event', () => {
  const seen: number[] = [];
  const kernel = new Kernel({ onStageError: 'throw' }).register(
    stage('picky', 0, [TOPICS.klines], (event) => {
      if (event.ts === 60_000) throw new Error('boom');
      seen.push(event.ts ?? -1);
    }),
  );
  thrown(() => kernel.process(kline({ ts: 60_000 }), TOPICS.klines));
  assert.is(kernel.process(kline({ ts: 120_000 }), TOPICS.klines), undefined);
  assert.equal(seen, [120_000]);
});

// Regression (fixed; src/kernel/kernel.ts, fireDueTimers): when a timer handler rejects under
// onStageError 'throw', the rejection skips `reset()`, `busy` stays true, and every later
// `process` is queued behind a cascade that never ends (its promise never settles). The market
// path resets (the test above).
test("after an async timer handler's StageError the kernel delivers the next event", async () => {
  const seen: string[] = [];
  const kernel = new Kernel({ onStageError: 'throw' }).register(
    stage('exit', 0, [TOPICS.klines], (event, context) => {
      seen.push(`${event.kind}@${event.ts}`);
      if (event.kind === 'kline' && event.ts === 60_000) {
        context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 90_000 });
      }
      if (event.kind === 'timer-fired') return Promise.reject(new Error('venue down'));
    }),
  );
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const error = await rejection(kernel.process(kline({ ts: 120_000 }), TOPICS.klines));
  assert.is(error.message, 'stage exit failed on control (timer-fired @90000): venue down');

  const next = kernel.process(kline({ ts: 180_000 }), TOPICS.klines);

  assert.is(next, undefined);
  assert.equal(seen, ['kline@60000', 'timer-fired@90000', 'kline@180000']);
});

// Regression (fixed; src/kernel/kernel.ts, stageFailed): a dead letter is delivered to every dlq subscriber,
// including the one that failed on it, whose failure is a new dead letter, and so on: a dlq sink
// that always throws (a full disk) loops forever. The sink below throws its first 1,000 times
// only, so that this test ends; before the fix it was called 1,001 times.
test('a dlq subscriber that throws is not handed its own dead letter again', () => {
  let sinkCalls = 0;
  const kernel = new Kernel()
    .register(
      stage('features', 0, [TOPICS.klines], () => {
        throw new Error('boom');
      }),
    )
    .register(
      stage('dlq-sink', 0, [TOPICS.dlq], () => {
        sinkCalls++;
        if (sinkCalls <= 1_000) throw new Error('disk full');
      }),
    );

  kernel.process(candle, TOPICS.klines);

  assert.is(sinkCalls, 1);
  assert.is(kernel.deadLetters, 2);
});

test.run();
