import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import { describeSignal } from '../../src/domain/index.js';
import { signalToIntent } from '../../src/operators/signal-to-intent.js';
import { signal } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);

const buy = signal({ action: 'BUY', confidence: 0.8, atr: 2, ts: 60_000 });
const sell = signal({ action: 'SELL', confidence: 0.7, ts: 120_000, price: 99 });
const weak = signal({ action: 'BUY', confidence: 0.549, ts: 180_000 });
const hold = signal({ action: 'HOLD', confidence: 0.9, ts: 240_000 });
const edge = signal({ action: 'BUY', confidence: 0.55, ts: 300_000 });

test('BUY ⇒ LONG, SELL ⇒ SHORT; HOLD and confidence < 0.55 stay silent; 0.55 passes', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('abcde|', { a: buy, b: sell, c: weak, d: hold, e: edge });
    expectObservable(source.pipe(signalToIntent({ strategy: 'trend' }))).toBe('ab--e|', {
      a: {
        kind: 'trade-intent',
        id: 'BTCUSDT-60000-LONG',
        symbol: 'BTCUSDT',
        ts: 60_000,
        side: 'LONG',
        price: 100,
        confidence: 0.8,
        strategy: 'trend',
        reason: describeSignal(buy),
        atr: 2,
      },
      b: {
        kind: 'trade-intent',
        id: 'BTCUSDT-120000-SHORT',
        symbol: 'BTCUSDT',
        ts: 120_000,
        side: 'SHORT',
        price: 99,
        confidence: 0.7,
        strategy: 'trend',
        reason: describeSignal(sell),
      },
      e: {
        kind: 'trade-intent',
        id: 'BTCUSDT-300000-LONG',
        symbol: 'BTCUSDT',
        ts: 300_000,
        side: 'LONG',
        price: 100,
        confidence: 0.55,
        strategy: 'trend',
        reason: describeSignal(edge),
      },
    });
  });
});

test('allowShort false ignores SELL', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('b|', { b: sell }).pipe(signalToIntent({ allowShort: false }))).toBe('-|');
  });
});

test('errors and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('d-#', { d: hold }, new Error('x'));
    expectObservable(source.pipe(signalToIntent())).toBe('--#', undefined, new Error('x'));
    const long = cold('d-d-d|', { d: hold });
    expectObservable(long.pipe(signalToIntent()), '^-!').toBe('---');
    expectSubscriptions(long.subscriptions).toBe('^-!');
  });
});

test.run();
