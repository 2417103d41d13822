// The kernel's one source of time (src/kernel/clock.ts), in event time: a timer fires as a
// `timer-fired` event for the stage that set it, before any market event at or after its due time,
// at its own time. Wall time is in clock-wall.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent, TimerFired } from '../../src/domain/index.js';
import { EventTimeClock, type TimerSpec } from '../../src/kernel/clock.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Stage, StageContext } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline, signal } from '../builders.js';
import { stage } from './stage-helpers.js';

/** `kind@ts now=…`: an event as a stage saw it, with the clock's time at that moment. */
const seenAt = (event: BusEvent, context: StageContext): string =>
  `${event.kind === 'timer-fired' ? `timer ${event.name}` : event.kind}@${event.ts} now=${context.clock.now()}`;

/**
 * A kernel whose `owner` stage sets `timers` when it sees the kline at 60,000 and records what it
 * sees; a `watcher` consumes klines and control and records too.
 */
const timed = (timers: readonly Omit<TimerSpec, 'owner'>[], clock = new EventTimeClock()) => {
  const owner: string[] = [];
  const watcher: string[] = [];
  const kernel = new Kernel({ clock })
    .register(
      stage('exit', 30, [TOPICS.klines], (event, context) => {
        owner.push(seenAt(event, context));
        if (event.kind === 'kline' && event.ts === 60_000) {
          for (const timer of timers) context.clock.setTimer({ owner: 'exit', ...timer });
        }
      }),
    )
    .register(
      stage('watcher', 0, [TOPICS.klines, TOPICS.control], (event, context) => {
        watcher.push(seenAt(event, context));
      }),
    );
  const candles = (...times: number[]) => {
    for (const ts of times) kernel.process(kline({ ts }), TOPICS.klines);
  };
  return { kernel, owner, watcher, candles, clock };
};

// Event time -------------------------------------------------------------------------------

test('a timer fires for its owner before the first market event after its due time, at its own time', () => {
  const { owner, candles } = timed([{ name: 'time-exit', atMs: 150_000 }]);
  candles(60_000, 120_000, 180_000);
  assert.equal(owner, [
    'kline@60000 now=60000',
    'kline@120000 now=120000',
    'timer time-exit@150000 now=150000',
    'kline@180000 now=180000',
  ]);
});

test('a timer due exactly at a market event’s time fires before that event', () => {
  const { owner, candles } = timed([{ name: 'time-exit', atMs: 120_000 }]);
  candles(60_000, 120_000);
  assert.equal(owner, [
    'kline@60000 now=60000',
    'timer time-exit@120000 now=120000',
    'kline@120000 now=120000',
  ]);
});

test('a timer is delivered to the stage that set it only, not to other consumers of control', () => {
  const { watcher, candles } = timed([{ name: 'time-exit', atMs: 90_000 }]);
  candles(60_000, 120_000);
  assert.equal(watcher, ['kline@60000 now=60000', 'kline@120000 now=120000']);
});

test('a fired timer is published on control with its owner and name', () => {
  const published: Envelope[] = [];
  const kernel = new Kernel({ onEvent: (envelope) => published.push(envelope) }).register(
    stage('exit', 0, [TOPICS.klines], (event, context) => {
      if (event.kind === 'kline') context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 90_000 });
    }),
  );
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
  const timer = published[1];
  assert.equal(timer.event, { kind: 'timer-fired', ts: 90_000, name: 'time-exit', owner: 'exit' });
  assert.is(timer.topic, TOPICS.control);
  assert.is(timer.origin, 'source');
  assert.is(timer.tsEvent, 90_000);
  assert.is(timer.tsInit, 90_000);
});

test('several due timers fire in due order, ties in the order they were set', () => {
  const { owner, candles } = timed([
    { name: 'late-a', atMs: 150_000 },
    { name: 'early', atMs: 130_000 },
    { name: 'late-b', atMs: 150_000 },
    { name: 'earliest', atMs: 100_000 },
  ]);
  candles(60_000, 200_000);
  assert.equal(owner, [
    'kline@60000 now=60000',
    'timer earliest@100000 now=100000',
    'timer early@130000 now=130000',
    'timer late-a@150000 now=150000',
    'timer late-b@150000 now=150000',
    'kline@200000 now=200000',
  ]);
});

test('a timer not yet due stays pending', () => {
  const { owner, candles } = timed([{ name: 'time-exit', atMs: 500_000 }]);
  candles(60_000, 120_000);
  assert.equal(owner, ['kline@60000 now=60000', 'kline@120000 now=120000']);
});

test('a periodic timer fires every period up to the next market event, then goes on', () => {
  const { owner, candles } = timed([{ name: 'heartbeat', atMs: 90_000, periodMs: 30_000 }]);
  candles(60_000, 200_000, 240_000);
  assert.equal(owner, [
    'kline@60000 now=60000',
    'timer heartbeat@90000 now=90000',
    'timer heartbeat@120000 now=120000',
    'timer heartbeat@150000 now=150000',
    'timer heartbeat@180000 now=180000',
    'kline@200000 now=200000',
    'timer heartbeat@210000 now=210000',
    'timer heartbeat@240000 now=240000',
    'kline@240000 now=240000',
  ]);
});

test('cancelTimer removes a pending timer; cancelling an unknown one is ignored', () => {
  const { owner, candles, kernel } = timed([
    { name: 'time-exit', atMs: 90_000 },
    { name: 'stop-review', atMs: 100_000 },
  ]);
  candles(60_000);
  kernel.clock.cancelTimer('exit', 'time-exit');
  kernel.clock.cancelTimer('exit', 'never-set');
  kernel.clock.cancelTimer('nobody', 'time-exit');
  candles(120_000);
  assert.equal(owner, [
    'kline@60000 now=60000',
    'timer stop-review@100000 now=100000',
    'kline@120000 now=120000',
  ]);
});

test('a stage cancels its periodic timer from its own timer handler', () => {
  const seen: string[] = [];
  const kernel = new Kernel().register(
    stage('poller', 0, [TOPICS.klines], (event, context) => {
      seen.push(seenAt(event, context));
      if (event.kind === 'kline' && event.ts === 60_000) {
        context.clock.setTimer({ owner: 'poller', name: 'poll', atMs: 70_000, periodMs: 10_000 });
      }
      if (event.kind === 'timer-fired' && event.ts === 90_000) context.clock.cancelTimer('poller', 'poll');
    }),
  );
  for (const ts of [60_000, 200_000]) kernel.process(kline({ ts }), TOPICS.klines);
  assert.equal(seen, [
    'kline@60000 now=60000',
    'timer poll@70000 now=70000',
    'timer poll@80000 now=80000',
    'timer poll@90000 now=90000',
    'kline@200000 now=200000',
  ]);
});

test('setting a timer with the same owner and name replaces the pending one', () => {
  const { owner, candles } = timed([
    { name: 'time-exit', atMs: 90_000 },
    { name: 'time-exit', atMs: 150_000 },
  ]);
  candles(60_000, 120_000, 180_000);
  assert.equal(owner, [
    'kline@60000 now=60000',
    'kline@120000 now=120000',
    'timer time-exit@150000 now=150000',
    'kline@180000 now=180000',
  ]);
});

test('timers of different stages with the same name are distinct', () => {
  const seen: string[] = [];
  const setter =
    (name: string, atMs: number): Stage['handle'] =>
    (event, context) => {
      if (event.kind === 'kline' && event.ts === 60_000)
        context.clock.setTimer({ owner: name, name: 'review', atMs });
      if (event.kind === 'timer-fired') seen.push(`${name}: ${event.owner} ${event.name}@${event.ts}`);
    };
  const kernel = new Kernel()
    .register(stage('a', 0, [TOPICS.klines], setter('a', 100_000)))
    .register(stage('b', 1, [TOPICS.klines], setter('b', 90_000)));
  for (const ts of [60_000, 120_000]) kernel.process(kline({ ts }), TOPICS.klines);
  assert.equal(seen, ['b: b review@90000', 'a: a review@100000']);
});

test('a timer set by a timer handler fires in the same gap when it is due before the next event', () => {
  const seen: string[] = [];
  const kernel = new Kernel().register(
    stage('chain', 0, [TOPICS.klines], (event, context) => {
      seen.push(seenAt(event, context));
      const at =
        event.kind === 'kline' && event.ts === 60_000
          ? 70_000
          : event.kind === 'timer-fired'
            ? event.ts + 25_000
            : 0;
      if (at > 0) context.clock.setTimer({ owner: 'chain', name: 'next', atMs: at });
    }),
  );
  for (const ts of [60_000, 130_000]) kernel.process(kline({ ts }), TOPICS.klines);
  assert.equal(seen, [
    'kline@60000 now=60000',
    'timer next@70000 now=70000',
    'timer next@95000 now=95000',
    'timer next@120000 now=120000',
    'kline@130000 now=130000',
  ]);
});

test('what a timer handler emits cascades before the market event, caused by the timer', () => {
  const published: string[] = [];
  const kernel = new Kernel({
    onEvent: ({ origin, event, causeId }) =>
      published.push(`${origin} ${event.kind}@${event.ts} ← ${causeId}`),
  })
    .register(
      stage('exit', 0, [TOPICS.klines], (event, context) => {
        if (event.kind === 'kline' && event.ts === 60_000) {
          context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 90_000 });
        }
        if (event.kind === 'timer-fired')
          context.emit(signal({ ts: event.ts, action: 'SELL' }), TOPICS.signals);
      }),
    )
    .register(stage('strategy', 0, [TOPICS.signals], () => undefined));
  for (const ts of [60_000, 120_000]) kernel.process(kline({ ts }), TOPICS.klines);
  assert.equal(published, [
    'source kline@60000 ← undefined',
    'source timer-fired@90000 ← undefined',
    'exit signal@90000 ← timer-fired:exit:time-exit:90000',
    'source kline@120000 ← undefined',
  ]);
});

test('due timers fire before end-of-data', () => {
  const seen: string[] = [];
  const kernel = new Kernel().register(
    stage('exit', 0, [TOPICS.klines, TOPICS.control], (event, context) => {
      seen.push(seenAt(event, context));
      if (event.kind === 'kline') context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 90_000 });
    }),
  );
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  kernel.end(120_000);
  assert.equal(seen, [
    'kline@60000 now=60000',
    'timer time-exit@90000 now=90000',
    'end-of-data@120000 now=120000',
  ]);
});

test('an async timer handler holds the market event back until it settles', async () => {
  const seen: string[] = [];
  const kernel = new Kernel().register(
    stage('exit', 0, [TOPICS.klines], async (event, context) => {
      if (event.kind === 'kline' && event.ts === 60_000) {
        context.clock.setTimer({ owner: 'exit', name: 'time-exit', atMs: 90_000 });
      }
      if (event.kind === 'timer-fired') await new Promise<void>((resolve) => setImmediate(resolve));
      seen.push(seenAt(event, context));
    }),
  );
  await kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const answer = kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
  assert.instance(answer, Promise);
  await answer;
  assert.equal(seen, ['kline@60000 now=60000', 'timer time-exit@90000 now=90000', 'kline@120000 now=120000']);
});

test('a timer whose owner is not a registered stage is dropped', () => {
  const published: string[] = [];
  const clock = new EventTimeClock();
  const kernel = new Kernel({ clock, onEvent: ({ event }) => published.push(event.kind) });
  clock.setTimer({ owner: 'ghost', name: 'boo', atMs: 90_000 });
  kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
  assert.equal(published, ['kline']);
});

test('EventTimeClock starts at its start time and never moves backwards', () => {
  const clock = new EventTimeClock(1_000);
  assert.is(clock.now(), 1_000);
  const kernel = new Kernel({ clock });
  kernel.process(kline({ ts: 120_000 }), TOPICS.klines);
  assert.is(clock.now(), 120_000);
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  assert.is(clock.now(), 120_000);
});

test('EventTimeClock.takeDue hands out due timers one at a time and moves time to each', () => {
  const clock = new EventTimeClock();
  clock.setTimer({ owner: 's', name: 'b', atMs: 200 });
  clock.setTimer({ owner: 's', name: 'a', atMs: 100 });
  const due: (TimerFired | undefined)[] = [];
  const times: number[] = [];
  for (let step = 0; step < 3; step++) {
    due.push(clock.takeDue(250));
    times.push(clock.now());
  }
  assert.equal(due, [
    { kind: 'timer-fired', ts: 100, name: 'a', owner: 's' },
    { kind: 'timer-fired', ts: 200, name: 'b', owner: 's' },
    undefined,
  ]);
  assert.equal(times, [100, 200, 250]);
});

test.run();
