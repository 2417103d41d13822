import type { Kline } from '../domain/index.js';
import { decimalsOf, money, priceText, qtyText } from './binance-number-text.js';
import type { FakeSymbol, FakeVenue } from './fake-venue.js';

/**
 * Market-data payloads in Binance USDⓈ-M's JSON shapes: `exchangeInfo`, kline rows and the
 * kline and mark-price websocket events.
 */

export const exchangeInfoBody = (
  venue: FakeVenue,
  serverTime: number,
  weightLimit: number,
  orderLimits = { tenSeconds: 300, minute: 1200 },
): object => ({
  timezone: 'UTC',
  serverTime,
  futuresType: 'U_MARGINED',
  rateLimits: [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimit },
    { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: orderLimits.minute },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: orderLimits.tenSeconds },
  ],
  exchangeFilters: [],
  assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
  symbols: [...venue.symbols.values()].map((spec) => ({
    symbol: spec.symbol,
    pair: spec.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: spec.baseAsset,
    quoteAsset: 'USDT',
    marginAsset: 'USDT',
    pricePrecision: decimalsOf(spec.tickSize),
    quantityPrecision: decimalsOf(spec.stepSize),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      {
        minPrice: priceText(spec, spec.tickSize),
        maxPrice: '10000000',
        filterType: 'PRICE_FILTER',
        tickSize: String(spec.tickSize),
      },
      {
        stepSize: String(spec.stepSize),
        filterType: 'LOT_SIZE',
        maxQty: String(spec.maxQty),
        minQty: String(spec.minQty),
      },
      {
        stepSize: String(spec.stepSize),
        filterType: 'MARKET_LOT_SIZE',
        maxQty: String(spec.maxQty),
        minQty: String(spec.minQty),
      },
      { limit: 200, filterType: 'MAX_NUM_ORDERS' },
      { limit: 10, filterType: 'MAX_NUM_ALGO_ORDERS' },
      { notional: String(spec.minNotional), filterType: 'MIN_NOTIONAL' },
      {
        multiplierDown: '0.9500',
        multiplierUp: '1.0500',
        multiplierDecimal: '4',
        filterType: 'PERCENT_PRICE',
      },
    ],
    orderTypes: [
      'LIMIT',
      'MARKET',
      'STOP',
      'STOP_MARKET',
      'TAKE_PROFIT',
      'TAKE_PROFIT_MARKET',
      'TRAILING_STOP_MARKET',
    ],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  })),
});

/** `GET /fapi/v1/klines` row: `[openTime, o, h, l, c, v, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, "0"]`. */
export const klineRow = (spec: FakeSymbol, k: Kline): unknown[] => [
  k.openTime,
  priceText(spec, k.open),
  priceText(spec, k.high),
  priceText(spec, k.low),
  priceText(spec, k.close),
  qtyText(spec, k.volume),
  k.ts - 1,
  money(k.quoteVolume),
  k.trades,
  qtyText(spec, k.takerBuyVolume),
  money(k.takerBuyVolume * k.close),
  '0',
];

/** Websocket `<symbol>@kline_<interval>` event of a closed candle. */
export const klineEvent = (spec: FakeSymbol, k: Kline): object => ({
  e: 'kline',
  E: k.ts,
  s: k.symbol,
  k: {
    t: k.openTime,
    T: k.ts - 1,
    s: k.symbol,
    i: k.interval,
    f: 0,
    L: 0,
    o: priceText(spec, k.open),
    c: priceText(spec, k.close),
    h: priceText(spec, k.high),
    l: priceText(spec, k.low),
    v: qtyText(spec, k.volume),
    n: k.trades,
    x: true,
    q: money(k.quoteVolume),
    V: qtyText(spec, k.takerBuyVolume),
    Q: money(k.takerBuyVolume * k.close),
    B: '0',
  },
});

/** Websocket `<symbol>@markPrice` event. */
export const markPriceEvent = (
  spec: FakeSymbol,
  k: Kline,
  fundingRate: number,
  nextFundingTime: number,
): object => ({
  e: 'markPriceUpdate',
  E: k.ts,
  s: k.symbol,
  p: priceText(spec, k.close),
  i: priceText(spec, k.close),
  P: priceText(spec, k.close),
  r: fundingRate.toFixed(8),
  T: nextFundingTime,
});
