// Reconciliation (DESIGN.md §1a): nothing assumes a flat start. The venue reports what it holds on
// connect — wallet, positions, resting orders — and the account view and the position monitor
// adopt it: the first snapshot is right, a position found without a stop gets one, and adopted
// positions close through their own stops afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BusEvent,
  createPrng,
  type ExecutionResult,
  type OrderRequest,
  type PortfolioSnapshot,
} from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { replayMarket } from '../../src/kernel/replay.js';
import { ADOPTED_STOP_REVISION } from '../../src/operators/position-monitor.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { connectVenue, tradingKernel } from '../../src/pipeline/graph.js';
import { kline } from '../builders.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 1, 1, 12, 0);
const config = parsePipelineConfig({
  data: { source: 'synthetic', synthetic: { count: 10 } },
  exchange: { slippage: { bps: 0 }, defaultFundingRate: null, latencyMs: 0 },
  monitor: { breakEvenAtR: 0, trailingActivationR: 0, maxHoldMs: 0, adoptedStopPct: 2 },
  output: { progress: false },
});

const btcStop: OrderRequest = {
  kind: 'order-request',
  clientOrderId: 'prev-btc-sl',
  intentId: 'prev-btc',
  symbol: 'BTCUSDT',
  ts: T0 - 30 * MINUTE,
  side: 'SELL',
  type: 'STOP_MARKET',
  qty: 0.5,
  stopPrice: 95,
  reduceOnly: true,
  purpose: 'STOP_LOSS',
  positionSide: 'LONG',
  exitReason: 'STOP_LOSS',
};
const solEntry: OrderRequest = {
  kind: 'order-request',
  clientOrderId: 'prev-sol-en',
  intentId: 'prev-sol',
  symbol: 'SOLUSDT',
  ts: T0 - 10 * MINUTE,
  side: 'BUY',
  type: 'LIMIT',
  qty: 1,
  price: 20,
  reduceOnly: false,
  leverage: 2,
  purpose: 'ENTRY',
  positionSide: 'LONG',
};

/** A venue a previous session left with a protected long, an unprotected short and a resting entry. */
const venueWithState = (): SimExchange => {
  const sim = new SimExchange(simExchangeParamsOf(config), createPrng(1));
  sim.restore({
    walletUsdt: 9_000,
    lastPrices: { BTCUSDT: 98, ETHUSDT: 49, SOLUSDT: 25 },
    positions: [
      {
        symbol: 'BTCUSDT',
        side: 'LONG',
        qty: 0.5,
        entryPrice: 100,
        leverage: 3,
        openedTs: T0 - 60 * MINUTE,
        intentId: 'prev-btc',
      },
      {
        symbol: 'ETHUSDT',
        side: 'SHORT',
        qty: 10,
        entryPrice: 50,
        leverage: 2,
        openedTs: T0 - 90 * MINUTE,
        intentId: 'prev-eth',
      },
    ],
    orders: [btcStop, solEntry],
  });
  return sim;
};

const run = async (klines = [] as ReturnType<typeof kline>[]) => {
  const sim = venueWithState();
  const events: BusEvent[] = [];
  const kernel = tradingKernel(
    config,
    { exchange: sim, models: buildModels(config, '.') },
    { onEvent: (envelope) => events.push(envelope.event), onStageError: 'throw' },
  );
  await connectVenue(kernel, T0);
  await replayMarket(kernel, klines, { endOfData: false });
  return { sim, events };
};

test('the venue reports its wallet, positions and resting orders on connect, then that it is done', async () => {
  const reports = await venueWithState().connect(T0);
  assert.equal(
    reports.map((r) => (r.kind === 'execution-result' ? `${r.kind} ${r.clientOrderId} ${r.status}` : r.kind)),
    [
      'account-status-report',
      'position-status-report',
      'position-status-report',
      'execution-result prev-btc-sl NEW',
      'execution-result prev-sol-en NEW',
      'reconciliation-completed',
    ],
  );
  const stop = reports[3] as ExecutionResult;
  assert.is(stop.reconciliation, true);
  assert.is(stop.stopPrice, 95);
  assert.is(stop.positionSide, 'LONG');
});

test('the first snapshot is the venue’s account: wallet, positions at their marks, the working entry', async () => {
  const { events } = await run();
  const first = events.find((e): e is PortfolioSnapshot => e.kind === 'portfolio-snapshot');
  assert.ok(first, 'a snapshot before any candle');
  assert.is(first.ts, T0);
  assert.is(first.walletUsdt, 9_000);
  assert.equal(
    first.positions.map((p) => [p.symbol, p.side, p.qty, p.entryPrice, p.markPrice, p.intentId]),
    [
      ['BTCUSDT', 'LONG', 0.5, 100, 98, 'prev-btc'],
      ['ETHUSDT', 'SHORT', 10, 50, 49, 'prev-eth'],
    ],
  );
  // 0.5 × (98 − 100) + 10 × (50 − 49)
  assert.is(first.unrealizedPnlUsdt, 9);
  assert.is(first.equityUsdt, 9_009);
  assert.ok(Math.abs(first.usedMarginUsdt - (50 / 3 + 250)) < 1e-9);
  assert.equal(
    first.workingEntries.map((w) => [w.clientOrderId, w.symbol, w.side, w.qty]),
    [['prev-sol-en', 'SOLUSDT', 'LONG', 1]],
  );
  assert.is(first.drawdownPct, 0);
});

test('a position found without a stop gets one beyond the worse of entry and price; a protected one is left alone', async () => {
  const { events } = await run();
  const orders = events.filter((e): e is OrderRequest => e.kind === 'order-request');
  assert.is(orders.length, 1, JSON.stringify(orders));
  const [stop] = orders;
  assert.equal(
    [stop.symbol, stop.side, stop.type, stop.qty, stop.stopPrice, stop.reduceOnly, stop.intentId],
    ['ETHUSDT', 'BUY', 'STOP_MARKET', 10, 51, true, 'prev-eth'],
  );
  assert.match(stop.clientOrderId, new RegExp(`-sl${ADOPTED_STOP_REVISION + 1}-`));
  const accepted = events.find(
    (e): e is ExecutionResult => e.kind === 'execution-result' && e.clientOrderId === stop.clientOrderId,
  );
  assert.is(accepted?.status, 'NEW');
});

test('adopted positions close through their own stops, and the account agrees with the venue', async () => {
  const { events, sim } = await run([
    kline({ symbol: 'BTCUSDT', ts: T0 + MINUTE, open: 98, high: 98.5, low: 97, close: 97.5 }),
    kline({ symbol: 'ETHUSDT', ts: T0 + MINUTE, open: 49, high: 52, low: 48.8, close: 51.5 }),
    kline({ symbol: 'BTCUSDT', ts: T0 + 2 * MINUTE, open: 97.5, high: 97.5, low: 94, close: 94.5 }),
    kline({ symbol: 'ETHUSDT', ts: T0 + 2 * MINUTE, open: 51.5, high: 51.6, low: 51, close: 51.2 }),
  ]);
  const trades = events.filter((e) => e.kind === 'trade-closed');
  assert.equal(
    trades.map((t) => [t.symbol, t.intentId, t.reason, t.exitPrice, t.ts]),
    [
      ['ETHUSDT', 'prev-eth', 'STOP_LOSS', 51, T0 + MINUTE],
      ['BTCUSDT', 'prev-btc', 'STOP_LOSS', 95, T0 + 2 * MINUTE],
    ],
  );
  const last = events.filter((e): e is PortfolioSnapshot => e.kind === 'portfolio-snapshot').at(-1);
  assert.ok(last);
  assert.equal(last.positions, []);
  assert.ok(
    Math.abs(last.walletUsdt - sim.account().walletUsdt) < 1e-9,
    `${last.walletUsdt} vs ${sim.account().walletUsdt}`,
  );
});

test.run();
