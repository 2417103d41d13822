// The venue as a stage: what it hears from the kernel and what it publishes back.
import { Subject } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { VenueEvent } from '../../src/domain/index.js';
import { type BusEvent, createPrng, type OrderRequest, unfilledReportOf } from '../../src/domain/index.js';
import type { Exchange } from '../../src/exchange/exchange.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { orderSubmittedOf, venueStage } from '../../src/pipeline/venue-stage.js';
import { kline } from '../builders.js';

const entry: OrderRequest = {
  kind: 'order-request',
  clientOrderId: 'en-1',
  intentId: 'BTCUSDT-60000-LONG',
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'BUY',
  type: 'MARKET',
  qty: 1,
  reduceOnly: false,
  leverage: 2,
  purpose: 'ENTRY',
  positionSide: 'LONG',
};

/** A kernel with only the venue stage; everything published, as `kind@topic`. */
const withVenue = (exchange: Exchange, onExternal?: (event: VenueEvent) => void) => {
  const published: string[] = [];
  const kernel = new Kernel({
    onEvent: (envelope) => published.push(`${envelope.event.kind}@${envelope.topic}`),
  }).register(venueStage(exchange, onExternal));
  return { kernel, published };
};

test('a SubmitOrder becomes OrderSubmitted first, then the venue’s answer, both on execution.result', () => {
  const sim = new SimExchange({ slippage: { bps: 0 } }, createPrng(1));
  const { kernel, published } = withVenue(sim);
  kernel.process(kline({ ts: 60_000, close: 100 }), TOPICS.klines);
  kernel.process(entry, TOPICS.executionCommands);
  assert.equal(published, [
    'kline@market.klines',
    'order-request@execution.command',
    'order-submitted@execution.result',
    'execution-result@execution.result',
  ]);
});

test('OrderSubmitted carries what risk needs: purpose, side, qty, leverage, and the trigger price of a stop', () => {
  assert.equal(orderSubmittedOf(entry), {
    kind: 'order-submitted',
    clientOrderId: 'en-1',
    intentId: 'BTCUSDT-60000-LONG',
    symbol: 'BTCUSDT',
    ts: 60_000,
    side: 'BUY',
    type: 'MARKET',
    purpose: 'ENTRY',
    positionSide: 'LONG',
    qty: 1,
    reduceOnly: false,
    leverage: 2,
  });
  const stop = orderSubmittedOf({
    ...entry,
    type: 'STOP_MARKET',
    stopPrice: 95,
    leverage: undefined,
    side: 'SELL',
  });
  assert.is(stop.price, 95);
  assert.is('leverage' in stop, false);
});

test('a report arriving between events (a live venue’s websocket) goes to onExternal, not into the cascade', () => {
  const reports = new Subject<VenueEvent>();
  const venue: Exchange = {
    name: 'live-like',
    events$: reports,
    connect: async () => [],
    onMarket: () => undefined,
    createOrder: () => undefined,
    cancelOrder: () => undefined,
    fetchPositions: () => [],
    filtersOf: (symbol) => new SimExchange({}, createPrng(1)).filtersOf(symbol),
    close: () => undefined,
  };
  const external: BusEvent[] = [];
  const { kernel, published } = withVenue(venue, (event) => external.push(event));
  kernel.process(entry, TOPICS.executionCommands);
  // Later, outside any handler: the venue accepts.
  reports.next(unfilledReportOf(entry, 'NEW', { ts: 60_250 }));
  assert.equal(published, ['order-request@execution.command', 'order-submitted@execution.result']);
  assert.equal(
    external.map((e) => e.kind),
    ['execution-result'],
  );
});

test('EndOfData closes the simulated venue (END_OF_DATA fills); market events reach onMarket', () => {
  const sim = new SimExchange(
    { slippage: { bps: 0 }, latencyMs: 0, defaultFundingRate: null },
    createPrng(1),
  );
  const { kernel, published } = withVenue(sim);
  kernel.process(kline({ ts: 60_000, close: 100 }), TOPICS.klines);
  kernel.process(entry, TOPICS.executionCommands);
  kernel.process(kline({ ts: 120_000, open: 101, close: 102 }), TOPICS.klines);
  assert.is(sim.fetchPositions().length, 1);
  kernel.end(120_000);
  assert.is(sim.fetchPositions().length, 0);
  assert.ok(published.includes('end-of-data@control'));
  assert.ok(published.filter((p) => p === 'fill@execution.result').length === 2, published.join('\n'));
});

test.run();
