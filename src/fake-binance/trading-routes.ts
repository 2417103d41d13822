import { BinanceApiError, invalidParameter } from './binance-errors.js';
import {
  accountBody,
  algoOrderBody,
  balanceBody,
  orderBody,
  positionRiskBody,
  tradeBody,
} from './binance-payloads.js';
import type { FakeBinanceOptions } from './fake-binance-server.js';
import type { FakeVenue } from './fake-venue.js';
import { boolParam, need, numberParam, type Route, sideParam } from './route-params.js';

/** What the trading routes need: the venue, the server's options and the ack-delay fault. */
export interface TradingRouteContext {
  readonly venue: FakeVenue;
  readonly options: FakeBinanceOptions;
  /** Resolve `value` after the `ackDelayMs` fault (at once without it). */
  delayed<T>(value: T): Promise<T>;
}

/** Signed account and trading routes: settings, orders, algo orders, trades, income, positions, account, balance. */
export const tradingRoutes = ({ venue, options, delayed }: TradingRouteContext): Route[] => [
  {
    method: 'POST',
    url: '/fapi/v1/leverage',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const symbol = need(p, 'symbol');
      const leverage = numberParam(p, 'leverage') ?? Number.NaN;
      venue.setLeverage(symbol, leverage);
      return { leverage, maxNotionalValue: '50000', symbol };
    },
  },
  {
    method: 'POST',
    url: '/fapi/v1/marginType',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const type = need(p, 'marginType');
      if (type !== 'ISOLATED' && type !== 'CROSSED') throw invalidParameter('marginType', type);
      venue.setMarginType(need(p, 'symbol'), type === 'ISOLATED' ? 'isolated' : 'cross');
      return { code: 200, msg: 'success' };
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/positionSide/dual',
    security: 'SIGNED',
    weight: 30,
    handle: () => ({ dualSidePosition: false }),
  },
  {
    method: 'POST',
    url: '/fapi/v1/positionSide/dual',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      if (need(p, 'dualSidePosition') === 'true')
        throw new BinanceApiError(-4059, 'No need to change position side.', 400);
      return { code: 200, msg: 'success' };
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/multiAssetsMargin',
    security: 'SIGNED',
    weight: 30,
    handle: () => ({ multiAssetsMargin: false }),
  },
  {
    method: 'GET',
    url: '/fapi/v1/commissionRate',
    security: 'SIGNED',
    weight: 20,
    handle: (p) => ({
      symbol: need(p, 'symbol'),
      makerCommissionRate: String(options.makerFeeRate),
      takerCommissionRate: String(options.takerFeeRate),
    }),
  },
  {
    method: 'POST',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const type = need(p, 'type');
      if (type !== 'MARKET' && type !== 'LIMIT') {
        // Conditional orders moved to the Algo Order API in December 2025.
        throw new BinanceApiError(
          -4120,
          'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
          400,
        );
      }
      const tif = p.get('timeInForce') ?? undefined;
      if (tif !== undefined && !['GTC', 'IOC', 'FOK', 'GTX'].includes(tif))
        throw invalidParameter('timeInForce', tif);
      const positionSide = p.get('positionSide');
      if (positionSide !== null && positionSide !== 'BOTH') {
        throw new BinanceApiError(-4061, "Order's position side does not match user's setting.", 400);
      }
      const order = venue.placeOrder({
        symbol: need(p, 'symbol'),
        side: sideParam(p),
        type,
        quantity: numberParam(p, 'quantity') ?? Number.NaN,
        price: numberParam(p, 'price'),
        timeInForce: tif as 'GTC' | 'IOC' | 'FOK' | 'GTX' | undefined,
        reduceOnly: boolParam(p, 'reduceOnly'),
        clientOrderId: p.get('newClientOrderId') ?? undefined,
      });
      return delayed(orderBody(venue, order));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 1,
    handle: (p) =>
      orderBody(
        venue,
        venue.findOrder(
          need(p, 'symbol'),
          numberParam(p, 'orderId'),
          p.get('origClientOrderId') ?? undefined,
        ),
      ),
  },
  {
    method: 'DELETE',
    url: '/fapi/v1/order',
    security: 'SIGNED',
    weight: 1,
    handle: (p) =>
      delayed(
        orderBody(
          venue,
          venue.cancelOrder(
            need(p, 'symbol'),
            numberParam(p, 'orderId'),
            p.get('origClientOrderId') ?? undefined,
          ),
        ),
      ),
  },
  {
    method: 'GET',
    url: '/fapi/v1/openOrders',
    security: 'SIGNED',
    weight: (p) => (p.has('symbol') ? 1 : 40),
    handle: (p) => venue.openOrders(p.get('symbol') ?? undefined).map((o) => orderBody(venue, o)),
  },
  {
    method: 'GET',
    url: '/fapi/v1/allOrders',
    security: 'SIGNED',
    weight: 5,
    handle: (p) => {
      const symbol = need(p, 'symbol');
      return [...venue.orders.values()].filter((o) => o.symbol === symbol).map((o) => orderBody(venue, o));
    },
  },
  {
    method: 'DELETE',
    url: '/fapi/v1/allOpenOrders',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const symbol = need(p, 'symbol');
      for (const o of venue.openOrders(symbol)) venue.cancelOrder(symbol, o.orderId);
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
  },
  {
    method: 'POST',
    url: '/fapi/v1/algoOrder',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const algoType = need(p, 'algoType');
      if (algoType !== 'CONDITIONAL') throw invalidParameter('algoType', algoType);
      const type = need(p, 'type');
      if (type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET' && type !== 'TRAILING_STOP_MARKET') {
        throw invalidParameter('type', type);
      }
      const algo = venue.placeAlgoOrder({
        symbol: need(p, 'symbol'),
        side: sideParam(p),
        type,
        quantity: numberParam(p, 'quantity'),
        triggerPrice: numberParam(p, 'triggerPrice') ?? numberParam(p, 'stopPrice'),
        activatePrice: numberParam(p, 'activatePrice') ?? numberParam(p, 'activationPrice'),
        callbackRate: numberParam(p, 'callbackRate'),
        reduceOnly: boolParam(p, 'reduceOnly'),
        closePosition: boolParam(p, 'closePosition'),
        clientAlgoId: p.get('clientAlgoId') ?? undefined,
      });
      return delayed(algoOrderBody(venue, algo));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/algoOrder',
    security: 'SIGNED',
    weight: 1,
    handle: (p) =>
      algoOrderBody(venue, venue.findAlgoOrder(numberParam(p, 'algoId'), p.get('clientAlgoId') ?? undefined)),
  },
  {
    method: 'DELETE',
    url: '/fapi/v1/algoOrder',
    security: 'SIGNED',
    weight: 1,
    handle: (p) => {
      const algo = venue.cancelAlgoOrder(numberParam(p, 'algoId'), p.get('clientAlgoId') ?? undefined);
      return delayed({ algoId: algo.algoId, clientAlgoId: algo.clientAlgoId, code: '200', msg: 'success' });
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/openAlgoOrders',
    security: 'SIGNED',
    weight: (p) => (p.has('symbol') ? 1 : 40),
    handle: (p) => venue.openAlgoOrders(p.get('symbol') ?? undefined).map((a) => algoOrderBody(venue, a)),
  },
  {
    method: 'GET',
    url: '/fapi/v1/allAlgoOrders',
    security: 'SIGNED',
    weight: 5,
    handle: (p) => {
      const symbol = need(p, 'symbol');
      return [...venue.algoOrders.values()]
        .filter((a) => a.symbol === symbol)
        .map((a) => algoOrderBody(venue, a));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/userTrades',
    security: 'SIGNED',
    weight: 5,
    handle: (p) => {
      const symbol = need(p, 'symbol');
      const start = numberParam(p, 'startTime');
      const fromId = numberParam(p, 'fromId');
      const limit = Math.min(numberParam(p, 'limit') ?? 500, 1000);
      return venue.trades
        .filter(
          (t) =>
            t.symbol === symbol &&
            (start === undefined || t.time >= start) &&
            (fromId === undefined || t.id >= fromId),
        )
        .slice(0, limit)
        .map((t) => tradeBody(venue, t));
    },
  },
  {
    method: 'GET',
    url: '/fapi/v1/income',
    security: 'SIGNED',
    weight: 30,
    handle: (p) => {
      const symbol = p.get('symbol');
      const type = p.get('incomeType');
      const start = numberParam(p, 'startTime');
      const end = numberParam(p, 'endTime');
      const limit = Math.min(numberParam(p, 'limit') ?? 100, 1000);
      return venue.income
        .filter(
          (r) =>
            (symbol === null || r.symbol === symbol) &&
            (type === null || r.incomeType === type) &&
            (start === undefined || r.time >= start) &&
            (end === undefined || r.time <= end),
        )
        .slice(0, limit)
        .map((r) => ({
          symbol: r.symbol,
          incomeType: r.incomeType,
          income: r.income.toFixed(8),
          asset: 'USDT',
          info: r.info,
          time: r.time,
          tranId: r.tranId,
          tradeId: r.tradeId,
        }));
    },
  },
  ...([2, 3] as const).flatMap((v): Route[] => [
    {
      method: 'GET',
      url: `/fapi/v${v}/positionRisk`,
      security: 'SIGNED',
      weight: 5,
      handle: (p) => {
        const symbol = p.get('symbol');
        return [...venue.positions.values()]
          .filter((x) => symbol === null || x.symbol === symbol)
          .map((x) => positionRiskBody(venue, x));
      },
    },
    {
      method: 'GET',
      url: `/fapi/v${v}/account`,
      security: 'SIGNED',
      weight: 5,
      handle: () => accountBody(venue, v),
    },
    {
      method: 'GET',
      url: `/fapi/v${v}/balance`,
      security: 'SIGNED',
      weight: 5,
      handle: () => balanceBody(venue),
    },
  ]),
];
