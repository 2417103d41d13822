import { NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type {
  OrderDenied,
  PortfolioSnapshot,
  RegimeChanged,
  SizingDecision,
  TradeIntent,
} from '../../src/domain/index.js';
import {
  createPositionSizing,
  positionSizing,
  positionSizingParams,
  sizeIntent,
} from '../../src/operators/position-sizing.js';
import { intent, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);
const fixed = positionSizingParams.parse({});
const atrStop = positionSizingParams.parse({ method: 'atr-stop' });

test('fixed-fraction: 10 000 USDT × 0.1 × 3 at 100 ⇒ qty 30, stop 98.5, TP 103, 1R 1.5', () => {
  assert.equal(sizeIntent(fixed, intent(), 10_000), {
    kind: 'sizing-decision',
    intentId: 'BTCUSDT-60000-LONG',
    symbol: 'BTCUSDT',
    ts: 60_000,
    side: 'LONG',
    price: 100,
    qty: 30,
    notionalUsdt: 3000,
    leverage: 3,
    stopPrice: 98.5,
    riskPerUnit: 1.5,
    method: 'fixed-fraction',
    takeProfitPrice: 103,
  });
});

test('fixed-fraction short mirrors the levels; rewardRisk overrides takeProfitPct', () => {
  const short = sizeIntent(fixed, intent({ side: 'SHORT' }), 10_000);
  assert.is(short.kind, 'sizing-decision');
  if (short.kind !== 'sizing-decision') return;
  assert.is(short.stopPrice, 101.5);
  assert.is(short.takeProfitPrice, 97);
  const rr = sizeIntent(positionSizingParams.parse({ rewardRisk: 3 }), intent(), 10_000);
  assert.is(rr.kind === 'sizing-decision' ? rr.takeProfitPrice : 0, 104.5);
  const noTp = sizeIntent(positionSizingParams.parse({ takeProfitPct: 0 }), intent(), 10_000);
  assert.is(noTp.kind === 'sizing-decision' ? noTp.takeProfitPrice : 0, undefined);
});

test('atr-stop: 1% of 10 000 over 2 × ATR 2 ⇒ qty 25, stop 96, TP 108, leverage 1', () => {
  const decision = sizeIntent(atrStop, intent({ atr: 2 }), 10_000);
  assert.equal(decision, {
    kind: 'sizing-decision',
    intentId: 'BTCUSDT-60000-LONG',
    symbol: 'BTCUSDT',
    ts: 60_000,
    side: 'LONG',
    price: 100,
    qty: 25,
    notionalUsdt: 2500,
    leverage: 1,
    stopPrice: 96,
    riskPerUnit: 4,
    method: 'atr-stop',
    takeProfitPrice: 108,
  });
});

test('atr-stop: needed leverage 10 is capped at maxLeverage 5 and qty shrinks to fit (500)', () => {
  const decision = sizeIntent(atrStop, intent({ atr: 0.05 }), 10_000);
  assert.is(decision.kind, 'sizing-decision');
  if (decision.kind !== 'sizing-decision') return;
  assert.is(decision.leverage, 5);
  assert.is(decision.qty, 500);
  assert.is(decision.notionalUsdt, 50_000);
  const needs3 = sizeIntent(atrStop, intent({ atr: 0.1 }), 10_000);
  // distance 0.2 ⇒ qty 500 ⇒ notional 50 000 = 5× equity ⇒ leverage 5, uncapped.
  assert.is(needs3.kind === 'sizing-decision' ? needs3.leverage : 0, 5);
  const lev2 = sizeIntent(atrStop, intent({ atr: 0.4 }), 10_000);
  // distance 0.8 ⇒ qty 125 ⇒ notional 12 500 = 1.25× ⇒ leverage 2 (whole number, rounded up).
  assert.is(lev2.kind === 'sizing-decision' ? lev2.leverage : 0, 2);
});

test('atr-stop without ATR, and zero equity, are denied by gate sizing', () => {
  assert.equal(sizeIntent(atrStop, intent(), 10_000), {
    kind: 'order-denied',
    intentId: 'BTCUSDT-60000-LONG',
    symbol: 'BTCUSDT',
    ts: 60_000,
    gate: 'sizing',
    reason: 'no ATR',
  });
  const broke = sizeIntent(fixed, intent(), 0);
  assert.is(broke.kind, 'order-denied');
  assert.is(broke.kind === 'order-denied' ? broke.gate : '', 'sizing');
});

test('operator: initialEquityUsdt until the first snapshot, then the latest equity', () => {
  scheduler().run(({ hot, cold, expectObservable }) => {
    const portfolio$ = hot('--s--t', {
      s: snapshot({ equityUsdt: 20_000 }),
      t: snapshot({ equityUsdt: 5_000 }),
    });
    const intents = cold('a---b-c|', { a: intent(), b: intent({ ts: 120_000 }), c: intent({ ts: 180_000 }) });
    const qtyOf = (qty: number, ts: number) => {
      const d = sizeIntent(fixed, intent({ ts }), 10_000);
      return d.kind === 'sizing-decision' ? { ...d, qty, notionalUsdt: qty * 100 } : d;
    };
    expectObservable(intents.pipe(positionSizing({ initialEquityUsdt: 10_000 }, portfolio$))).toBe(
      'a---b-c|',
      {
        a: qtyOf(30, 60_000),
        b: qtyOf(60, 120_000),
        c: qtyOf(15, 180_000),
      },
    );
  });
});

test('operator: portfolio errors and source errors propagate; unsubscription reaches both', () => {
  scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
    const failing$ = hot<PortfolioSnapshot>('---#', undefined, new Error('portfolio down'));
    expectObservable(cold('-----a|', { a: intent() }).pipe(positionSizing({}, failing$))).toBe(
      '---#',
      undefined,
      new Error('portfolio down'),
    );
    expectObservable(
      cold<TradeIntent>('--#', undefined, new Error('x')).pipe(positionSizing({}, NEVER)),
    ).toBe('--#', undefined, new Error('x'));
    const portfolio$ = hot<PortfolioSnapshot>('------');
    const intents = cold('------a|', { a: intent() });
    expectObservable(intents.pipe(positionSizing({}, portfolio$)), '^--!').toBe('----');
    expectSubscriptions(portfolio$.subscriptions).toBe('^--!');
    expectSubscriptions(intents.subscriptions).toBe('^--!');
  });
});

test('regimeScale: the sizing equity scales with the regime in force (qty and risk alike); 0 refuses entries; unlisted regimes size at 1', () => {
  const p = positionSizingParams.parse({ regimeScale: { VOLATILE: 0.5, TRENDING_DOWN: 0 } });
  const handler = createPositionSizing(p);
  const out: (SizingDecision | OrderDenied)[] = [];
  const emit = (e: SizingDecision | OrderDenied): void => void out.push(e);
  const changed = (r: RegimeChanged['regime']): RegimeChanged => ({
    kind: 'regime-changed',
    symbol: 'BTCUSDT',
    ts: 1,
    regime: r,
    adx: 20,
    atrRatio: 2,
    realizedVol: 0.01,
    slope: 0,
    reason: 'test',
  });
  handler.next(intent(), emit);
  handler.next(changed('VOLATILE'), emit);
  handler.next(intent(), emit);
  handler.next(changed('TRENDING_DOWN'), emit);
  handler.next(intent(), emit);
  handler.next(changed('RANGING'), emit);
  handler.next(intent(), emit);
  const [full, half, refused, again] = out;
  assert.ok(
    full.kind === 'sizing-decision' && half.kind === 'sizing-decision' && again.kind === 'sizing-decision',
  );
  assert.is(half.qty, full.qty / 2);
  assert.is(half.notionalUsdt, full.notionalUsdt / 2);
  assert.is(half.stopPrice, full.stopPrice);
  assert.is(half.method, `${full.method} ×0.5 (VOLATILE)`);
  assert.equal(again, full);
  assert.ok(refused.kind === 'order-denied');
  assert.is(refused.gate, 'sizing');
  assert.match(refused.reason, /regime TRENDING_DOWN: sizing\.regimeScale is 0/);
});

test('params are strict', () => {
  assert.throws(() => positionSizing({ fractoin: 0.2 } as never, NEVER));
});

test.run();
