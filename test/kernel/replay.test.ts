// `replayMarket` feeds recorded market events through the kernel behind the barrier: each event's
// cascade is quiet before the next is released, progress is reported at multiples and at the
// end, and the run closes with end-of-data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, MarketEvent, Tick } from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { replayMarket } from '../../src/kernel/replay.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline, signal } from '../builders.js';
import { stage } from './stage-helpers.js';

const label = (event: BusEvent): string => `${event.kind}@${event.ts}`;

const candles = (count: number) =>
  Array.from({ length: count }, (_, index) => kline({ ts: 60_000 * (index + 1) }));

const tick = (ts: number): Tick => ({
  kind: 'tick',
  symbol: 'BTCUSDT',
  ts,
  price: 100,
  qty: 1,
  side: 'BUY',
  tradeId: String(ts),
});

/** A kernel whose one stage records every market and control event it sees. */
const recording = () => {
  const seen: string[] = [];
  const kernel = new Kernel().register(
    stage(
      'recorder',
      0,
      [TOPICS.klines, TOPICS.ticks, TOPICS.control],
      (event) => void seen.push(label(event)),
    ),
  );
  return { kernel, seen };
};

test('progress is reported at every multiple of progressEvery and once at the end with (total, total)', async () => {
  const { kernel } = recording();
  const progress: [number, number][] = [];
  await replayMarket(kernel, candles(7), {
    progressEvery: 3,
    onProgress: (done, total) => progress.push([done, total]),
  });
  assert.equal(progress, [
    [3, 7],
    [6, 7],
    [7, 7],
  ]);
});

test('when the total is a multiple of progressEvery the end is reported once', async () => {
  const { kernel } = recording();
  const progress: [number, number][] = [];
  await replayMarket(kernel, candles(6), {
    progressEvery: 3,
    onProgress: (done, total) => progress.push([done, total]),
  });
  assert.equal(progress, [
    [3, 6],
    [6, 6],
  ]);
});

test('progress is reported after the events it counts were handled, and the end after end-of-data', async () => {
  const { kernel, seen } = recording();
  const trace: string[] = [];
  await replayMarket(kernel, candles(4), {
    progressEvery: 2,
    onProgress: (done, total) => trace.push(`progress ${done}/${total} after ${seen.at(-1)}`),
  });
  assert.equal(trace, ['progress 2/4 after kline@120000', 'progress 4/4 after end-of-data@240000']);
});

test('every event is delivered in order on its market topic, then end-of-data at the last event’s time', async () => {
  const { kernel, seen } = recording();
  const events: MarketEvent[] = [kline({ ts: 60_000 }), tick(61_000), tick(62_000), kline({ ts: 120_000 })];
  await replayMarket(kernel, events);
  assert.equal(seen, ['kline@60000', 'tick@61000', 'tick@62000', 'kline@120000', 'end-of-data@120000']);
});

test('endOfData false sends no end-of-data', async () => {
  const { kernel, seen } = recording();
  await replayMarket(kernel, candles(2), { endOfData: false });
  assert.equal(seen, ['kline@60000', 'kline@120000']);
});

test('an empty replay sends no end-of-data and reports (0, 0)', async () => {
  const { kernel, seen } = recording();
  const progress: [number, number][] = [];
  await replayMarket(kernel, [], { onProgress: (done, total) => progress.push([done, total]) });
  assert.equal(seen, []);
  assert.equal(progress, [[0, 0]]);
});

test('async cascades are awaited: each event’s cascade ends before the next event is released', async () => {
  const trace: string[] = [];
  const kernel = new Kernel()
    .register(
      stage('model', 0, [TOPICS.klines, TOPICS.control], async (event, context) => {
        trace.push(`model start ${label(event)}`);
        await new Promise<void>((resolve) => setTimeout(resolve, (event.ts ?? 0) % 120_000 === 0 ? 0 : 2));
        if (event.kind === 'kline') context.emit(signal({ ts: event.ts }), TOPICS.signals);
        trace.push(`model end ${label(event)}`);
      }),
    )
    .register(
      stage('strategy', 0, [TOPICS.signals], async (event) => {
        await null;
        trace.push(`strategy ${label(event)}`);
      }),
    );

  await replayMarket(kernel, candles(3), { progressEvery: 2 });

  assert.equal(trace, [
    'model start kline@60000',
    'model end kline@60000',
    'strategy signal@60000',
    'model start kline@120000',
    'model end kline@120000',
    'strategy signal@120000',
    'model start kline@180000',
    'model end kline@180000',
    'strategy signal@180000',
    'model start end-of-data@180000',
    'model end end-of-data@180000',
  ]);
});

test('an event-time timer due before end-of-data fires before it', async () => {
  const seen: string[] = [];
  const kernel = new Kernel().register(
    stage('exit', 0, [TOPICS.klines, TOPICS.control], (event, context) => {
      seen.push(label(event));
      if (event.kind === 'kline' && event.ts === 60_000) {
        context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 120_000 });
      }
    }),
  );
  await replayMarket(kernel, candles(2));
  assert.equal(seen, ['kline@60000', 'timer-fired@120000', 'kline@120000', 'end-of-data@120000']);
});

test('the replay’s result does not depend on progressEvery', async () => {
  const runWith = async (progressEvery: number) => {
    const { kernel, seen } = recording();
    await replayMarket(kernel, candles(10), { progressEvery });
    return seen;
  };
  assert.equal(await runWith(1), await runWith(20_000));
});

test.run();
