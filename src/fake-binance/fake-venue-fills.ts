import type { Kline } from '../domain/index.js';
import { roundToStep } from '../domain/symbol-filters.js';
import { takerPrice } from './fake-venue-checks.js';
import { incomeRecord, type VenueInternals } from './fake-venue-ledger.js';
import { applyToPosition } from './fake-venue-positions.js';
import type { AlgoOrder, FakeSymbol, VenueOrder, VenueTrade } from './fake-venue-types.js';

/**
 * The fake venue's fills: an order filled (position, wallet, trade, income), finished (canceled or
 * expired), a conditional order triggered into a MARKET order, and `next-open` MARKET orders filled
 * at the candle's open. `FakeVenue` decides when; these steps do it through `VenueInternals`.
 */

/** `next-open`: MARKET orders placed since the last candle fill at this one's open ± slippage. */
export function fillWaitingMarketOrders(internals: VenueInternals, candle: Kline): void {
  const { venue, options } = internals;
  if (options.marketFill !== 'next-open') return;
  const spec = venue.symbolOf(candle.symbol);
  for (const order of venue.orders.values()) {
    if (order.symbol !== candle.symbol || order.type !== 'MARKET' || order.status !== 'NEW') continue;
    fillOrder(internals, order, takerPrice(spec, order.side, candle.open, options.slippageBps), false);
  }
}

/** A conditional order fired: it becomes a MARKET order filled at the trigger price ± slippage. */
export function triggerAlgo(
  internals: VenueInternals,
  spec: FakeSymbol,
  algo: AlgoOrder,
  price: number,
): void {
  const { venue } = internals;
  algo.algoStatus = 'TRIGGERING';
  algo.updateTime = internals.now();
  internals.emit({ kind: 'algo', algo });
  const position = venue.positions.get(algo.symbol);
  const closing = position !== undefined && (algo.side === 'SELL' ? position.amt > 0 : position.amt < 0);
  const qty = algo.closePosition ? (closing ? Math.abs(position.amt) : 0) : algo.quantity;
  const wouldIncrease = !closing;
  if (qty === 0 || (algo.reduceOnly && wouldIncrease)) {
    algo.algoStatus = 'EXPIRED';
    internals.emit({ kind: 'algo', algo });
    return;
  }
  const order: VenueOrder = {
    orderId: internals.takeId(),
    clientOrderId: algo.clientAlgoId,
    symbol: algo.symbol,
    side: algo.side,
    type: 'MARKET',
    origType: algo.type,
    timeInForce: 'GTC',
    price: 0,
    stopPrice: algo.triggerPrice,
    origQty: algo.reduceOnly && position !== undefined ? Math.min(qty, Math.abs(position.amt)) : qty,
    executedQty: 0,
    cumQuote: 0,
    status: 'NEW',
    reduceOnly: algo.reduceOnly,
    closePosition: algo.closePosition,
    time: internals.now(),
    updateTime: internals.now(),
  };
  venue.orders.set(order.orderId, order);
  algo.actualOrderId = order.orderId;
  algo.algoStatus = 'TRIGGERED';
  internals.emit({ kind: 'algo', algo });
  internals.emit({ kind: 'order', order, execType: 'NEW' });
  fillOrder(internals, order, takerPrice(spec, order.side, price, internals.options.slippageBps), false);
  algo.algoStatus = 'FINISHED';
  algo.updateTime = internals.now();
  internals.emit({ kind: 'algo', algo });
}

/** Fill what is left of an order at `price`. */
export function fillOrder(internals: VenueInternals, order: VenueOrder, price: number, maker: boolean): void {
  const { venue, options } = internals;
  const qty = order.origQty - order.executedQty;
  const position = venue.positions.get(order.symbol);
  const signed = order.side === 'BUY' ? qty : -qty;
  let fillQty = qty;
  if (order.reduceOnly) {
    // A reduce-only order never opens or flips: it fills at most the position, the rest expires.
    const reducible =
      position !== undefined && Math.sign(position.amt) !== Math.sign(signed) ? Math.abs(position.amt) : 0;
    fillQty = Math.min(qty, reducible);
    if (fillQty === 0) {
      finishOrder(internals, order, 'EXPIRED');
      return;
    }
  }
  const spec = venue.symbolOf(order.symbol);
  fillQty = roundToStep(fillQty, spec.stepSize, 'nearest');
  const rate = maker ? options.makerFeeRate : options.takerFeeRate;
  const quote = fillQty * price;
  const commission = quote * rate;
  const realizedPnl = applyToPosition(
    venue.positions,
    spec,
    order.side === 'BUY' ? fillQty : -fillQty,
    price,
    internals.now(),
    () => ({ leverage: venue.leverageOf(order.symbol), marginType: venue.marginTypeOf(order.symbol) }),
  );
  venue.wallet += realizedPnl - commission;
  order.executedQty = roundToStep(order.executedQty + fillQty, spec.stepSize, 'nearest');
  order.cumQuote += quote;
  order.updateTime = internals.now();
  order.status = order.executedQty >= order.origQty ? 'FILLED' : 'PARTIALLY_FILLED';
  const trade: VenueTrade = {
    id: internals.takeId(),
    orderId: order.orderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    price,
    qty: fillQty,
    quoteQty: quote,
    commission,
    realizedPnl,
    maker,
    time: internals.now(),
  };
  venue.trades.push(trade);
  const tradeId = String(trade.id);
  if (realizedPnl !== 0)
    venue.income.push(incomeRecord(internals, order.symbol, 'REALIZED_PNL', realizedPnl, '', tradeId));
  venue.income.push(incomeRecord(internals, order.symbol, 'COMMISSION', -commission, 'USDT', tradeId));
  internals.emit({ kind: 'order', order, trade, execType: 'TRADE' });
  internals.emit({ kind: 'account', reason: 'ORDER', symbols: [order.symbol] });
  if (order.status === 'PARTIALLY_FILLED' && order.reduceOnly) finishOrder(internals, order, 'EXPIRED');
}

/** End an order that will not fill further, telling the listeners. */
export function finishOrder(
  internals: VenueInternals,
  order: VenueOrder,
  status: 'CANCELED' | 'EXPIRED',
): void {
  order.status = status;
  order.updateTime = internals.now();
  internals.emit({ kind: 'order', order, execType: status === 'CANCELED' ? 'CANCELED' : 'EXPIRED' });
}
