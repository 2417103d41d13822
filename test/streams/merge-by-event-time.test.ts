import { take, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import { klineReplay, mergeByEventTime } from '../../src/streams/merge-by-event-time.js';
import { syntheticMarket } from '../../src/streams/synthetic-market.js';
import { assertEqual } from '../requirements.js';

interface Event {
  readonly ts: number;
  readonly symbol: string;
  readonly id: string;
}
const ev = (ts: number, symbol: string, id = `${symbol}@${ts}`): Event => ({ ts, symbol, id });

const collect = <T>(events: readonly T[] | undefined, run: (push: (v: T) => void) => void): T[] => {
  const out: T[] = events ? [...events] : [];
  run((v) => out.push(v));
  return out;
};

test('orders by ts; equal ts by symbol name, whatever the order of the inputs', () => {
  const eth = [ev(1, 'ETHUSDT'), ev(3, 'ETHUSDT'), ev(5, 'ETHUSDT')];
  const btc = [ev(1, 'BTCUSDT'), ev(2, 'BTCUSDT'), ev(5, 'BTCUSDT')];
  const sol = [ev(0, 'SOLUSDT'), ev(5, 'SOLUSDT')];
  const expected = [
    'SOLUSDT@0',
    'BTCUSDT@1',
    'ETHUSDT@1',
    'BTCUSDT@2',
    'ETHUSDT@3',
    'BTCUSDT@5',
    'ETHUSDT@5',
    'SOLUSDT@5',
  ];
  for (const inputs of [
    [eth, btc, sol],
    [sol, btc, eth],
    [btc, sol, eth],
  ]) {
    const ids = collect<string>(undefined, (push) => mergeByEventTime(inputs).subscribe((e) => push(e.id)));
    assert.equal(ids, expected);
  }
});

test('same ts and symbol in two series keeps series order (stable)', () => {
  const ids = collect<string>(undefined, (push) =>
    mergeByEventTime([[ev(1, 'A1', 'first')], [ev(1, 'A1', 'second')]]).subscribe((e) => push(e.id)),
  );
  assert.equal(ids, ['first', 'second']);
});

test('marble: emits everything synchronously at subscription, then completes', () => {
  const scheduler = new TestScheduler(assertEqual);
  scheduler.run(({ expectObservable }) => {
    const a = ev(1, 'AA');
    const b = ev(2, 'BB');
    const c = ev(2, 'CC');
    expectObservable(mergeByEventTime([[a, c], [b]])).toBe('(abc|)', { a, b, c });
    expectObservable(mergeByEventTime<Event>([])).toBe('|');
    expectObservable(mergeByEventTime<Event>([[], []])).toBe('|');
  });
});

test('unsubscribing stops the loop: take(3) pulls exactly 3 events from the source', () => {
  const series = syntheticMarket({ count: 1000, seed: 1 });
  let pulled = 0;
  const firstThree = collect<number>(undefined, (push) =>
    klineReplay(series)
      .pipe(
        tap(() => pulled++),
        take(3),
      )
      .subscribe((k) => push(k.ts)),
  );
  assert.is(pulled, 3);
  assert.equal(firstThree, [series[0][0].ts, series[1][0].ts, series[2][0].ts]);
});

test('errors with DataError when a series goes back in time, after emitting what was in order', () => {
  const scheduler = new TestScheduler(assertEqual);
  scheduler.run(({ expectObservable }) => {
    const a = ev(1, 'AA');
    const b = ev(3, 'AA');
    const c = ev(2, 'AA');
    expectObservable(mergeByEventTime([[a, b, c]])).toBe(
      '(ab#)',
      { a, b },
      new DataError(
        'merge input 0 (AA) is not sorted by ts: event 2 has ts 2 after 3; sort each series before merging',
        'series 0',
      ),
    );
  });
});

test('a merged synthetic market is non-decreasing in ts, with every candle once', () => {
  const series = syntheticMarket({ count: 2000, seed: 7 });
  let merged: { ts: number; symbol: string }[] = [];
  klineReplay(series)
    .pipe(toArray())
    .subscribe((all) => {
      merged = all;
    });
  assert.is(merged.length, 6000);
  for (let i = 1; i < merged.length; i++) {
    const ok =
      merged[i - 1].ts < merged[i].ts ||
      (merged[i - 1].ts === merged[i].ts && merged[i - 1].symbol < merged[i].symbol);
    if (!ok) assert.unreachable(`order broken at ${i}`);
  }
});

test.run();
