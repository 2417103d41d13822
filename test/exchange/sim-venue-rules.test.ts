// SimExchange on Binance's rules: the bundled snapshot's ticks, steps, min notional and leverage
// brackets, per-symbol overrides on top, and the one-rate override.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { z } from 'zod';
import type { ExecutionResult, Fill, PositionLiquidated, VenueEvent } from '../../src/domain/index.js';
import { bracketsOf, createPrng } from '../../src/domain/index.js';
import { liquidationPrice, maintenanceMarginUsdt } from '../../src/domain/position-math.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import type { simExchangeParams } from '../../src/exchange/sim-exchange-params.js';
import { bar, MINUTE_MS, near, order, T0 } from './sim-harness.js';

const INVALID = 'QT_EXCHANGE_INVALID_ORDER';

/** A venue on the bundled rules (no filter overrides), primed with one BTCUSDT candle at `price`. */
const venueAt = (price: number, params: z.input<typeof simExchangeParams> = {}) => {
  const venue = new SimExchange({ defaultFundingRate: null, ...params }, createPrng(1));
  const events: VenueEvent[] = [];
  venue.events$.subscribe((event) => events.push(event));
  venue.onMarket(bar(-1, { open: price, high: price, low: price, close: price }));
  return {
    venue,
    events,
    fills: () => events.filter((e): e is Fill => e.kind === 'fill'),
    results: () => events.filter((e): e is ExecutionResult => e.kind === 'execution-result'),
  };
};

test('a BTCUSDT fill lands on its real 0.1 tick, not on the default 0.0001', () => {
  const { venue, fills } = venueAt(43_210.3);
  venue.createOrder(order({ qty: 0.01 }));
  venue.onMarket(bar(0, { open: 43_210.3, high: 43_220, low: 43_200, close: 43_215 }));
  // 43 210.3 × (1 + 2 bps) = 43 218.9421 → 43 218.9 on BTCUSDT's tick
  assert.is(fills()[0].price, 43_218.9);
  // a symbol the snapshot does not list keeps the default tick
  const other = venueAt(43_210.3);
  other.venue.onMarket(
    bar(-1, { symbol: 'AAAUSDT', open: 43_210.3, high: 43_210.3, low: 43_210.3, close: 43_210.3 }),
  );
  other.venue.createOrder(order({ symbol: 'AAAUSDT', qty: 0.01 }));
  other.venue.onMarket(
    bar(0, { symbol: 'AAAUSDT', open: 43_210.3, high: 43_220, low: 43_200, close: 43_215 }),
  );
  assert.is(other.fills()[0].price, 43_218.9421);
});

test("BTCUSDT's real minimum notional (100 USDT) and step refuse what the defaults allowed", () => {
  const { venue, results } = venueAt(43_210.3);
  venue.createOrder(order({ clientOrderId: 'small', qty: 0.002 })); // 86.42 USDT
  venue.createOrder(order({ clientOrderId: 'step', qty: 0.0025 }));
  venue.createOrder(order({ clientOrderId: 'tick', type: 'LIMIT', price: 43_210.25, qty: 0.01 }));
  const [small, step, tick] = results();
  assert.equal([small.status, small.errorCode], ['REJECTED', INVALID]);
  assert.match(small.reason ?? '', /minNotional 100/);
  assert.match(step.reason ?? '', /stepSize 0\.001/);
  assert.match(tick.reason ?? '', /tickSize 0\.1/);
});

test('leverage above the first bracket, or a position beyond the bracket cap for its leverage, is refused', () => {
  const { venue, results, fills } = venueAt(43_000, { initialBalanceUsdt: 100_000, slippage: { bps: 0 } });
  venue.createOrder(order({ clientOrderId: 'lev-150', leverage: 150, qty: 0.01 }));
  assert.match(results()[0].reason ?? '', /leverage 150 above maxLeverage 125/);
  // 1.2 × 43 000 = 51 600 > 50 000, the cap of the 125× bracket
  venue.createOrder(order({ clientOrderId: 'cap-125', leverage: 125, qty: 1.2 }));
  assert.equal([results()[1].status, results()[1].errorCode], ['REJECTED', 'QT_EXCHANGE_POSITION_LIMIT']);
  assert.match(results()[1].reason ?? '', /exceed 50000 USDT, the maximum at leverage 125 .*-2027/);
  // at 100× the cap is 600 000
  venue.createOrder(order({ clientOrderId: 'cap-100', leverage: 100, qty: 1.2 }));
  assert.is(results()[2].status, 'NEW');
  venue.onMarket(bar(0, { open: 43_000, high: 43_000, low: 43_000, close: 43_000 }));
  assert.is(fills().length, 1);
  // adding to the position counts the whole position: 14 × 43 000 = 602 000 > 600 000
  venue.createOrder(order({ clientOrderId: 'add', leverage: 100, qty: 12.8, ts: T0 + MINUTE_MS }));
  assert.match(results().at(-1)?.reason ?? '', /position notional 602000\.00 USDT would exceed 600000/);
  assert.is(results().at(-1)?.errorCode, 'QT_EXCHANGE_POSITION_LIMIT');
  // a reduce-only exit is never capped
  venue.createOrder(
    order({
      clientOrderId: 'exit',
      side: 'SELL',
      qty: 1.2,
      reduceOnly: true,
      purpose: 'EXIT',
      ts: T0 + MINUTE_MS,
    }),
  );
  assert.is(results().at(-1)?.status, 'NEW');
});

test("a tier-2 position liquidates at its bracket's price and pays that bracket's maintenance margin", () => {
  const { venue, events, fills } = venueAt(43_000, { slippage: { bps: 0 }, takerFeeRate: 0 });
  // 2 BTC at 43 000 = 86 000 notional (tier 2: 0.5 %, amount 50) at 20×: margin 4 300
  venue.createOrder(order({ qty: 2, leverage: 20 }));
  venue.onMarket(bar(0, { open: 43_000, high: 43_000, low: 43_000, close: 43_000 }));
  const brackets = bracketsOf(venue.filtersOf('BTCUSDT'));
  const [position] = venue.fetchPositions();
  // (43 000 − (4 300 + 50) / 2) / (1 − 0.005) = 41 030.150…, notional 82 060 (still tier 2)
  assert.ok(near(position.liquidationPrice, (43_000 - 4_350 / 2) / 0.995), String(position.liquidationPrice));
  assert.is(position.liquidationPrice, liquidationPrice(position, brackets));
  assert.ok(Math.abs(position.liquidationPrice - liquidationPrice(position, 0.004)) > 10);
  const walletBefore = venue.account().walletUsdt;
  venue.onMarket(bar(1, { open: 42_000, high: 42_000, low: 40_000, close: 40_500 }));
  const liquidated = events.find((e): e is PositionLiquidated => e.kind === 'position-liquidated');
  assert.ok(liquidated !== undefined);
  const fill = fills().at(-1);
  assert.is(fill?.exitReason, 'LIQUIDATION');
  // the clearance fee is the maintenance margin at the liquidation price, in its bracket
  assert.ok(near(fill?.feeUsdt ?? 0, maintenanceMarginUsdt(2 * liquidated.price, brackets), 1e-6));
  // and the wallet loses exactly the isolated margin
  assert.ok(near(venue.account().walletUsdt, walletBefore - 4_300, 1e-6));
});

test('the one-rate maintenanceMarginRate override still sets every liquidation price', () => {
  const { venue } = venueAt(43_000, { slippage: { bps: 0 }, maintenanceMarginRate: 0.01 });
  venue.createOrder(order({ qty: 2, leverage: 20 }));
  venue.onMarket(bar(0, { open: 43_000, high: 43_000, low: 43_000, close: 43_000 }));
  const [position] = venue.fetchPositions();
  // (43 000 − 4 300 / 2) / (1 − 0.01)
  assert.ok(near(position.liquidationPrice, 40_850 / 0.99));
  const filters = venue.filtersOf('BTCUSDT');
  assert.equal([filters.maintenanceMarginRate, filters.brackets, filters.tickSize], [0.01, undefined, 0.1]);
});

test("per-symbol filter overrides win over the snapshot's, key by key", () => {
  const venue = new SimExchange({ filters: { BTCUSDT: { tickSize: 0.5, marketMaxQty: 1 } } }, createPrng(1));
  const btc = venue.filtersOf('BTCUSDT');
  assert.equal(
    [btc.tickSize, btc.marketMaxQty, btc.stepSize, btc.minNotionalUsdt, btc.brackets?.length],
    [0.5, 1, 0.001, 100, 12],
  );
  // MARKET orders obey MARKET_LOT_SIZE's maximum, LIMIT orders LOT_SIZE's
  const events: VenueEvent[] = [];
  venue.events$.subscribe((event) => events.push(event));
  venue.onMarket(bar(-1, { open: 43_000, high: 43_000, low: 43_000, close: 43_000 }));
  venue.createOrder(order({ clientOrderId: 'market', qty: 1.5 }));
  venue.createOrder(order({ clientOrderId: 'limit', type: 'LIMIT', price: 42_000, qty: 1.5, leverage: 10 }));
  const [market, limit] = events.filter((e): e is ExecutionResult => e.kind === 'execution-result');
  assert.match(market.reason ?? '', /maxQty 1\]/);
  assert.is(limit.status, 'NEW');
});

test('venueRulesDir reads a refreshed snapshot instead of the bundled one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-venue-rules-'));
  writeFileSync(
    join(dir, 'exchange-info.json'),
    JSON.stringify({
      symbols: [{ symbol: 'BTCUSDT', filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.50' }] }],
    }),
  );
  writeFileSync(join(dir, 'leverage-brackets.json'), JSON.stringify([]));
  const venue = new SimExchange({ venueRulesDir: dir }, createPrng(1));
  assert.equal([venue.filtersOf('BTCUSDT').tickSize, venue.filtersOf('BTCUSDT').brackets], [0.5, undefined]);
});

test.run();
