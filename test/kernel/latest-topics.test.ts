// A stage's `latest` topics are conflated: the kernel holds their newest event and delivers it just
// before the stage's next other delivery, so a stage that keeps only the last state decides exactly
// what it would have decided with every delivery, without the deliveries nothing reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, Kline } from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Stage } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline } from '../builders.js';
import { label, thrown } from './stage-helpers.js';

const snapshotAt = (ts: number) => ({ kind: 'end-of-data', ts }) as BusEvent;

/** A source stage that turns each candle into a "snapshot" (on portfolio) and every third into an "intent". */
const source: Stage = {
  name: 'source',
  rank: 1,
  consumes: [TOPICS.klines],
  handle(event, context) {
    const ts = event.ts ?? 0;
    context.emit(snapshotAt(ts), TOPICS.portfolio);
    if (ts % 3 === 0) context.emit({ kind: 'end-of-data', ts, symbol: 'INTENT' } as BusEvent, TOPICS.intents);
  },
};

/** A reader of snapshots (quiet, maybe latest) and intents: records what it saw, in order. */
const reader = (seen: string[], latest: boolean): Stage => ({
  name: 'reader',
  rank: 2,
  consumes: [TOPICS.portfolio, TOPICS.intents],
  quiet: [TOPICS.portfolio],
  ...(latest ? { latest: [TOPICS.portfolio] } : {}),
  handle(event, context) {
    seen.push(`${context.current.topic} ${label(event)}`);
  },
});

const run = (latest: boolean): string[] => {
  const seen: string[] = [];
  const kernel = new Kernel();
  kernel.register(source).register(reader(seen, latest));
  for (let ts = 1; ts <= 7; ts++) kernel.process({ ...kline({ close: 100 }), ts } as Kline, TOPICS.klines);
  return seen;
};

test('a latest topic reaches the stage as its newest event, just before its next other delivery', () => {
  assert.equal(run(true), [
    // Snapshots 1 and 2 are held and replaced; 3 is delivered before the intent of candle 3.
    'portfolio.snapshot_updated end-of-data@3',
    'trade.intent end-of-data INTENT@3',
    'portfolio.snapshot_updated end-of-data@6',
    'trade.intent end-of-data INTENT@6',
  ]);
});

test('without latest, every snapshot is delivered (the same intents see the same last snapshot)', () => {
  const all = run(false);
  assert.is(all.length, 9);
  const beforeIntents = all.filter((line, i) => all[i + 1]?.startsWith('trade.intent'));
  assert.equal(
    beforeIntents,
    run(true).filter((line) => line.startsWith('portfolio')),
  );
});

test('a latest topic must be quiet', () => {
  const kernel = new Kernel();
  const error = thrown(() => kernel.register({ ...reader([], true), quiet: [], name: 'loud' }));
  assert.match(error.message, /stage loud declares portfolio\.snapshot_updated latest but not quiet/);
});

test.run();
