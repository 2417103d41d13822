import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeSignal, type RegimeChanged } from '../../src/domain/index.js';
import {
  createSignalToIntent,
  signalToIntent,
  signalToIntentParams,
} from '../../src/operators/signal-to-intent.js';
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

const regime = (symbol: string, ts: number, r: RegimeChanged['regime']): RegimeChanged => ({
  kind: 'regime-changed',
  symbol,
  ts,
  regime: r,
  adx: 30,
  atrRatio: 1,
  realizedVol: 0.001,
  slope: 0,
  reason: 'test',
});

test('regimeSides: a side the regime does not allow is refused with an OrderDenied naming the regime; other symbols and unlisted regimes trade both ways', () => {
  const handler = createSignalToIntent(
    signalToIntentParams.parse({ regimeSides: { TRENDING_UP: 'long', VOLATILE: 'none' } }),
  );
  const out: { kind: string; side?: string; gate?: string; reason?: string }[] = [];
  const emit = (e: (typeof out)[number]): void => void out.push(e);
  handler.next(sell, emit); // no regime yet: both sides
  handler.next(regime('BTCUSDT', 100_000, 'TRENDING_UP'), emit);
  handler.next({ ...sell, ts: 130_000 }, emit);
  handler.next({ ...buy, ts: 140_000 }, emit);
  handler.next({ ...sell, symbol: 'ETHUSDT', ts: 150_000 }, emit);
  handler.next(regime('BTCUSDT', 160_000, 'VOLATILE'), emit);
  handler.next({ ...buy, ts: 170_000 }, emit);
  handler.next(regime('BTCUSDT', 180_000, 'RANGING'), emit);
  handler.next({ ...sell, ts: 190_000 }, emit);
  assert.equal(
    out.map((e) => (e.kind === 'trade-intent' ? `intent ${e.side}` : `denied ${e.gate}: ${e.reason}`)),
    [
      'intent SHORT',
      'denied regime: SHORT refused in TRENDING_UP: strategy.regimeSides allows long',
      'intent LONG',
      'intent SHORT',
      'denied regime: LONG refused in VOLATILE: strategy.regimeSides allows none',
      'intent SHORT',
    ],
  );
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
