import type { Kline } from '../domain/index.js';
import type {
  AlgoOrder,
  FakeSymbol,
  FakeVenue,
  VenueOrder,
  VenuePosition,
  VenueTrade,
} from './fake-venue.js';

/**
 * The fake venue's state in Binance USDⓈ-M's JSON shapes (REST bodies and websocket events),
 * copied field by field from the real payloads in `../shared/data/binance/futures/`. Binance
 * sends prices and quantities as decimal strings with the symbol's precision.
 */

/** Decimal places of a step such as 0.001 (→ 3). */
export const decimalsOf = (step: number): number => {
  const [mantissa, exponent] = step.toExponential().split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
};

const money = (value: number): string => value.toFixed(8);
export const priceText = (spec: FakeSymbol, value: number): string =>
  value.toFixed(decimalsOf(spec.tickSize));
export const qtyText = (spec: FakeSymbol, value: number): string => value.toFixed(decimalsOf(spec.stepSize));

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

const orderStatusText = (order: VenueOrder): string => order.status;

/** `POST/GET/DELETE /fapi/v1/order` body. */
export const orderBody = (venue: FakeVenue, order: VenueOrder): object => {
  const spec = venue.symbolOf(order.symbol);
  const avg = order.executedQty > 0 ? order.cumQuote / order.executedQty : 0;
  return {
    orderId: order.orderId,
    symbol: order.symbol,
    status: orderStatusText(order),
    clientOrderId: order.clientOrderId,
    price: priceText(spec, order.price),
    avgPrice: priceText(spec, avg),
    origQty: qtyText(spec, order.origQty),
    executedQty: qtyText(spec, order.executedQty),
    cumQty: qtyText(spec, order.executedQty),
    cumQuote: money(order.cumQuote),
    timeInForce: order.timeInForce,
    type: order.type,
    reduceOnly: order.reduceOnly,
    closePosition: order.closePosition,
    side: order.side,
    positionSide: 'BOTH',
    stopPrice: priceText(spec, order.stopPrice),
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: order.origType,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'NONE',
    goodTillDate: 0,
    time: order.time,
    updateTime: order.updateTime,
  };
};

/** `POST/GET /fapi/v1/algoOrder` body. */
export const algoOrderBody = (venue: FakeVenue, algo: AlgoOrder): object => {
  const spec = venue.symbolOf(algo.symbol);
  return {
    algoId: algo.algoId,
    clientAlgoId: algo.clientAlgoId,
    algoType: 'CONDITIONAL',
    orderType: algo.type,
    symbol: algo.symbol,
    side: algo.side,
    positionSide: 'BOTH',
    timeInForce: 'GTC',
    quantity: qtyText(spec, algo.quantity),
    algoStatus: algo.algoStatus,
    actualOrderId: algo.actualOrderId === undefined ? '' : String(algo.actualOrderId),
    triggerPrice: priceText(spec, algo.triggerPrice),
    price: priceText(spec, 0),
    activatePrice: priceText(spec, algo.activatePrice),
    callbackRate: algo.callbackRate === 0 ? '' : String(algo.callbackRate),
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: 'CONTRACT_PRICE',
    priceMatch: 'NONE',
    closePosition: algo.closePosition,
    priceProtect: false,
    reduceOnly: algo.reduceOnly,
    createTime: algo.createTime,
    updateTime: algo.updateTime,
    triggerTime: algo.algoStatus === 'NEW' || algo.algoStatus === 'CANCELED' ? 0 : algo.updateTime,
    goodTillDate: 0,
  };
};

/** `GET /fapi/v1/userTrades` row. */
export const tradeBody = (venue: FakeVenue, trade: VenueTrade): object => {
  const spec = venue.symbolOf(trade.symbol);
  return {
    buyer: trade.side === 'BUY',
    commission: money(trade.commission),
    commissionAsset: 'USDT',
    id: trade.id,
    maker: trade.maker,
    orderId: trade.orderId,
    price: priceText(spec, trade.price),
    qty: qtyText(spec, trade.qty),
    quoteQty: money(trade.quoteQty),
    realizedPnl: money(trade.realizedPnl),
    marginAsset: 'USDT',
    side: trade.side,
    positionSide: 'BOTH',
    symbol: trade.symbol,
    time: trade.time,
  };
};

/** `GET /fapi/v2|v3/positionRisk` row. */
export const positionRiskBody = (venue: FakeVenue, position: VenuePosition): object => {
  const spec = venue.symbolOf(position.symbol);
  const mark = venue.priceOf(position.symbol);
  const notional = position.amt * mark;
  const margin = Math.abs(notional) / position.leverage;
  return {
    symbol: position.symbol,
    positionSide: 'BOTH',
    positionAmt: qtyText(spec, position.amt),
    entryPrice: priceText(spec, position.entryPrice),
    breakEvenPrice: priceText(spec, position.entryPrice),
    markPrice: priceText(spec, mark),
    unRealizedProfit: money(venue.unrealized(position)),
    liquidationPrice: '0',
    isolatedMargin: position.marginType === 'isolated' ? money(margin + venue.unrealized(position)) : '0',
    notional: money(notional),
    marginAsset: 'USDT',
    isolatedWallet: position.marginType === 'isolated' ? money(margin) : '0',
    initialMargin: money(margin),
    maintMargin: money(Math.abs(notional) * 0.004),
    positionInitialMargin: money(margin),
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    leverage: String(position.leverage),
    marginType: position.marginType,
    isAutoAddMargin: 'false',
    maxNotionalValue: '1000000',
    updateTime: position.updateTime,
  };
};

/** `GET /fapi/v2|v3/account` body (single-asset USDT mode). */
export const accountBody = (venue: FakeVenue, version: 2 | 3): object => {
  const unrealized = venue.totalUnrealized();
  const positionMargin = venue.positionMargin();
  const orderMargin = venue.orderMargin();
  const available = venue.availableBalance();
  const totals = {
    totalInitialMargin: money(positionMargin + orderMargin),
    totalMaintMargin: money(positionMargin * 0.1),
    totalWalletBalance: money(venue.wallet),
    totalUnrealizedProfit: money(unrealized),
    totalMarginBalance: money(venue.wallet + unrealized),
    totalPositionInitialMargin: money(positionMargin),
    totalOpenOrderInitialMargin: money(orderMargin),
    totalCrossWalletBalance: money(venue.wallet),
    totalCrossUnPnl: money(unrealized),
    availableBalance: money(available),
    maxWithdrawAmount: money(Math.max(0, available)),
  };
  const asset = {
    asset: 'USDT',
    walletBalance: money(venue.wallet),
    unrealizedProfit: money(unrealized),
    marginBalance: money(venue.wallet + unrealized),
    maintMargin: totals.totalMaintMargin,
    initialMargin: totals.totalInitialMargin,
    positionInitialMargin: totals.totalPositionInitialMargin,
    openOrderInitialMargin: totals.totalOpenOrderInitialMargin,
    crossWalletBalance: money(venue.wallet),
    crossUnPnl: money(unrealized),
    availableBalance: money(available),
    maxWithdrawAmount: totals.maxWithdrawAmount,
    marginAvailable: true,
    updateTime: venue.time(),
  };
  const positions = [...venue.positions.values()].map((p) => {
    const row = positionRiskBody(venue, p) as Record<string, unknown>;
    return version === 3
      ? {
          symbol: row.symbol,
          positionSide: 'BOTH',
          positionAmt: row.positionAmt,
          unrealizedProfit: row.unRealizedProfit,
          isolatedMargin: row.isolatedMargin,
          notional: row.notional,
          isolatedWallet: row.isolatedWallet,
          initialMargin: row.initialMargin,
          maintMargin: row.maintMargin,
          updateTime: p.updateTime,
        }
      : {
          symbol: row.symbol,
          initialMargin: row.initialMargin,
          maintMargin: row.maintMargin,
          unrealizedProfit: row.unRealizedProfit,
          positionInitialMargin: row.positionInitialMargin,
          openOrderInitialMargin: row.openOrderInitialMargin,
          leverage: row.leverage,
          isolated: p.marginType === 'isolated',
          entryPrice: row.entryPrice,
          breakEvenPrice: row.breakEvenPrice,
          maxNotional: row.maxNotionalValue,
          bidNotional: row.bidNotional,
          askNotional: row.askNotional,
          positionSide: 'BOTH',
          positionAmt: row.positionAmt,
          updateTime: p.updateTime,
        };
  });
  return version === 3
    ? { ...totals, assets: [asset], positions }
    : {
        feeTier: 0,
        feeBurn: false,
        canDeposit: true,
        canTrade: true,
        canWithdraw: true,
        updateTime: 0,
        multiAssetsMargin: false,
        tradeGroupId: -1,
        ...totals,
        assets: [asset],
        positions,
      };
};

/** `GET /fapi/v2|v3/balance` row. */
export const balanceBody = (venue: FakeVenue): object[] => [
  {
    accountAlias: 'SgsR',
    asset: 'USDT',
    balance: money(venue.wallet),
    crossWalletBalance: money(venue.wallet),
    crossUnPnl: money(venue.totalUnrealized()),
    availableBalance: money(venue.availableBalance()),
    maxWithdrawAmount: money(Math.max(0, venue.availableBalance())),
    marginAvailable: true,
    updateTime: venue.time(),
  },
];

/** User-data `ORDER_TRADE_UPDATE` event. */
export const orderTradeUpdate = (
  venue: FakeVenue,
  order: VenueOrder,
  execType: string,
  trade?: VenueTrade,
): object => {
  const spec = venue.symbolOf(order.symbol);
  const avg = order.executedQty > 0 ? order.cumQuote / order.executedQty : 0;
  return {
    e: 'ORDER_TRADE_UPDATE',
    T: order.updateTime,
    E: order.updateTime,
    o: {
      s: order.symbol,
      c: order.clientOrderId,
      S: order.side,
      o: order.type,
      f: order.timeInForce,
      q: qtyText(spec, order.origQty),
      p: priceText(spec, order.price),
      ap: priceText(spec, avg),
      sp: priceText(spec, order.stopPrice),
      x: execType,
      X: order.status,
      i: order.orderId,
      l: qtyText(spec, trade?.qty ?? 0),
      z: qtyText(spec, order.executedQty),
      L: priceText(spec, trade?.price ?? 0),
      N: 'USDT',
      n: money(trade?.commission ?? 0),
      T: order.updateTime,
      t: trade?.id ?? 0,
      b: '0',
      a: '0',
      m: trade?.maker ?? false,
      R: order.reduceOnly,
      wt: 'CONTRACT_PRICE',
      ot: order.origType,
      ps: 'BOTH',
      cp: order.closePosition,
      AP: '0',
      cr: '0',
      rp: money(trade?.realizedPnl ?? 0),
      pP: false,
      si: 0,
      ss: 0,
      V: 'NONE',
      pm: 'NONE',
      gtd: 0,
    },
  };
};

/** User-data `ALGO_UPDATE` event. */
export const algoUpdate = (venue: FakeVenue, algo: AlgoOrder): object => {
  const spec = venue.symbolOf(algo.symbol);
  return {
    e: 'ALGO_UPDATE',
    T: algo.updateTime,
    E: algo.updateTime,
    o: {
      caid: algo.clientAlgoId,
      aid: algo.algoId,
      at: 'CONDITIONAL',
      o: algo.type,
      s: algo.symbol,
      S: algo.side,
      ps: 'BOTH',
      f: 'GTC',
      q: qtyText(spec, algo.quantity),
      X: algo.algoStatus,
      ai: algo.actualOrderId === undefined ? '' : String(algo.actualOrderId),
      ap: '0',
      aq: '0',
      act: '0',
      tp: priceText(spec, algo.triggerPrice),
      p: '0',
      V: 'EXPIRE_MAKER',
      wt: 'CONTRACT_PRICE',
      pm: 'NONE',
      cp: algo.closePosition,
      pP: false,
      R: algo.reduceOnly,
      tt: 0,
      gtd: 0,
    },
  };
};

/** User-data `ACCOUNT_UPDATE` event for the symbols that changed. */
export const accountUpdate = (venue: FakeVenue, reason: string, symbols: readonly string[]): object => ({
  e: 'ACCOUNT_UPDATE',
  T: venue.time(),
  E: venue.time(),
  a: {
    m: reason,
    B: [{ a: 'USDT', wb: money(venue.wallet), cw: money(venue.wallet), bc: '0' }],
    P: symbols.map((symbol) => {
      const spec = venue.symbolOf(symbol);
      const p = venue.positions.get(symbol);
      return {
        s: symbol,
        pa: qtyText(spec, p?.amt ?? 0),
        ep: priceText(spec, p?.entryPrice ?? 0),
        bep: priceText(spec, p?.entryPrice ?? 0),
        cr: '0',
        up: money(p === undefined ? 0 : venue.unrealized(p)),
        mt: venue.marginTypeOf(symbol),
        iw: '0',
        ps: 'BOTH',
      };
    }),
  },
});
