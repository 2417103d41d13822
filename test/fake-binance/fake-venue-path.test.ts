import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { FakeVenue, type VenueUpdate } from '../../src/fake-binance/fake-venue.js';
import { kline } from '../builders.js';
import {
  candle,
  codeOf,
  HOUR,
  ledgerSum,
  limit,
  market,
  SPEC,
  SYMBOL,
  T0,
  venueOn,
} from './fake-venue-helpers.js';

// The fake venue along its candle path, on tiny hand-made 1h paths: conditional orders (stop,
// take-profit, trailing, close-position) triggering as the path reaches them or gaps through them,
// and funding charged at the instants the path passes. Orders as they arrive are in
// `fake-venue.test.ts`.

test('a STOP_MARKET sell fires when the path falls through its trigger and fills as a MARKET order at the trigger less slippage', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100.2, 97, 99],
  ]);
  const updates: VenueUpdate[] = [];
  venue.onUpdate((update) => updates.push(update));
  market(venue, 'BUY', 1);
  assert.is(
    codeOf(() =>
      venue.placeAlgoOrder({
        symbol: SYMBOL,
        side: 'SELL',
        type: 'STOP_MARKET',
        quantity: 1,
        triggerPrice: 100.5,
        reduceOnly: true,
        closePosition: false,
      }),
    ),
    -2021,
    'a sell stop above the market would fire at once',
  );
  const stop = venue.placeAlgoOrder({
    symbol: SYMBOL,
    side: 'SELL',
    type: 'STOP_MARKET',
    quantity: 1,
    triggerPrice: 98,
    reduceOnly: true,
    closePosition: false,
  });
  venue.step();
  const algoStatuses = updates.flatMap((u) => (u.kind === 'algo' ? [u.algo.algoStatus] : []));
  // The algo object is live, so every update reports its final status; the count tells the steps.
  assert.is(algoStatuses.length, 4, 'NEW, TRIGGERING, TRIGGERED, FINISHED');
  assert.is(stop.algoStatus, 'FINISHED');
  const exit = venue.trades[1];
  // 98 × 0.999 = 97.902, rounded down to the tick.
  assert.equal({ side: exit.side, price: exit.price, qty: exit.qty }, { side: 'SELL', price: 97.9, qty: 1 });
  assert.is(venue.orders.get(stop.actualOrderId ?? 0)?.origType, 'STOP_MARKET');
  assert.is(venue.positions.size, 0);
});

test('a TAKE_PROFIT_MARKET sell fires on the way up; a green candle visits its low first', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 102.5, 99.5, 102],
  ]);
  market(venue, 'BUY', 1);
  const buyDip = limit(venue, 'BUY', 1, 99.6);
  venue.placeAlgoOrder({
    symbol: SYMBOL,
    side: 'SELL',
    type: 'TAKE_PROFIT_MARKET',
    quantity: 2,
    triggerPrice: 102.2,
    reduceOnly: true,
    closePosition: false,
  });
  venue.step();
  assert.is(buyDip.status, 'FILLED');
  const sides = venue.trades.map((t) => `${t.side}@${t.price}`);
  assert.equal(sides, ['BUY@100.1', 'BUY@99.6', 'SELL@102.1']);
  assert.is(venue.positions.size, 0);
});

test('a TRAILING_STOP_MARKET sell follows the peak and fires the callback rate below it', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 105, 99.8, 103],
  ]);
  market(venue, 'BUY', 1);
  venue.placeAlgoOrder({
    symbol: SYMBOL,
    side: 'SELL',
    type: 'TRAILING_STOP_MARKET',
    quantity: 1,
    callbackRate: 1,
    reduceOnly: true,
    closePosition: false,
  });
  venue.step();
  // Peak 105, trigger 105 × 0.99 = 103.95, filled at 103.95 × 0.999 = 103.846 → 103.85.
  assert.equal(
    venue.trades.map((t) => t.price),
    [100.1, 103.85],
  );
  assert.is(
    codeOf(() =>
      venue.placeAlgoOrder({
        symbol: SYMBOL,
        side: 'SELL',
        type: 'TRAILING_STOP_MARKET',
        quantity: 1,
        callbackRate: 20,
        reduceOnly: false,
        closePosition: false,
      }),
    ),
    -2007,
  );
});

test('a closePosition stop closes the whole position, whatever it grew to after the stop was placed', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100.2, 97, 99],
  ]);
  market(venue, 'BUY', 1);
  venue.placeAlgoOrder({
    symbol: SYMBOL,
    side: 'SELL',
    type: 'STOP_MARKET',
    triggerPrice: 98,
    reduceOnly: false,
    closePosition: true,
  });
  market(venue, 'BUY', 2);
  venue.step();
  assert.is(venue.trades.at(-1)?.qty, 3);
  assert.is(venue.positions.size, 0);
});

test('a stop the path gaps through fills at the next open, not at its trigger', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [97, 97.5, 96.5, 97.2],
  ]);
  market(venue, 'BUY', 1);
  venue.placeAlgoOrder({
    symbol: SYMBOL,
    side: 'SELL',
    type: 'STOP_MARKET',
    quantity: 1,
    triggerPrice: 99,
    reduceOnly: true,
    closePosition: false,
  });
  venue.step();
  // Open 97 × 0.999 = 96.903 → 96.90: the gap's loss is the trader's.
  assert.is(venue.trades[1].price, 96.9);
});

test("funding is charged at 00:00, 08:00 and 16:00 on the position at the mark, with a candle's own rate when it has one, and the income ledger sums to the wallet to the cent", () => {
  // 26 hourly candles from 00:00: instants at the closes of candles 7 (08:00), 15 (16:00) and 23 (00:00).
  const prices = Array.from({ length: 26 }, (_, i) => 100 + Math.sin(i) * 3);
  const path = prices.map((p, i) =>
    candle(
      i,
      [p, p + 0.5, p - 0.5, Math.round((p + 0.2) * 100) / 100],
      i === 15 ? { fundingRate: -0.0003 } : {},
    ),
  );
  const venue = new FakeVenue({
    symbols: [SPEC],
    path: new Map([[SYMBOL, path]]),
    revealed: 1,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 10,
    defaultLeverage: 10,
    fundingRate: 0.0001,
  });
  market(venue, 'BUY', 10);
  while (venue.step()) {
    if (venue.revealedCount() === 20) market(venue, 'SELL', 4, true);
  }
  const fundings = venue.income.filter((r) => r.incomeType === 'FUNDING_FEE');
  assert.equal(
    fundings.map((r) => r.time),
    [T0 + 8 * HOUR, T0 + 16 * HOUR, T0 + 24 * HOUR],
  );
  const expected = [
    -10 * path[7].close * 0.0001,
    -10 * path[15].close * -0.0003,
    -6 * path[23].close * 0.0001,
  ];
  assert.equal(
    fundings.map((r) => r.income.toFixed(8)),
    expected.map((x) => x.toFixed(8)),
  );
  assert.equal(
    venue.funding.map((f) => f.fundingTime),
    [T0 + 8 * HOUR, T0 + 16 * HOUR, T0 + 24 * HOUR],
  );
  assert.is(
    Math.abs(ledgerSum(venue) - venue.wallet) < 0.005,
    true,
    `ledger ${ledgerSum(venue)} vs wallet ${venue.wallet}`,
  );
  assert.ok(venue.income.some((r) => r.incomeType === 'REALIZED_PNL'));
});

test('a daily candle pays the three fundings it spans', () => {
  const day = (i: number, price: number): Kline =>
    kline({
      symbol: SYMBOL,
      interval: '1d',
      openTime: T0 + i * 24 * HOUR,
      ts: T0 + (i + 1) * 24 * HOUR,
      open: price,
      high: price,
      low: price,
      close: price,
    });
  const venue = new FakeVenue({
    symbols: [SPEC],
    path: new Map([[SYMBOL, [day(0, 100), day(1, 100)]]]),
    revealed: 1,
    walletUsdt: 10_000,
    takerFeeRate: 0,
    makerFeeRate: 0,
    slippageBps: 0,
    defaultLeverage: 10,
    fundingRate: 0.0001,
  });
  market(venue, 'SELL', 1);
  venue.step();
  const fundings = venue.income.filter((r) => r.incomeType === 'FUNDING_FEE');
  assert.equal(
    fundings.map((r) => (r.time - T0) / HOUR),
    [32, 40, 48],
  );
  assert.equal(
    fundings.map((r) => r.income.toFixed(4)),
    ['0.0100', '0.0100', '0.0100'],
    'a short receives a positive rate',
  );
});
test.run();
