// SimExchange order handling: validation codes, reduce-only, idempotency, OCO, funding, close().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FundingPaid } from '../../src/domain/index.js';
import { kline } from '../builders.js';
import { bar, harness, MINUTE_MS, near, order, stopLoss, T0, takeProfit } from './sim-harness.js';

const INVALID = 'QT_EXCHANGE_INVALID_ORDER';

test('rejects qty off the step, price off the tick and notional below the minimum, with codes', () => {
  const h = harness();
  h.venue.createOrder(order({ clientOrderId: 'step', qty: 0.0015 }));
  h.venue.createOrder(order({ clientOrderId: 'tick', type: 'LIMIT', price: 99.995 }));
  h.venue.createOrder(order({ clientOrderId: 'notional', qty: 0.04 })); // 0.04 × 100 = 4 < 5
  // BTCUSDT's MARKET_LOT_SIZE maxQty is 1000 (bundled Binance exchangeInfo; the harness overrides tick and step only)
  h.venue.createOrder(order({ clientOrderId: 'maxqty', qty: 2_000 }));
  const [step, tick, notional] = h.results();
  assert.equal([step.status, step.errorCode], ['REJECTED', INVALID]);
  assert.match(step.reason ?? '', /stepSize 0\.001/);
  assert.equal([tick.status, tick.errorCode], ['REJECTED', INVALID]);
  assert.match(tick.reason ?? '', /tickSize 0\.01/);
  assert.equal([notional.status, notional.errorCode], ['REJECTED', INVALID]);
  assert.match(notional.reason ?? '', /minNotional 5/);
  assert.match(h.results()[3].reason ?? '', /maxQty 1000\]/);
  // a rejected id is not remembered: a corrected retry is accepted
  h.venue.createOrder(order({ clientOrderId: 'step', qty: 0.1 }));
  assert.is(h.results().at(-1)?.status, 'NEW');
});

test('rejects an entry beyond the available margin', () => {
  const h = harness({ initialBalanceUsdt: 100 });
  // needs 1 × 100 / 1 + 1 × 100 × 0.0005 = 100.05 > 100
  h.venue.createOrder(order());
  assert.equal(
    [h.results()[0].status, h.results()[0].errorCode],
    ['REJECTED', 'QT_EXCHANGE_INSUFFICIENT_MARGIN'],
  );
  // at 2×: 50 + 0.05 fits
  h.venue.createOrder(order({ leverage: 2 }));
  assert.is(h.results()[1].status, 'NEW');
  // and the resting order reserves it: a second one no longer fits (100 − 50.05 < 50.05)
  h.venue.createOrder(order({ clientOrderId: 'en-2', leverage: 2 }));
  assert.is(h.results()[2].errorCode, 'QT_EXCHANGE_INSUFFICIENT_MARGIN');
});

test('reduce-only: rejected without a position or when it would increase, clamped to the size', () => {
  const h = harness();
  h.venue.createOrder(order({ clientOrderId: 'ro-flat', side: 'SELL', reduceOnly: true, purpose: 'EXIT' }));
  assert.equal([h.results()[0].status, h.results()[0].errorCode], ['REJECTED', INVALID]);
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  h.venue.createOrder(
    order({ clientOrderId: 'ro-up', reduceOnly: true, purpose: 'EXIT', ts: T0 + MINUTE_MS }),
  );
  assert.is(h.results().at(-1)?.status, 'REJECTED');
  assert.match(h.results().at(-1)?.reason ?? '', /would increase/);
  h.venue.createOrder(
    order({
      clientOrderId: 'ro-2',
      side: 'SELL',
      qty: 2,
      reduceOnly: true,
      purpose: 'EXIT',
      ts: T0 + MINUTE_MS,
    }),
  );
  const accepted = h.results().at(-1);
  assert.equal([accepted?.status, accepted?.qty], ['NEW', 1]);
  assert.match(accepted?.reason ?? '', /clamped from 2 to position size 1/);
  h.venue.onMarket(bar(1, { open: 101, high: 101, low: 101, close: 101 }));
  assert.equal(
    h.fills().map((f) => [f.side, f.qty]),
    [
      ['BUY', 1],
      ['SELL', 1],
    ],
  );
  assert.is(h.venue.fetchPositions().length, 0, 'reduce-only never flips');
});

test('a reduce-only stop larger than what is left only closes the position', () => {
  const h = harness();
  h.venue.createOrder(order({ qty: 2 }));
  h.venue.createOrder(stopLoss(95, { qty: 2 }));
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  h.venue.createOrder(
    order({
      clientOrderId: 'ex-1',
      side: 'SELL',
      qty: 1.5,
      reduceOnly: true,
      purpose: 'EXIT',
      ts: T0 + MINUTE_MS,
    }),
  );
  h.venue.onMarket(bar(1, { open: 100, high: 100, low: 99, close: 99 }));
  h.venue.onMarket(bar(2, { open: 96, high: 96, low: 94, close: 95 }));
  const stop = h.fills().at(-1);
  assert.equal([stop?.clientOrderId, stop?.qty, stop?.price], ['sl-1', 0.5, 95]);
  assert.is(h.venue.fetchPositions().length, 0);
});

test('a non-reduce-only order larger than the position flips it', () => {
  const h = harness();
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  h.venue.createOrder(
    order({
      clientOrderId: 'en-2',
      intentId: 'intent-2',
      side: 'SELL',
      positionSide: 'SHORT',
      qty: 3,
      ts: T0 + MINUTE_MS,
    }),
  );
  h.venue.onMarket(bar(1, { open: 98, high: 98, low: 98, close: 98 }));
  const [p] = h.venue.fetchPositions();
  assert.equal([p.side, p.qty, p.entryPrice, p.intentId], ['SHORT', 2, 98, 'intent-2']);
  // realized (98 − 100) × 1 = −2; fees 0.05 + 3 × 98 × 0.0005 = 0.05 + 0.147
  assert.ok(near(h.venue.account().walletUsdt, 10_000 - 2 - 0.05 - 0.147));
});

test('a second submit of a known clientOrderId re-reports the order and never doubles it', () => {
  const h = harness();
  h.venue.createOrder(order());
  h.venue.createOrder(order());
  assert.equal(h.statusesOf('en-1'), ['NEW', 'NEW']);
  assert.is(h.results()[0], h.results()[1], 'the same report, not a new order');
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  h.venue.createOrder(order());
  assert.equal(h.statusesOf('en-1'), ['NEW', 'NEW', 'FILLED', 'FILLED']);
  assert.is(h.fills().length, 1);
  assert.is(h.venue.fetchPositions()[0].qty, 1);
});

test('OCO: a position closed by an exit cancels its stop and take-profit', () => {
  const h = harness();
  h.venue.createOrder(order());
  h.venue.createOrder(stopLoss(95));
  h.venue.createOrder(takeProfit(110));
  h.venue.onMarket(bar(0, { open: 100, high: 101, low: 99, close: 100 }));
  h.venue.createOrder(
    order({
      clientOrderId: 'ex-1',
      side: 'SELL',
      reduceOnly: true,
      purpose: 'EXIT',
      exitReason: 'TIME_EXIT',
      ts: T0 + MINUTE_MS,
    }),
  );
  h.venue.onMarket(bar(1, { open: 102, high: 102, low: 102, close: 102 }));
  assert.is(h.fills()[1].exitReason, 'TIME_EXIT');
  const tail = h.results().slice(-2);
  assert.equal(
    tail.map((r) => [r.clientOrderId, r.status, r.reason]),
    [
      ['sl-1', 'CANCELED', 'position closed'],
      ['tp-1', 'CANCELED', 'position closed'],
    ],
  );
});

test('a bracket sent with its entry rests until the entry fills, then protects it', () => {
  const h = harness();
  h.venue.createOrder(order({ type: 'LIMIT', price: 98 }));
  h.venue.createOrder(stopLoss(95));
  // below the stop but flat: the stop waits
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 99, close: 99.5 }));
  h.venue.onMarket(bar(1, { open: 99, high: 99, low: 97, close: 97 })); // entry fills at 98
  h.venue.onMarket(bar(2, { open: 96, high: 96, low: 94, close: 94 }));
  assert.equal(
    h.fills().map((f) => [f.clientOrderId, f.price]),
    [
      ['en-1', 98],
      ['sl-1', 95],
    ],
  );
});

test('cancelOrder cancels a resting order and re-reports a finished one', () => {
  const h = harness();
  h.venue.createOrder(order({ type: 'LIMIT', price: 90 }));
  h.venue.cancelOrder({
    kind: 'cancel-order',
    clientOrderId: 'en-1',
    symbol: 'BTCUSDT',
    ts: T0 + 5,
    reason: 'stale',
  });
  h.venue.cancelOrder({
    kind: 'cancel-order',
    clientOrderId: 'en-1',
    symbol: 'BTCUSDT',
    ts: T0 + 6,
    reason: 'again',
  });
  h.venue.cancelOrder({
    kind: 'cancel-order',
    clientOrderId: 'nope',
    symbol: 'BTCUSDT',
    ts: T0 + 6,
    reason: 'x',
  });
  assert.equal(h.statusesOf('en-1'), ['NEW', 'CANCELED', 'CANCELED']);
  assert.is(h.results()[1].reason, 'stale');
  assert.is(h.events.length, 3);
});

test('funding every 8h: a long pays qty × mark × rate, a short receives it', () => {
  const at0745 = Date.UTC(2024, 0, 1, 7, 45);
  for (const [side, sign] of [
    ['BUY', 1],
    ['SELL', -1],
  ] as const) {
    const h = harness({ defaultFundingRate: 0.0001 });
    h.venue.createOrder(order({ side, positionSide: side === 'BUY' ? 'LONG' : 'SHORT', qty: 2 }));
    h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
    // a 15m candle 07:45 → 08:00 contains the 08:00 funding instant; mark = its close 110
    h.venue.onMarket(
      bar(0, {
        ts: at0745 + 15 * 60_000,
        openTime: at0745,
        interval: '15m',
        open: 100,
        high: 110,
        low: 100,
        close: 110,
      }),
    );
    const funding = h.events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
    // 2 × 110 × 0.0001 = 0.022
    assert.equal(funding.length, 1);
    assert.is(funding[0].ts, Date.UTC(2024, 0, 1, 8, 0));
    assert.ok(near(funding[0].amountUsdt, sign * 0.022));
    assert.ok(near(h.venue.account().fundingUsdt, sign * 0.022));
  }
});

test('the kline funding rate wins over the default; null default charges only data rates', () => {
  const at0759 = Date.UTC(2024, 0, 1, 7, 59);
  const candle = { ts: at0759 + 60_000, openTime: at0759, open: 100, high: 100, low: 100, close: 100 };
  const h = harness({ defaultFundingRate: null });
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  h.venue.onMarket(bar(0, { ...candle, ts: at0759, openTime: at0759 - 60_000 })); // 07:58 → 07:59: none
  h.venue.onMarket(bar(0, candle));
  assert.is(h.events.filter((e) => e.kind === 'funding-paid').length, 0, 'no data rate, no default');
  const d = harness({ defaultFundingRate: 0.0001 });
  d.venue.createOrder(order());
  d.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  d.venue.onMarket(bar(0, { ...candle, fundingRate: -0.0003 }));
  const [paid] = d.events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
  // 1 × 100 × −0.0003 = −0.03: a long receives a negative rate
  assert.equal([paid.rate, paid.markPrice], [-0.0003, 100]);
  assert.ok(near(paid.amountUsdt, -0.03));
});

test('funding from data: a 4 h symbol pays at each of its settlements, and nothing the data does not list', () => {
  // The grid is the default 8 h, the default rate 0.01 %; the data says 4 h (Binance has 4 h and 1 h symbols).
  const h = harness({ defaultFundingRate: 0.0001 });
  h.venue.createOrder(order({ qty: 2 }));
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 })); // fills at 01:01's open
  const hour = 3_600_000;
  const day = Date.UTC(2024, 0, 1);
  const rates: Record<number, number> = { 4: 0.0002, 8: -0.0001, 12: 0.0003 };
  for (let closeHour = 3; closeHour <= 13; closeHour++) {
    const rate = rates[closeHour];
    h.venue.onMarket(
      kline({
        openTime: day + (closeHour - 1) * hour,
        ts: day + closeHour * hour,
        interval: '1h',
        open: 100,
        high: 100,
        low: 100,
        close: 100,
        volume: 10,
        ...(rate === undefined ? {} : { fundingRate: rate }),
      }),
    );
  }
  const paid = h.events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
  assert.equal(
    paid.map((p) => [(p.ts - day) / hour, p.rate]),
    [
      [4, 0.0002],
      [8, -0.0001],
      [12, 0.0003],
    ],
  );
  assert.ok(near(h.venue.account().fundingUsdt, 2 * 100 * (0.0002 - 0.0001 + 0.0003)));
});

test('funding from data on a coarse candle: its summed rate is paid once, at its last hour', () => {
  const h = harness({ defaultFundingRate: 0.0001 });
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  const day = Date.UTC(2024, 0, 2);
  // A daily candle holds the 08:00, 16:00 and 24:00 settlements: attachFunding sums them.
  h.venue.onMarket(
    kline({
      openTime: day,
      ts: day + 86_400_000,
      interval: '1d',
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: 10,
      fundingRate: 0.0006,
    }),
  );
  const paid = h.events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
  // Before: the grid settled each of the three instants at the summed rate (three times too much).
  assert.equal(
    paid.filter((p) => p.ts > day).map((p) => [p.ts, p.rate]),
    [[day + 86_400_000, 0.0006]],
  );
});

test('close() exits at the last close with taker fee and slippage, cancels the rest, completes', () => {
  const h = harness({ slippage: { bps: 10 } });
  h.venue.createOrder(order());
  h.venue.createOrder(stopLoss(90));
  h.venue.createOrder(order({ clientOrderId: 'en-2', type: 'LIMIT', price: 80 }));
  h.venue.onMarket(bar(0, { open: 100, high: 121, low: 99, close: 120 }));
  h.venue.close(T0 + 10 * MINUTE_MS);
  const exit = h.fills().at(-1);
  // 120 × (1 − 10/1e4) = 119.88; fee 119.88 × 0.0005 = 0.05994
  assert.equal([exit?.price, exit?.exitReason, exit?.liquidity], [119.88, 'END_OF_DATA', 'TAKER']);
  assert.ok(near(exit?.feeUsdt ?? 0, 0.05994));
  assert.equal(h.statusesOf('sl-1'), ['NEW', 'CANCELED']);
  assert.equal(h.statusesOf('en-2'), ['NEW', 'CANCELED']);
  assert.is(h.results().at(-1)?.reason, 'end of data');
  assert.ok(h.completed);
  assert.is(h.venue.fetchPositions().length, 0);
  // entry 100 × 1.001 = 100.1: (119.88 − 100.1) − 0.05005 − 0.05994
  assert.ok(near(h.venue.account().walletUsdt, 10_000 + 19.78 - 0.05005 - 0.05994, 1e-6));
});

test('the same inputs give the same event sequence (determinism)', () => {
  const run = () => {
    const h = harness({ slippage: { model: 'volatility' } });
    h.venue.createOrder(order({ leverage: 3 }));
    h.venue.createOrder(stopLoss(97));
    h.venue.createOrder(takeProfit(104));
    let price = 100;
    for (let i = 0; i < 50; i++) {
      const next = price + Math.sin(i) * 1.5;
      h.venue.onMarket(
        bar(i, {
          open: price,
          high: Math.max(price, next) + 0.5,
          low: Math.min(price, next) - 0.5,
          close: next,
        }),
      );
      price = next;
    }
    h.venue.close(T0 + 60 * MINUTE_MS);
    return JSON.stringify(h.events);
  };
  assert.is(run(), run());
});

test.run();
