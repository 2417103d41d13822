import { FUNDING_INTERVAL_MS, nextFundingTime } from '../domain/index.js';
import { BinanceApiError, invalidParameter } from './binance-errors.js';
import { exchangeInfoBody, klineRow } from './binance-payloads.js';
import type { FakeBinanceOptions } from './fake-binance-server.js';
import type { FakeVenue } from './fake-venue.js';
import { fundingIntervalMsOf } from './fake-venue-ledger.js';
import { klinesWeight, type WeightBudget } from './request-weights.js';
import { need, numberParam, type Route } from './route-params.js';
import { aggTradeRow, bookTickerRow } from './tape-payloads.js';

/** What the market-data routes read: the venue, the server's options, clock and weight budget. */
export interface MarketRouteContext {
  readonly venue: FakeVenue;
  readonly options: FakeBinanceOptions;
  readonly weights: WeightBudget;
  /** Wall clock plus the `clockSkewMs` fault. */
  serverTime(): number;
}

/** Public market data (ping, time, exchangeInfo, klines, premiumIndex, fundingInfo, fundingRate, ticker, aggTrades, bookTicker) and leverage brackets. */
export const marketRoutes = ({ venue, options, weights, serverTime }: MarketRouteContext): Route[] => [
  { method: 'GET', url: '/fapi/v1/ping', security: 'NONE', weight: 1, handle: () => ({}) },
  {
    method: 'GET',
    url: '/fapi/v1/time',
    security: 'NONE',
    weight: 1,
    handle: () => ({ serverTime: serverTime() }),
  },
  {
    method: 'GET',
    url: '/fapi/v1/exchangeInfo',
    security: 'NONE',
    weight: 1,
    handle: () => exchangeInfoBody(venue, serverTime(), weights.limit, options.orderLimits),
  },
  {
    method: 'GET',
    url: '/fapi/v1/klines',
    security: 'NONE',
    weight: (p) => klinesWeight(numberParam(p, 'limit') ?? 500),
    handle: (p) => {
      const symbol = need(p, 'symbol');
      const interval = need(p, 'interval');
      const limit = numberParam(p, 'limit') ?? 500;
      if (!(limit >= 1 && limit <= 1500)) throw invalidParameter('limit', String(limit));
      const spec = venue.symbolOf(symbol);
      const candles = venue.klines(symbol);
      if (candles.length > 0 && candles[0].interval !== interval) {
        throw new BinanceApiError(-1120, 'Invalid interval.', 400);
      }
      const start = numberParam(p, 'startTime');
      const end = numberParam(p, 'endTime');
      let chosen = candles.filter(
        (k) => (start === undefined || k.openTime >= start) && (end === undefined || k.openTime <= end),
      );
      chosen = start === undefined ? chosen.slice(-limit) : chosen.slice(0, limit);
      return chosen.map((k) => klineRow(spec, k));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/premiumIndex',
    security: 'NONE',
    weight: (p) => (p.has('symbol') ? 1 : 10),
    handle: (p) => {
      const row = (symbol: string): object => {
        const price = String(venue.priceOf(symbol));
        const next = nextFundingTime(venue.time(), fundingIntervalMsOf(venue.symbolOf(symbol)));
        return {
          symbol,
          markPrice: price,
          indexPrice: price,
          estimatedSettlePrice: price,
          lastFundingRate: (
            venue.funding.findLast((f) => f.symbol === symbol)?.fundingRate ?? options.fundingRate
          ).toFixed(8),
          interestRate: '0.00010000',
          nextFundingTime: next,
          time: venue.time(),
        };
      };
      const symbol = p.get('symbol');
      return symbol === null ? [...venue.symbols.keys()].map(row) : row(symbol);
    },
  },
  {
    // As Binance: only the symbols whose funding cap, floor or interval differ from the default.
    method: 'GET',
    url: '/fapi/v1/fundingInfo',
    security: 'NONE',
    weight: 1,
    handle: () =>
      [...venue.symbols.values()]
        .filter((spec) => fundingIntervalMsOf(spec) !== FUNDING_INTERVAL_MS)
        .map((spec) => ({
          symbol: spec.symbol,
          adjustedFundingRateCap: '0.02000000',
          adjustedFundingRateFloor: '-0.02000000',
          fundingIntervalHours: spec.fundingIntervalHours,
          disclaimer: false,
        })),
  },
  {
    method: 'GET',
    url: '/fapi/v1/fundingRate',
    security: 'NONE',
    weight: 1,
    handle: (p) => {
      const symbol = p.get('symbol');
      const start = numberParam(p, 'startTime');
      const end = numberParam(p, 'endTime');
      const limit = Math.min(numberParam(p, 'limit') ?? 100, 1000);
      const rows = venue.funding.filter(
        (f) =>
          (symbol === null || f.symbol === symbol) &&
          (start === undefined || f.fundingTime >= start) &&
          (end === undefined || f.fundingTime <= end),
      );
      return (start === undefined ? rows.slice(-limit) : rows.slice(0, limit)).map((f) => ({
        symbol: f.symbol,
        fundingTime: f.fundingTime,
        fundingRate: f.fundingRate.toFixed(8),
        markPrice: String(f.markPrice),
      }));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/ticker/price',
    security: 'NONE',
    weight: (p) => (p.has('symbol') ? 1 : 2),
    handle: (p) => {
      const row = (symbol: string): object => ({
        symbol,
        price: String(venue.priceOf(symbol)),
        time: venue.time(),
      });
      const symbol = p.get('symbol');
      return symbol === null ? [...venue.symbols.keys()].map(row) : row(symbol);
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/aggTrades',
    security: 'NONE',
    weight: 20,
    handle: (p) => {
      const symbol = need(p, 'symbol');
      const spec = venue.symbolOf(symbol);
      const limit = numberParam(p, 'limit') ?? 500;
      if (!(limit >= 1 && limit <= 1000)) throw invalidParameter('limit', String(limit));
      const fromId = numberParam(p, 'fromId');
      const startTime = numberParam(p, 'startTime');
      const endTime = numberParam(p, 'endTime');
      if (startTime !== undefined && endTime !== undefined && endTime - startTime > 3_600_000)
        throw new BinanceApiError(-1127, 'More than 1 hours between startTime and endTime.', 400);
      return venue.tape
        .aggTrades(symbol, {
          limit,
          ...(fromId === undefined ? {} : { fromId }),
          ...(startTime === undefined ? {} : { startTime }),
          ...(endTime === undefined ? {} : { endTime }),
        })
        .map((t) => aggTradeRow(spec, t));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/ticker/bookTicker',
    security: 'NONE',
    weight: (p) => (p.has('symbol') ? 2 : 5),
    handle: (p) => {
      const row = (symbol: string): object | undefined => {
        const book = venue.tape.book(symbol);
        return book === undefined ? undefined : bookTickerRow(venue.symbolOf(symbol), book);
      };
      const symbol = p.get('symbol');
      if (symbol !== null) {
        venue.symbolOf(symbol);
        return row(symbol) ?? {};
      }
      return [...venue.symbols.keys()].map(row).filter((r) => r !== undefined);
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/leverageBracket',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const row = (symbol: string): object => ({
        symbol,
        notionalCoef: 1,
        brackets: options.brackets?.get(symbol) ?? [
          {
            bracket: 1,
            initialLeverage: 125,
            notionalCap: 50_000,
            notionalFloor: 0,
            maintMarginRatio: 0.004,
            cum: 0,
          },
        ],
      });
      const symbol = p.get('symbol');
      if (symbol !== null) venue.symbolOf(symbol);
      return symbol === null ? [...venue.symbols.keys()].map(row) : [row(symbol)];
    },
  },
];
