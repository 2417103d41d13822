// What goes wrong becomes data (STYLE.md: never swallow): an external event that does not parse
// becomes a `DeadLetter` on `dlq` naming the topic and the field path, and the stream goes on.
// Stage failures: kernel-dead-letters.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, DeadLetter } from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { signal } from '../builders.js';
import { candle, collector } from './dead-letter-helpers.js';
import { stage } from './stage-helpers.js';

/** A kernel with a consumer of klines and a DLQ sink; what each received. */
const guarded = () => {
  const klines = collector('features', 0, [TOPICS.klines]);
  const dlq = collector('dlq-sink', 0, [TOPICS.dlq]);
  const kernel = new Kernel().register(klines.stage).register(dlq.stage);
  return { kernel, klines: klines.events, letters: dlq.events as DeadLetter[] };
};

test('inject delivers a valid kline on market.klines', () => {
  const { kernel, klines, letters } = guarded();
  assert.is(kernel.inject(JSON.parse(JSON.stringify(candle)), TOPICS.klines), undefined);
  assert.equal(klines, [candle]);
  assert.equal(letters, []);
  assert.is(kernel.deadLetters, 0);
});

test('inject delivers a valid tick on market.tick', () => {
  const tick = {
    kind: 'tick',
    symbol: 'ETHUSDT',
    ts: 61_000,
    price: 3000,
    qty: 0.5,
    side: 'SELL',
    tradeId: '7',
  };
  const ticks: BusEvent[] = [];
  const kernel = new Kernel().register(stage('tape', 0, [TOPICS.ticks], (event) => void ticks.push(event)));
  kernel.inject(tick, TOPICS.ticks);
  assert.equal(ticks, [tick]);
});

const malformed: [string, unknown, string][] = (() => {
  const { close: _close, ...noClose } = candle;
  return [
    ['a missing field', noClose, 'close: Invalid input: expected number, received undefined'],
    ['a NaN close', { ...candle, close: Number.NaN }, 'close: Invalid input: expected number, received NaN'],
    ['the wrong kind', { ...candle, kind: 'tick' }, 'kind: Invalid input: expected "kline"'],
    ['a string', 'BTCUSDT 101', '(event): Invalid input: expected object, received string'],
    ['null', null, '(event): Invalid input: expected object, received null'],
    ['a low above the close', { ...candle, low: 200 }, '(event): expected low ≤ open, close ≤ high'],
  ];
})();

for (const [what, raw, problem] of malformed) {
  test(`inject turns a kline with ${what} into a dead letter naming the topic and the field path`, () => {
    const { kernel, klines, letters } = guarded();

    assert.is(kernel.inject(raw, TOPICS.klines), undefined);

    assert.equal(klines, []);
    assert.equal(letters, [
      {
        kind: 'dead-letter',
        origin: 'topic market.klines',
        reason: `malformed event on market.klines: ${problem}`,
        payload: JSON.stringify(raw),
      },
    ]);
    assert.is(kernel.deadLetters, 1);
  });
}

test('after a malformed external event the next valid one is delivered', () => {
  const { kernel, klines } = guarded();
  kernel.inject({ kind: 'kline' }, TOPICS.klines);
  kernel.inject(candle, TOPICS.klines);
  assert.equal(klines, [candle]);
  assert.is(kernel.deadLetters, 1);
});

test('inject on a topic without an external schema gives a dead letter saying it accepts none', () => {
  const { kernel, letters } = guarded();
  const strategy = collector('strategy', 0, [TOPICS.signals]);
  kernel.register(strategy.stage);

  kernel.inject(signal(), TOPICS.signals);

  assert.equal(strategy.events, []);
  assert.equal(letters, [
    {
      kind: 'dead-letter',
      origin: 'topic ai.signal_generated',
      reason: 'topic ai.signal_generated accepts no external events',
      payload: JSON.stringify(signal()),
    },
  ]);
});

test('a malformed event’s payload is kept up to 4,000 characters, then cut with an ellipsis', () => {
  const { kernel, letters } = guarded();
  kernel.inject({ kind: 'kline', note: 'x'.repeat(10_000) }, TOPICS.klines);
  assert.is(letters[0].payload.length, 4_001);
  assert.is(letters[0].payload.slice(0, 30), '{"kind":"kline","note":"xxxxxx');
  assert.is(letters[0].payload.at(-1), '…');
});

test('a malformed event that cannot be serialised still becomes a dead letter', () => {
  const { kernel, letters } = guarded();
  const circular: Record<string, unknown> = { kind: 'kline' };
  circular.self = circular;
  kernel.inject(circular, TOPICS.klines);
  assert.is(letters.length, 1);
  assert.is(letters[0].payload, '[object Object]');
});

test.run();
