// The kernel's one source of time (src/kernel/clock.ts), in wall time: `Date.now()`, timers on the
// event loop, delivered through the kernel. Event time is in clock.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent } from '../../src/domain/index.js';
import { WallClock } from '../../src/kernel/clock.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { kline } from '../builders.js';
import { stage } from './stage-helpers.js';

/** Rejects with `what` when `promise` has not settled within `ms` (a test's own deadline). */
const within = <T>(ms: number, what: string, promise: Promise<T>): Promise<T> => {
  let timeout: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timeout = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timeout));
};

/** Waits `ms` on the event loop (only where wall-clock timing is what is under test). */
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('WallClock.now() is Date.now()', () => {
  const clock = new WallClock();
  const before = Date.now();
  const now = clock.now();
  const after = Date.now();
  assert.ok(before <= now && now <= after, `${before} ≤ ${now} ≤ ${after}`);
  assert.is(clock.kind, 'wall');
});

test('a wall timer set 5 ms ahead is delivered through the kernel to its owner only', async () => {
  const clock = new WallClock();
  const published: Envelope[] = [];
  const watcher: BusEvent[] = [];
  let fired: (timer: BusEvent) => void = () => undefined;
  const delivered = new Promise<BusEvent>((resolve) => {
    fired = resolve;
  });
  let atMs = 0;
  const kernel = new Kernel({ clock, onEvent: (envelope) => published.push(envelope) })
    .register(
      stage('heartbeat', 10, [TOPICS.klines], (event, context) => {
        if (event.kind === 'kline') {
          atMs = context.clock.now() + 5;
          context.clock.setTimer({ owner: 'heartbeat', name: 'ping', atMs });
        } else fired(event);
      }),
    )
    .register(stage('watcher', 0, [TOPICS.control], (event) => void watcher.push(event)));

  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const timer = await within(1_000, 'the timer was delivered', delivered);

  assert.equal(timer, { kind: 'timer-fired', ts: atMs, name: 'ping', owner: 'heartbeat' });
  assert.equal(watcher, []);
  const envelope = published[1];
  assert.is(envelope.topic, TOPICS.control);
  assert.is(envelope.tsEvent, atMs);
  // Node's timers may fire up to a millisecond before Date.now() reaches the due time.
  assert.ok(envelope.tsInit >= atMs - 1, `tsInit ${envelope.tsInit} ≥ due ${atMs} - 1 ms`);
  clock.dispose();
});

test('under the wall clock tsInit is the wall time and tsEvent stays the event time', () => {
  const published: Envelope[] = [];
  const kernel = new Kernel({ clock: new WallClock(), onEvent: (envelope) => published.push(envelope) });
  const before = Date.now();
  kernel.process(kline({ ts: 60_000 }), TOPICS.klines);
  const after = Date.now();
  assert.is(published[0].tsEvent, 60_000);
  assert.ok(before <= published[0].tsInit && published[0].tsInit <= after);
});

test('a periodic wall timer fires every period until cancelled', async () => {
  const clock = new WallClock();
  const times: number[] = [];
  let thirdFired: () => void = () => undefined;
  const three = new Promise<void>((resolve) => {
    thirdFired = resolve;
  });
  const start = Date.now() + 2;
  new Kernel({ clock }).register(
    stage('poller', 0, [TOPICS.klines], (event) => {
      if (event.kind !== 'timer-fired') return;
      times.push(event.ts);
      if (times.length === 3) {
        clock.cancelTimer('poller', 'poll');
        thirdFired();
      }
    }),
  );
  clock.setTimer({ owner: 'poller', name: 'poll', atMs: start, periodMs: 2 });

  await within(1_000, 'three periods fired', three);
  await wait(10);

  assert.equal(times, [start, start + 2, start + 4]);
});

test('cancelTimer stops a pending wall timer', async () => {
  const clock = new WallClock();
  const fired: BusEvent[] = [];
  new Kernel({ clock }).register(stage('owner', 0, [TOPICS.klines], (event) => void fired.push(event)));
  clock.setTimer({ owner: 'owner', name: 't', atMs: Date.now() + 3 });
  clock.cancelTimer('owner', 't');
  await wait(15);
  assert.equal(fired, []);
});

test('setting a wall timer with the same owner and name replaces the pending one', async () => {
  const clock = new WallClock();
  const fired: number[] = [];
  let done: () => void = () => undefined;
  const delivered = new Promise<void>((resolve) => {
    done = resolve;
  });
  new Kernel({ clock }).register(
    stage('owner', 0, [TOPICS.klines], (event) => {
      if (event.kind !== 'timer-fired') return;
      fired.push(event.ts);
      done();
    }),
  );
  const first = Date.now() + 2;
  clock.setTimer({ owner: 'owner', name: 't', atMs: first });
  clock.setTimer({ owner: 'owner', name: 't', atMs: first + 4 });
  await within(1_000, 'the replacement fired', delivered);
  await wait(10);
  assert.equal(fired, [first + 4]);
});

test('dispose cancels every pending wall timer', async () => {
  const clock = new WallClock();
  const fired: BusEvent[] = [];
  new Kernel({ clock }).register(stage('owner', 0, [TOPICS.klines], (event) => void fired.push(event)));
  clock.setTimer({ owner: 'owner', name: 'a', atMs: Date.now() + 3 });
  clock.setTimer({ owner: 'owner', name: 'b', atMs: Date.now() + 4, periodMs: 2 });
  clock.dispose();
  await wait(15);
  assert.equal(fired, []);
});

test('a wall timer due while an async cascade is pending is handled after it, inside the barrier', async () => {
  const clock = new WallClock();
  const trace: string[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let timerHandled: () => void = () => undefined;
  const handled = new Promise<void>((resolve) => {
    timerHandled = resolve;
  });
  const kernel = new Kernel({ clock }).register(
    stage('model', 0, [TOPICS.klines], (event, context) => {
      trace.push(`start ${event.kind}`);
      if (event.kind === 'timer-fired') {
        timerHandled();
        return;
      }
      context.clock.setTimer({ owner: 'model', name: 'deadline', atMs: Date.now() + 1 });
      return held.then(() => void trace.push(`end ${event.kind}`));
    }),
  );

  const answer = kernel.process(kline(), TOPICS.klines);
  await wait(10);
  assert.equal(trace, ['start kline']);
  release();
  await answer;
  await within(1_000, 'the timer was handled', handled);

  assert.equal(trace, ['start kline', 'end kline', 'start timer-fired']);
  clock.dispose();
});

test.run();
