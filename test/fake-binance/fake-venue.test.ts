import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { BinanceApiError } from '../../src/fake-binance/binance-errors.js';
import {
  type FakeSymbol,
  FakeVenue,
  type FakeVenueOptions,
  type VenueUpdate,
} from '../../src/fake-binance/fake-venue.js';
import { kline } from '../builders.js';

// The fake venue's matching and ledger on tiny hand-made 1h paths: each test states the candles,
// acts once and checks the fills, the error codes Binance answers, and the books.

const HOUR = 3_600_000;
/** 2026-02-01T00:00Z, a funding instant. */
const T0 = Date.UTC(2026, 1, 1);
const SYMBOL = 'TESTUSDT';
const SPEC: FakeSymbol = {
  symbol: SYMBOL,
  baseAsset: 'TEST',
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 10_000,
  minNotional: 5,
};

/** Candle `i` of the path (1h, opening at T0 + i h): `[open, high, low, close]`. */
const candle = (i: number, [open, high, low, close]: readonly number[], extra: Partial<Kline> = {}): Kline =>
  kline({
    symbol: SYMBOL,
    interval: '1h',
    openTime: T0 + i * HOUR,
    ts: T0 + (i + 1) * HOUR,
    open,
    high,
    low,
    close,
    ...extra,
  });

/** A venue on `ohlc` candles with the first revealed (last price = its close); 10 bps slippage, 10× leverage. */
const venueOn = (ohlc: readonly (readonly number[])[], options: Partial<FakeVenueOptions> = {}): FakeVenue =>
  new FakeVenue({
    symbols: [SPEC],
    path: new Map([[SYMBOL, ohlc.map((prices, i) => candle(i, prices))]]),
    revealed: 1,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 10,
    defaultLeverage: 10,
    fundingRate: 0.0001,
    ...options,
  });

/** The Binance error code `act` throws, or undefined when it does not throw. */
const codeOf = (act: () => unknown): number | undefined => {
  try {
    act();
  } catch (error) {
    if (error instanceof BinanceApiError) return error.code;
    throw error;
  }
  return undefined;
};

const market = (venue: FakeVenue, side: 'BUY' | 'SELL', quantity: number, reduceOnly = false) =>
  venue.placeOrder({ symbol: SYMBOL, side, type: 'MARKET', quantity, reduceOnly });
const limit = (
  venue: FakeVenue,
  side: 'BUY' | 'SELL',
  quantity: number,
  price: number,
  extra: { timeInForce?: 'GTC' | 'GTX' | 'IOC'; clientOrderId?: string; reduceOnly?: boolean } = {},
) =>
  venue.placeOrder({
    symbol: SYMBOL,
    side,
    type: 'LIMIT',
    quantity,
    price,
    reduceOnly: extra.reduceOnly ?? false,
    ...extra,
  });

/** Sum of the income ledger: deposits, realized PnL, commissions and funding. */
const ledgerSum = (venue: FakeVenue): number => venue.income.reduce((sum, record) => sum + record.income, 0);

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
