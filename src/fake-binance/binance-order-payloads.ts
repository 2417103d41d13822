import { money, priceText, qtyText } from './binance-number-text.js';
import type { AlgoOrder, FakeVenue, VenueOrder, VenueTrade } from './fake-venue.js';

/**
 * Order payloads in Binance USDⓈ-M's JSON shapes: order, algo order and trade REST bodies, and the
 * user-data `ORDER_TRADE_UPDATE` and `ALGO_UPDATE` events.
 */

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
