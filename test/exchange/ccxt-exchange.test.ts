import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExecutionResult, Fill, OrderRequest, VenueEvent } from '../../src/domain/index.js';
import { clientOrderIdFor } from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { KEY, LINK, SECRET, startLinkFake, until } from '../fake-binance/harness.js';

// CcxtExchange against the fake Binance server on 127.0.0.1 with real LINKUSDT 1h candles: every
// order, fill and status report goes through ccxt's own code paths, and the venue's ledger is the
// reference the engine's view must match to the cent.

const startVenue = (): Promise<FakeBinance> => startLinkFake();

const connectExchange = (
  fake: FakeBinance,
): { exchange: CcxtExchange; events: VenueEvent[]; warnings: string[] } => {
  const client = createBinanceClient({ apiKey: KEY, secret: SECRET, baseUrl: fake.restUrl });
  const warnings: string[] = [];
  const exchange = new CcxtExchange({
    client,
    symbols: [LINK],
    onWarning: (w) => warnings.push(w),
    reconnectDelayMs: 50,
  });
  const events: VenueEvent[] = [];
  exchange.events$.subscribe((event) => events.push(event));
  return { exchange, events, warnings };
};

const order = (
  over: Partial<OrderRequest> & Pick<OrderRequest, 'purpose' | 'side' | 'type' | 'qty'>,
): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(over.intentId ?? 'intent-1', over.purpose),
  intentId: 'intent-1',
  symbol: LINK,
  ts: 0,
  reduceOnly: false,
  positionSide: 'LONG',
  leverage: 5,
  ...over,
});

const results = (events: VenueEvent[], clientOrderId: string): ExecutionResult[] =>
  events.filter(
    (e): e is ExecutionResult => e.kind === 'execution-result' && e.clientOrderId === clientOrderId,
  );
const fills = (events: VenueEvent[]): Fill[] => events.filter((e): e is Fill => e.kind === 'fill');

test('connect reports the account, loads the filters, and a flat account reconciles to nothing', async () => {
  const fake = await startVenue();
  const { exchange } = connectExchange(fake);
  try {
    const reports = await exchange.connect(1);
    assert.equal(reports[0], {
      kind: 'account-status-report',
      ts: 1,
      walletUsdt: 10_000,
      reconciliation: true,
    });
    assert.equal(reports.at(-1), { kind: 'reconciliation-completed', ts: 1, positions: 0, orders: 0 });
    const filters = exchange.filtersOf(LINK);
    assert.is(filters.tickSize, 0.001);
    assert.is(filters.stepSize, 0.01);
    assert.is(filters.minNotionalUsdt, 5);
  } finally {
    exchange.close(0);
    await fake.close();
  }
});

test('a market entry is accepted, filled inside the candle ± slippage with the documented fee, and its stop fills when the path reaches it', async () => {
  const fake = await startVenue();
  const { exchange, events } = connectExchange(fake);
  try {
    await exchange.connect(0);
    const entry = order({ purpose: 'ENTRY', side: 'BUY', type: 'MARKET', qty: 20 });
    exchange.createOrder(entry);
    await until('entry filled', () =>
      results(events, entry.clientOrderId).some((r) => r.status === 'FILLED'),
    );
    const statuses = results(events, entry.clientOrderId).map((r) => r.status);
    assert.equal(statuses, ['NEW', 'FILLED']);
    const [fill] = fills(events);
    const last = fake.venue.klines(LINK).at(-1)!;
    assert.ok(
      fill.price >= last.close && fill.price <= last.close * 1.0002 + 0.001,
      `fill ${fill.price} vs close ${last.close}`,
    );
    assert.is(Math.round(fill.feeUsdt * 1e8), Math.round(fill.qty * fill.price * 0.0005 * 1e8));
    assert.is(fill.venueTradeId, String(fake.venue.trades[0].id));
    // A stop 3% below and a take-profit far above, both held at the venue (Algo Order API).
    const stopPrice = Math.round(fill.price * 0.97 * 1000) / 1000;
    const stop = order({
      purpose: 'STOP_LOSS',
      side: 'SELL',
      type: 'STOP_MARKET',
      qty: 20,
      reduceOnly: true,
      stopPrice,
    });
    const target = order({
      purpose: 'TAKE_PROFIT',
      side: 'SELL',
      type: 'TAKE_PROFIT_MARKET',
      qty: 20,
      reduceOnly: true,
      stopPrice: 99,
    });
    exchange.createOrder(stop);
    exchange.createOrder(target);
    await until('bracket accepted', () => results(events, target.clientOrderId).length > 0);
    assert.is(fake.venue.openAlgoOrders(LINK).length, 2);
    // Walk the path until the stop fires.
    while (!results(events, stop.clientOrderId).some((r) => r.status === 'FILLED')) {
      assert.ok(fake.step(1) === 1, 'the path ended before the stop fired');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exit = fills(events).find((f) => f.clientOrderId === stop.clientOrderId)!;
    assert.is(exit.exitReason, 'STOP_LOSS');
    assert.ok(
      exit.price <= stopPrice,
      `a sell stop fills at or below its trigger (${exit.price} vs ${stopPrice})`,
    );
    assert.ok(results(events, stop.clientOrderId).some((r) => r.status === 'TRIGGERED'));
    // The engine's view of fees matches the venue's ledger to the cent.
    const fees = fills(events).reduce((sum, f) => sum + f.feeUsdt, 0);
    const ledgerFees = -fake.venue.income
      .filter((r) => r.incomeType === 'COMMISSION')
      .reduce((sum, r) => sum + r.income, 0);
    assert.is(fees.toFixed(2), ledgerFees.toFixed(2));
    assert.equal(exchange.fetchPositions(), []);
  } finally {
    exchange.close(0);
    await fake.close();
  }
});

test('a refused order is reported REJECTED with a stable error code and Binance’s reason', async () => {
  const fake = await startVenue();
  const { exchange, events } = connectExchange(fake);
  try {
    await exchange.connect(0);
    const exit = order({ purpose: 'EXIT', side: 'SELL', type: 'MARKET', qty: 5, reduceOnly: true });
    exchange.createOrder(exit);
    await until('rejection', () => results(events, exit.clientOrderId).length > 0);
    const [rejected] = results(events, exit.clientOrderId);
    assert.is(rejected.status, 'REJECTED');
    assert.is(rejected.errorCode, 'QT_EXCHANGE_REDUCE_ONLY_REJECTED');
    assert.match(rejected.reason ?? '', /-2022 ReduceOnly Order is rejected/);
    const huge = order({
      intentId: 'intent-2',
      purpose: 'ENTRY',
      side: 'BUY',
      type: 'MARKET',
      qty: 100_000,
      leverage: 1,
    });
    exchange.createOrder(huge);
    await until('margin rejection', () => results(events, huge.clientOrderId).length > 0);
    assert.is(results(events, huge.clientOrderId)[0].errorCode, 'QT_EXCHANGE_INSUFFICIENT_MARGIN');
  } finally {
    exchange.close(0);
    await fake.close();
  }
});

test('a fill the user stream sends twice and REST reports again is applied once', async () => {
  const fake = await startVenue();
  fake.faults.duplicateUserEvents = true;
  const { exchange, events } = connectExchange(fake);
  try {
    await exchange.connect(0);
    const entry = order({ purpose: 'ENTRY', side: 'BUY', type: 'MARKET', qty: 10 });
    exchange.createOrder(entry);
    await until('entry filled', () =>
      results(events, entry.clientOrderId).some((r) => r.status === 'FILLED'),
    );
    await exchange.drain();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.is(fills(events).length, 1);
    assert.is(fake.venue.trades.length, 1);
    assert.equal(
      exchange.fetchPositions().map((p) => [p.side, p.qty]),
      [['LONG', 10]],
    );
  } finally {
    exchange.close(0);
    await fake.close();
  }
});

test('killed after sending but before the ack: the restarted venue adopts the order and position, and nothing is sent twice', async () => {
  const fake = await startVenue();
  fake.faults.ackDelayMs = 1_000;
  const first = connectExchange(fake);
  try {
    await first.exchange.connect(0);
    const entry = order({ purpose: 'ENTRY', side: 'BUY', type: 'MARKET', qty: 10 });
    first.exchange.createOrder(entry);
    await until('order at the venue', () => fake.venue.trades.length === 1);
    const stop = order({
      purpose: 'STOP_LOSS',
      side: 'SELL',
      type: 'STOP_MARKET',
      qty: 10,
      reduceOnly: true,
      stopPrice: 1,
    });
    // The process dies here: the entry's answer never reached it, the stop was never sent.
    first.exchange.close(0);
    fake.faults.ackDelayMs = 0;
    const second = connectExchange(fake);
    try {
      const reports = await second.exchange.connect(5);
      const position = reports.find((r) => r.kind === 'position-status-report');
      assert.ok(position !== undefined && position.kind === 'position-status-report');
      assert.is(position.qty, 10);
      assert.is(position.side, 'LONG');
      // The engine re-sends the entry with the same client order id: the venue still has one trade.
      second.exchange.createOrder(entry);
      second.exchange.createOrder(stop);
      await until('stop accepted', () => results(second.events, stop.clientOrderId).length > 0);
      await second.exchange.drain();
      assert.is(
        fake.requests.get('POST /fapi/v1/order'),
        1 + (results(second.events, entry.clientOrderId).length > 0 ? 1 : 0),
      );
    } finally {
      second.exchange.close(0);
    }
  } finally {
    await fake.close();
  }
});

test('restart with a resting stop at the venue: the stop is reported with its trigger price (reconciliation)', async () => {
  const fake = await startVenue();
  const first = connectExchange(fake);
  try {
    await first.exchange.connect(0);
    const entry = order({ purpose: 'ENTRY', side: 'BUY', type: 'MARKET', qty: 10 });
    const stop = order({
      purpose: 'STOP_LOSS',
      side: 'SELL',
      type: 'STOP_MARKET',
      qty: 10,
      reduceOnly: true,
      stopPrice: 1.5,
    });
    first.exchange.createOrder(entry);
    first.exchange.createOrder(stop);
    await until('stop accepted', () => results(first.events, stop.clientOrderId).length > 0);
    first.exchange.close(0);
    const second = connectExchange(fake);
    try {
      const reports = await second.exchange.connect(7);
      const resting = reports.filter((r): r is ExecutionResult => r.kind === 'execution-result');
      assert.is(resting.length, 1);
      assert.is(resting[0].clientOrderId, stop.clientOrderId);
      assert.is(resting[0].stopPrice, 1.5);
      assert.is(resting[0].status, 'NEW');
      assert.is(resting[0].reconciliation, true);
      assert.equal(reports.at(-1), { kind: 'reconciliation-completed', ts: 7, positions: 1, orders: 1 });
    } finally {
      second.exchange.close(0);
    }
  } finally {
    await fake.close();
  }
});

test('an expired listenKey is re-created: a stop that fires afterwards is still reported', async () => {
  const fake = await startVenue();
  const { exchange, events, warnings } = connectExchange(fake);
  try {
    await exchange.connect(0);
    const entry = order({ purpose: 'ENTRY', side: 'BUY', type: 'MARKET', qty: 20 });
    exchange.createOrder(entry);
    await until('entry filled', () =>
      results(events, entry.clientOrderId).some((r) => r.status === 'FILLED'),
    );
    await until('user stream open', () => fake.connectionCount() > 0);
    fake.expireListenKey();
    await until('stream error seen', () => warnings.some((w) => /user-data stream/.test(w)));
    await until('listenKey re-created', () => (fake.requests.get('POST /fapi/v1/listenKey') ?? 0) >= 2);
    await until('user stream back', () => fake.connectionCount() > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fill = fills(events)[0];
    const stopPrice = Math.round(fill.price * 0.98 * 1000) / 1000;
    const stop = order({
      purpose: 'STOP_LOSS',
      side: 'SELL',
      type: 'STOP_MARKET',
      qty: 20,
      reduceOnly: true,
      stopPrice,
    });
    exchange.createOrder(stop);
    await until('stop accepted', () => results(events, stop.clientOrderId).length > 0);
    while (!results(events, stop.clientOrderId).some((r) => r.status === 'FILLED')) {
      assert.ok(fake.step(1) === 1, 'the path ended before the stop fired');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(results(events, stop.clientOrderId).some((r) => r.status === 'TRIGGERED'));
  } finally {
    exchange.close(0);
    await fake.close();
  }
});

test('a machine clock 7 s behind the server: reported at connect and corrected, signed requests go through (no -1021)', async () => {
  const fake = await startVenue();
  fake.faults.clockSkewMs = 7_000;
  const { exchange, events, warnings } = connectExchange(fake);
  try {
    await exchange.connect(0);
    assert.ok(
      warnings.some((w) => /clock: this machine is -?\d+ ms behind Binance/.test(w)),
      warnings.join('\n'),
    );
    const entry = order({ purpose: 'ENTRY', side: 'BUY', type: 'MARKET', qty: 10 });
    exchange.createOrder(entry);
    await until('entry filled', () =>
      results(events, entry.clientOrderId).some((r) => r.status === 'FILLED'),
    );
  } finally {
    exchange.close(0);
    await fake.close();
  }
});

test.run();
