// A stage's declared topics are enforced: emitting on a topic it does not declare it publishes, or
// while handling a topic it declares quiet, fails the stage (a dead letter naming why) — so the
// declarations the split run relies on hold in every run, not only in the split.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, DeadLetter, Kline } from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline } from '../builders.js';

const signal = (ts: number): BusEvent => ({ kind: 'end-of-data', ts });

const run = (declare: { quiet?: boolean; publishes?: boolean }): DeadLetter[] => {
  const letters: DeadLetter[] = [];
  const kernel = new Kernel({
    onEvent: (envelope) => {
      if (envelope.event.kind === 'dead-letter') letters.push(envelope.event);
    },
  });
  kernel.register({
    name: 'talker',
    rank: 1,
    consumes: [TOPICS.klines],
    ...(declare.quiet ? { quiet: [TOPICS.klines] } : {}),
    ...(declare.publishes ? { publishes: [TOPICS.signals] } : {}),
    handle(event, context) {
      context.emit(signal(event.ts ?? 0), TOPICS.control);
    },
  });
  kernel.process(kline({ close: 100 }) as Kline, TOPICS.klines);
  return letters;
};

test('a stage that emits on a topic it declares quiet fails, with the reason', () => {
  const letters = run({ quiet: true });
  assert.is(letters.length, 1);
  assert.match(
    letters[0].reason,
    /stage talker emitted end-of-data on market\.klines, which it declares quiet/,
  );
});

test('a stage that emits on a topic it does not declare it publishes fails, with the reason', () => {
  const letters = run({ publishes: true });
  assert.is(letters.length, 1);
  assert.match(
    letters[0].reason,
    /stage talker emitted end-of-data on control, which it does not declare it publishes/,
  );
});

test('without declarations a stage may emit anywhere (declarations are opt-in)', () => {
  assert.equal(run({}), []);
});

test.run();
