// SimExchange fills: fees, slippage, latency, intrabar order, gaps, limits. Every expected number
// is the arithmetic in the comment next to it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PositionLiquidated, Tick } from '../../src/domain/index.js';
import { bar, harness, MINUTE_MS, near, order, stopLoss, T0, takeProfit } from './sim-harness.js';

const tickAt = (ts: number, price: number, qty = 1): Tick => ({
  kind: 'tick',
  symbol: 'BTCUSDT',
  ts,
  price,
  qty,
  side: 'BUY',
  tradeId: String(ts),
});

test('market entry pays the taker fee, a resting limit exit the maker fee', () => {
  const h = harness();
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100.5, low: 99.5, close: 100 }));
  h.venue.createOrder(
    order({
      clientOrderId: 'ex-1',
      side: 'SELL',
      type: 'LIMIT',
      price: 101,
      reduceOnly: true,
      purpose: 'EXIT',
      ts: T0 + MINUTE_MS,
    }),
  );
  h.venue.onMarket(bar(1, { open: 100, high: 101.5, low: 99.8, close: 101.2 }));
  const [entry, exit] = h.fills();
  // taker: 1 × 100 × 0.0005 = 0.05
  assert.equal([entry.price, entry.liquidity, entry.feeUsdt], [100, 'TAKER', 0.05]);
  // maker: 1 × 101 × 0.0002 = 0.0202 (the path traded through 101: high 101.5)
  assert.equal([exit.price, exit.liquidity], [101, 'MAKER']);
  assert.ok(near(exit.feeUsdt, 0.0202));
  assert.is(exit.exitReason, 'SIGNAL_EXIT');
  // wallet = 10 000 + (101 − 100) × 1 − 0.05 − 0.0202 = 10 000.9298
  assert.ok(near(h.venue.account().walletUsdt, 10_000.9298));
  assert.is(h.venue.fetchPositions().length, 0);
});

test('fixed-bps slippage moves taker fills against us, rounded to the tick', () => {
  const h = harness({ slippage: { model: 'fixed-bps', bps: 2 } });
  h.venue.createOrder(order({ qty: 2 }));
  h.venue.onMarket(bar(0, { open: 100, high: 111, low: 100, close: 110 }));
  h.venue.createOrder(
    order({
      clientOrderId: 'ex-1',
      side: 'SELL',
      qty: 2,
      reduceOnly: true,
      purpose: 'EXIT',
      ts: T0 + MINUTE_MS,
    }),
  );
  h.venue.onMarket(bar(1, { open: 110, high: 110, low: 109, close: 109.5 }));
  const [entry, exit] = h.fills();
  // buy: 100 × (1 + 2/1e4) = 100.02; slippage 0.02 × 2 = 0.04 USDT
  assert.is(entry.price, 100.02);
  assert.ok(near(entry.slippageUsdt, 0.04));
  // sell: 110 × (1 − 2/1e4) = 109.978 → nearest tick 109.98; slippage (110 − 109.98) × 2 = 0.04
  assert.is(exit.price, 109.98);
  assert.ok(near(exit.slippageUsdt, 0.04));
});

test('volatility slippage adds volatilityFactor × (high − low) / close of the fill candle', () => {
  const h = harness({ slippage: { model: 'volatility', bps: 2, volatilityFactor: 0.1 } });
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 102, low: 98, close: 100 }));
  // s = 2/1e4 + 0.1 × (102 − 98) / 100 = 0.0002 + 0.004 = 0.0042 ⇒ 100 × 1.0042 = 100.42
  assert.is(h.fills()[0].price, 100.42);
});

test('an order fills at the first event at or after ts + latency, never in the same instant', () => {
  const h = harness({ latencyMs: 100 });
  h.venue.createOrder(order({ ts: T0 }));
  h.venue.onMarket(tickAt(T0 + 50, 100.1));
  assert.is(h.fills().length, 0, 'T0 + 50 < T0 + 100');
  h.venue.onMarket(tickAt(T0 + 100, 100.2));
  assert.equal(
    h.fills().map((f) => [f.ts, f.price]),
    [[T0 + 100, 100.2]],
  );
});

test('with latency longer than a candle the market order waits for the candle after', () => {
  const h = harness({ latencyMs: 2 * MINUTE_MS });
  h.venue.createOrder(order({ ts: T0 }));
  h.venue.onMarket(bar(0, { open: 101, high: 101, low: 101, close: 101 })); // ts T0 + 1m < T0 + 2m
  assert.is(h.fills().length, 0);
  h.venue.onMarket(bar(1, { open: 102, high: 103, low: 102, close: 103 })); // ts T0 + 2m
  assert.equal(
    h.fills().map((f) => [f.ts, f.price]),
    [[T0 + 2 * MINUTE_MS, 102]],
  );
});

/** Long 1 @ 100 with SL 95 and TP 105, then one candle that reaches both. */
const bothInOneCandle = (policy: 'worst' | 'best' | 'ohlc-path') => {
  const h = harness({ intrabarPolicy: policy });
  h.venue.createOrder(order());
  h.venue.createOrder(stopLoss(95));
  h.venue.createOrder(takeProfit(105));
  h.venue.onMarket(bar(0, { open: 100, high: 101, low: 99, close: 100 }));
  // bearish candle: the ohlc heuristic visits the high first
  h.venue.onMarket(bar(1, { open: 100, high: 106, low: 94, close: 96 }));
  return h;
};

test("stop fills before take-profit when both inside one candle ('worst')", () => {
  const h = bothInOneCandle('worst');
  const exit = h.fills()[1];
  assert.equal([exit.clientOrderId, exit.price, exit.exitReason], ['sl-1', 95, 'STOP_LOSS']);
  assert.equal(h.statusesOf('tp-1'), ['NEW', 'CANCELED']);
  assert.is(h.results().at(-1)?.reason, 'position closed');
  // 10 000 − 0.05 (entry fee) − 5 (loss) − 95 × 0.0005 (exit fee 0.0475) = 9 994.9025
  assert.ok(near(h.venue.account().walletUsdt, 9_994.9025));
});

test("take-profit fills first with 'best', and with 'ohlc-path' on a bearish candle (O→H→L→C)", () => {
  for (const policy of ['best', 'ohlc-path'] as const) {
    const h = bothInOneCandle(policy);
    const exit = h.fills()[1];
    assert.equal([exit.clientOrderId, exit.price, exit.exitReason], ['tp-1', 105, 'TAKE_PROFIT'], policy);
    assert.equal(h.statusesOf('sl-1'), ['NEW', 'CANCELED'], policy);
  }
});

test('a candle that gaps through the stop fills at the open', () => {
  const h = harness();
  h.venue.createOrder(order());
  h.venue.createOrder(stopLoss(95));
  h.venue.onMarket(bar(0, { open: 100, high: 101, low: 99, close: 100 }));
  h.venue.onMarket(bar(1, { open: 90, high: 92, low: 89, close: 91 }));
  // max adverse of (stop 95, open 90) for a sell stop = 90
  assert.is(h.fills()[1].price, 90);
});

test('a take-profit gapped over fills at the better open; a stop touched exactly triggers', () => {
  const h = harness();
  h.venue.createOrder(order());
  h.venue.createOrder(takeProfit(105));
  h.venue.onMarket(bar(0, { open: 100, high: 101, low: 99, close: 100 }));
  h.venue.onMarket(bar(1, { open: 107, high: 108, low: 106, close: 107 }));
  assert.is(h.fills()[1].price, 107);
  const s = harness();
  s.venue.createOrder(order());
  s.venue.createOrder(stopLoss(95));
  s.venue.onMarket(bar(0, { open: 100, high: 101, low: 99, close: 100 }));
  s.venue.onMarket(bar(1, { open: 97, high: 98, low: 95, close: 96 })); // low == stop
  assert.is(s.fills()[1].price, 95);
});

test('a limit order fills over candles capped by the volume share: partial then filled', () => {
  const h = harness({ limitFillVolumeShare: 0.1 });
  h.venue.createOrder(order({ type: 'LIMIT', price: 99, qty: 1 }));
  // volume 4 ⇒ at most 0.1 × 4 = 0.4 per candle; each low 98 < 99 trades through the limit
  for (let i = 0; i < 3; i++)
    h.venue.onMarket(bar(i, { open: 100, high: 100, low: 98, close: 99.5, volume: 4 }));
  assert.equal(
    h.fills().map((f) => f.qty),
    [0.4, 0.4, 0.2],
  );
  assert.equal(h.statusesOf('en-1'), ['NEW', 'PARTIALLY_FILLED', 'PARTIALLY_FILLED', 'FILLED']);
  const last = h.results().at(-1);
  assert.ok(last !== undefined && near(last.filledQty, 1) && last.avgPrice === 99);
  // maker fees: 1 × 99 × 0.0002 = 0.0198 in total
  assert.ok(near(last?.feeUsdt ?? 0, 0.0198));
});

test('a limit touched but not traded through does not fill', () => {
  const h = harness();
  h.venue.createOrder(order({ type: 'LIMIT', price: 99 }));
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 99, close: 99.5 }));
  assert.is(h.fills().length, 0);
});

test('a marketable limit fills at the open as taker; a post-only one expires (GTX)', () => {
  const h = harness();
  h.venue.createOrder(order({ type: 'LIMIT', price: 101 }));
  h.venue.createOrder(order({ clientOrderId: 'po-1', type: 'LIMIT', price: 101, postOnly: true }));
  h.venue.onMarket(bar(0, { open: 100, high: 100.5, low: 99.5, close: 100 }));
  const [taken] = h.fills();
  assert.equal([taken.price, taken.liquidity, taken.feeUsdt], [100, 'TAKER', 0.05]);
  assert.equal(h.statusesOf('po-1'), ['NEW', 'EXPIRED']);
});

test('the path reaches liquidation before a stop that lies beyond it', () => {
  const h = harness();
  h.venue.createOrder(order({ leverage: 10 }));
  h.venue.createOrder(stopLoss(89));
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 99, close: 100 }));
  // margin = 100 / 10 = 10; liq = (100 − 10) / (1 − 0.004) = 90.3614…
  const [position] = h.venue.fetchPositions();
  assert.ok(near(position.liquidationPrice, 90 / 0.996));
  h.venue.onMarket(bar(1, { open: 95, high: 95, low: 88, close: 89 }));
  const liquidation = h.events.find((e): e is PositionLiquidated => e.kind === 'position-liquidated');
  assert.ok(liquidation !== undefined);
  assert.ok(near(liquidation.price, 90 / 0.996));
  assert.ok(near(liquidation.lossUsdt, 10), 'the isolated margin is lost');
  const exit = h.fills()[1];
  assert.equal([exit.purpose, exit.exitReason, exit.reduceOnly], ['EXIT', 'LIQUIDATION', true]);
  // realized (90.3614… − 100) × 1 = −9.6386…; clearance fee = 10 − 9.6386… = 0.004 × 90.3614… = 0.36145
  assert.ok(near(exit.feeUsdt, 0.004 * (90 / 0.996)));
  assert.equal(h.statusesOf('sl-1'), ['NEW', 'CANCELED']);
  // wallet = 10 000 − 0.05 (entry fee) − 10 (margin) = 9 989.95
  assert.ok(near(h.venue.account().walletUsdt, 9_989.95));
});

test('a short at 10× is liquidated at (entry + margin/qty) / (1 + mmr)', () => {
  const h = harness();
  h.venue.createOrder(order({ side: 'SELL', positionSide: 'SHORT', leverage: 10 }));
  h.venue.onMarket(bar(0, { open: 100, high: 101, low: 99, close: 100 }));
  // (100 + 10) / 1.004 = 109.5617…
  assert.ok(near(h.venue.fetchPositions()[0].liquidationPrice, 110 / 1.004));
  h.venue.onMarket(bar(1, { open: 105, high: 109.5, low: 104, close: 109 }));
  assert.is(h.venue.fetchPositions().length, 1, 'high 109.5 < 109.56: still alive');
  h.venue.onMarket(bar(2, { open: 109, high: 112, low: 108, close: 111 }));
  assert.is(h.venue.fetchPositions().length, 0);
  assert.ok(near(h.fills()[1].price, 110 / 1.004));
});

test('fetchPositions marks to the last close', () => {
  const h = harness();
  h.venue.createOrder(order({ qty: 2, leverage: 5 }));
  h.venue.onMarket(bar(0, { open: 100, high: 104, low: 99, close: 103 }));
  const [p] = h.venue.fetchPositions();
  // unrealized = (103 − 100) × 2 = 6; margin = 200 / 5 = 40
  assert.equal(
    [p.side, p.qty, p.entryPrice, p.markPrice, p.unrealizedPnlUsdt, p.marginUsdt, p.leverage, p.intentId],
    ['LONG', 2, 100, 103, 6, 40, 5, 'intent-1'],
  );
  const account = h.venue.account();
  // wallet 10 000 − 0.1 fee; equity = wallet + 6
  assert.ok(near(account.equityUsdt, 10_005.9));
  assert.ok(near(account.availableUsdt, 10_000 - 0.1 - 40));
});

test.run();
