// Builders the fake venue's tests share (`fake-venue.test.ts`, `fake-venue-path.test.ts`): a 1h
// candle path on one test symbol, a venue on it, order shorthands, and the Binance error code of a call.
import type { Kline } from '../../src/domain/index.js';
import { BinanceApiError } from '../../src/fake-binance/binance-errors.js';
import { type FakeSymbol, FakeVenue, type FakeVenueOptions } from '../../src/fake-binance/fake-venue.js';
import { kline } from '../builders.js';

export const HOUR = 3_600_000;
/** 2026-02-01T00:00Z, a funding instant. */
export const T0 = Date.UTC(2026, 1, 1);
export const SYMBOL = 'TESTUSDT';
export const SPEC: FakeSymbol = {
  symbol: SYMBOL,
  baseAsset: 'TEST',
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 10_000,
  minNotional: 5,
};

/** Candle `i` of the path (1h, opening at T0 + i h): `[open, high, low, close]`. */
export const candle = (
  i: number,
  [open, high, low, close]: readonly number[],
  extra: Partial<Kline> = {},
): Kline =>
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
export const venueOn = (
  ohlc: readonly (readonly number[])[],
  options: Partial<FakeVenueOptions> = {},
): FakeVenue =>
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
export const codeOf = (act: () => unknown): number | undefined => {
  try {
    act();
  } catch (error) {
    if (error instanceof BinanceApiError) return error.code;
    throw error;
  }
  return undefined;
};

export const market = (venue: FakeVenue, side: 'BUY' | 'SELL', quantity: number, reduceOnly = false) =>
  venue.placeOrder({ symbol: SYMBOL, side, type: 'MARKET', quantity, reduceOnly });
export const limit = (
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
export const ledgerSum = (venue: FakeVenue): number =>
  venue.income.reduce((sum, record) => sum + record.income, 0);
