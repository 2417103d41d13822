import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeVenue } from '../../src/fake-binance/fake-venue.js';
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

// The fake venue's matching and ledger on tiny hand-made 1h paths: each test states the candles,
// acts once and checks the fills, the error codes Binance answers, and the books. Here: orders as
// they arrive (MARKET, LIMIT, time in force) and the checks that refuse them; conditional orders
// and funding along the path are in `fake-venue-path.test.ts`.

test('a MARKET order fills at once at the last price moved against the taker by the slippage, on the nearest tick, and pays the taker fee', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100.03],
    [100.03, 100.1, 99.9, 100],
  ]);
  const buy = market(venue, 'BUY', 2);
  assert.is(buy.status, 'FILLED');
  // 100.03 × 1.001 = 100.13003, on the nearest 0.01 tick (the simulator's rounding).
  assert.is(venue.trades[0].price, 100.13);
  assert.is(venue.trades[0].maker, false);
  assert.is(venue.trades[0].commission.toFixed(8), (2 * 100.13 * 0.0005).toFixed(8));
  const sell = market(venue, 'SELL', 1);
  assert.is(sell.status, 'FILLED');
  // 100.03 × 0.999 = 99.92997.
  assert.is(venue.trades[1].price, 99.93);
  assert.equal(
    { amt: venue.positions.get(SYMBOL)?.amt, entry: venue.positions.get(SYMBOL)?.entryPrice },
    { amt: 1, entry: 100.13 },
  );
  assert.is(venue.trades[1].realizedPnl.toFixed(8), (99.93 - 100.13).toFixed(8));
  assert.is(ledgerSum(venue).toFixed(8), venue.wallet.toFixed(8));
});

test('marketFill next-open: a MARKET order waits (NEW) for the next candle and fills at its open ± slippage, stamped with that candle’s close — as the simulator fills it', () => {
  const venue = venueOn(
    [
      [100, 100.1, 99.9, 100.03],
      [100.5, 101, 99, 100.8],
      [100.8, 100.9, 100.7, 100.8],
    ],
    { marketFill: 'next-open' },
  );
  const buy = market(venue, 'BUY', 2);
  assert.is(buy.status, 'NEW');
  assert.is(venue.trades.length, 0);
  assert.is(venue.positions.size, 0);
  // A reduce-only sell of a position that does not exist yet is refused as Binance refuses it.
  assert.is(
    codeOf(() => market(venue, 'SELL', 1, true)),
    -2022,
  );
  venue.step();
  assert.is(buy.status, 'FILLED');
  // 100.5 × 1.001 = 100.6005 → 100.60; the fill belongs to the candle opening at T0 + 1 h.
  assert.equal(
    { price: venue.trades[0].price, time: venue.trades[0].time, maker: venue.trades[0].maker },
    { price: 100.6, time: T0 + 2 * HOUR, maker: false },
  );
  assert.is(venue.positions.get(SYMBOL)?.amt, 2);
  const sell = market(venue, 'SELL', 2, true);
  venue.step();
  assert.is(sell.status, 'FILLED');
  assert.is(venue.trades[1].price, 100.7);
  assert.is(venue.positions.size, 0);
  assert.is(ledgerSum(venue).toFixed(8), venue.wallet.toFixed(8));
});

test('a resting LIMIT buy fills as maker at its own price on the candle whose low reaches it, stamped with that candle’s close', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100.5, 99.5, 100.2],
    [100.2, 100.4, 98.8, 99.5],
  ]);
  const order = limit(venue, 'BUY', 1, 99);
  assert.is(order.status, 'NEW');
  venue.step();
  assert.is(order.status, 'NEW', 'a low of 99.5 does not reach 99');
  venue.step();
  assert.is(order.status, 'FILLED');
  assert.equal(
    { price: venue.trades[0].price, maker: venue.trades[0].maker, time: venue.trades[0].time },
    { price: 99, maker: true, time: T0 + 3 * HOUR },
  );
  assert.is(venue.trades[0].commission.toFixed(8), (99 * 0.0002).toFixed(8));
});

test('a LIMIT order that crosses on arrival fills at once as a taker, never worse than its own price', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100.03],
    [100, 100, 100, 100],
  ]);
  // The taker price would be 100.13; the order's limit is 100.05.
  const order = limit(venue, 'BUY', 1, 100.05);
  assert.is(order.status, 'FILLED');
  assert.equal(
    { price: venue.trades[0].price, maker: venue.trades[0].maker },
    { price: 100.05, maker: false },
  );
  const better = limit(venue, 'SELL', 1, 99);
  assert.is(better.status, 'FILLED');
  assert.is(venue.trades[1].price, 99.93, 'a sell limit far below fills at the taker price');
});

test('a post-only (GTX) order that would cross is rejected with -5022 and not recorded; one below the market rests', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100, 100, 100],
  ]);
  assert.is(
    codeOf(() => limit(venue, 'BUY', 1, 100, { timeInForce: 'GTX' })),
    -5022,
  );
  assert.is(venue.orders.size, 0);
  const resting = limit(venue, 'BUY', 1, 99.5, { timeInForce: 'GTX' });
  assert.equal({ status: resting.status, tif: resting.timeInForce }, { status: 'NEW', tif: 'GTX' });
});

test('an IOC limit that cannot fill at once expires', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100, 100, 100],
  ]);
  assert.is(limit(venue, 'BUY', 1, 99, { timeInForce: 'IOC' }).status, 'EXPIRED');
});

test('reduce-only is refused with -2022 without a position, or on the side that would grow it', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100, 100, 100],
  ]);
  assert.is(
    codeOf(() => market(venue, 'SELL', 1, true)),
    -2022,
  );
  market(venue, 'BUY', 1);
  assert.is(
    codeOf(() => market(venue, 'BUY', 1, true)),
    -2022,
  );
  assert.is(market(venue, 'SELL', 1, true).status, 'FILLED');
  assert.is(venue.positions.size, 0);
});

test('an order needing more initial margin than is available is refused with -2019; resting orders hold margin too', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100, 100, 100],
  ]);
  // 10 000 USDT at 10× buys at most ~100 000 USDT of notional.
  assert.is(
    codeOf(() => market(venue, 'BUY', 1_000)),
    -2019,
  );
  limit(venue, 'BUY', 600, 95);
  assert.is(
    codeOf(() => limit(venue, 'BUY', 500, 95)),
    -2019,
    '57 000 + 47 500 USDT at 10× needs more than the wallet',
  );
  assert.ok(venue.availableBalance() < 10_000 - 5_700 + 1e-6);
});

test('prices off the tick (-4014), quantities off the step (-1111) and notional under the minimum (-4164) are refused; reduce-only is exempt from the minimum', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100, 100, 100],
  ]);
  assert.is(
    codeOf(() => limit(venue, 'BUY', 1, 99.005)),
    -4014,
  );
  assert.is(
    codeOf(() => market(venue, 'BUY', 1.0005)),
    -1111,
  );
  assert.is(
    codeOf(() => market(venue, 'BUY', 0.04)),
    -4164,
    '4 USDT of notional',
  );
  market(venue, 'BUY', 1);
  assert.is(market(venue, 'SELL', 0.04, true).status, 'FILLED');
});

test('a client order id already used by an open order is refused with -4116, and free again once that order is done', () => {
  const venue = venueOn([
    [100, 100.1, 99.9, 100],
    [100, 100, 100, 100],
  ]);
  const first = limit(venue, 'BUY', 1, 95, { clientOrderId: 'intent-7-entry' });
  assert.is(
    codeOf(() => limit(venue, 'BUY', 1, 94, { clientOrderId: 'intent-7-entry' })),
    -4116,
  );
  venue.cancelOrder(SYMBOL, first.orderId);
  assert.is(limit(venue, 'BUY', 1, 94, { clientOrderId: 'intent-7-entry' }).status, 'NEW');
});
test("leverage above the symbol's first bracket is refused with -4028", () => {
  const venue = new FakeVenue({
    symbols: [{ ...SPEC, maxLeverage: 50 }],
    path: new Map([[SYMBOL, [candle(0, [100, 100, 100, 100]), candle(1, [100, 100, 100, 100])]]]),
    revealed: 1,
    walletUsdt: 1_000,
    takerFeeRate: 0,
    makerFeeRate: 0,
    slippageBps: 0,
    defaultLeverage: 10,
    fundingRate: 0,
  });
  assert.is(
    codeOf(() => venue.setLeverage(SYMBOL, 75)),
    -4028,
  );
  venue.setLeverage(SYMBOL, 50);
  assert.is(venue.leverageOf(SYMBOL), 50);
});

test.run();
