// At-least-once delivery: a venue report seen twice — the websocket's and then REST's copy of the
// same execution, or a Redis message redelivered after a crash — changes the account once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BusEvent, createPrng, type Fill, type PortfolioSnapshot } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { tradingKernel } from '../../src/pipeline/graph.js';
import { kline } from '../builders.js';

const config = parsePipelineConfig({ output: { progress: false } });

const entry: Fill = {
  kind: 'fill',
  clientOrderId: 'qt-live-en',
  intentId: 'BTCUSDT-60000-LONG',
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'BUY',
  positionSide: 'LONG',
  purpose: 'ENTRY',
  qty: 2,
  price: 100,
  feeUsdt: 0.1,
  liquidity: 'TAKER',
  slippageUsdt: 0,
  reduceOnly: false,
  leverage: 2,
  venueOrderId: '8389765',
  venueTradeId: '4711',
};

const account = () => {
  const events: BusEvent[] = [];
  const kernel = tradingKernel(
    config,
    { exchange: new SimExchange(simExchangeParamsOf(config), createPrng(1)), models: [] },
    { onEvent: (envelope) => events.push(envelope.event) },
  );
  const lastSnapshot = () =>
    events.filter((e): e is PortfolioSnapshot => e.kind === 'portfolio-snapshot').at(-1);
  return { kernel, events, lastSnapshot };
};

test('an injected fill delivered twice (same venue trade id) is handled once and counted as a duplicate', async () => {
  const { kernel, events, lastSnapshot } = account();
  await kernel.inject(entry, TOPICS.executionResult);
  await kernel.inject({ ...entry, ts: 60_050 }, TOPICS.executionResult);
  await kernel.process(kline({ ts: 120_000, close: 101 }), TOPICS.klines);
  assert.is(events.filter((e) => e.kind === 'fill').length, 1);
  assert.is(kernel.duplicates, 1);
  assert.equal(
    lastSnapshot()?.positions.map((p) => [p.symbol, p.qty, p.entryPrice]),
    [['BTCUSDT', 2, 100]],
  );
  assert.is(lastSnapshot()?.feesUsdt, 0.1);
});

test('the account applies a venue trade once even when both copies reach it', async () => {
  const { kernel, events, lastSnapshot } = account();
  // Two paths that the kernel cannot tell apart by id (trusted process calls): the account can.
  await kernel.process(entry, TOPICS.executionResult);
  await kernel.process({ ...entry, clientOrderId: 'qt-live-en', ts: 60_050 }, TOPICS.executionResult);
  await kernel.process(kline({ ts: 120_000, close: 101 }), TOPICS.klines);
  assert.is(events.filter((e) => e.kind === 'fill').length, 2);
  assert.equal(
    lastSnapshot()?.positions.map((p) => [p.symbol, p.qty]),
    [['BTCUSDT', 2]],
  );
  assert.is(lastSnapshot()?.walletUsdt, 10_000 - 0.1);
});

test('fills of different trades of one order all count', async () => {
  const { kernel, lastSnapshot } = account();
  await kernel.inject({ ...entry, qty: 1 }, TOPICS.executionResult);
  await kernel.inject({ ...entry, qty: 1, venueTradeId: '4712', price: 102 }, TOPICS.executionResult);
  await kernel.process(kline({ ts: 120_000, close: 101 }), TOPICS.klines);
  assert.equal(
    lastSnapshot()?.positions.map((p) => [p.qty, p.entryPrice]),
    [[2, 101]],
  );
  assert.is(kernel.duplicates, 0);
});

test.run();
