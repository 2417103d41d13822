import { roundToStep } from '../domain/symbol-filters.js';
import { BinanceApiError } from './binance-errors.js';
import type { FakeVenue } from './fake-venue.js';
import type { FakeSymbol, PlaceAlgoOrderRequest, PlaceOrderRequest, Side } from './fake-venue-types.js';

/**
 * The fake venue's order validation — Binance's filter, precision, margin and trigger checks,
 * throwing `BinanceApiError` as Binance answers — and its price rounding helpers.
 */

/**
 * A taker's price: `price` moved against the taker by the slippage, on the nearest tick — the
 * simulator's rounding, so the same slippage gives the same fill on both venues.
 */
export function takerPrice(spec: FakeSymbol, side: Side, price: number, slippageBps: number): number {
  const slip = slippageBps / 10_000;
  return side === 'BUY'
    ? roundToStep(price * (1 + slip), spec.tickSize, 'nearest')
    : roundToStep(price * (1 - slip), spec.tickSize, 'nearest');
}

export function checkQty(spec: FakeSymbol, qty: number): void {
  if (!(qty > 0) || Math.abs(roundToStep(qty, spec.stepSize, 'nearest') - qty) > spec.stepSize * 1e-9) {
    throw new BinanceApiError(-1111, 'Precision is over the maximum defined for this asset.', 400);
  }
  if (qty < spec.minQty) throw new BinanceApiError(-4003, 'Quantity less than or equal to zero.', 400);
  if (qty > spec.maxQty) throw new BinanceApiError(-4005, 'Quantity greater than max quantity.', 400);
}

export function checkPrice(spec: FakeSymbol, price: number): void {
  if (!(price > 0)) throw new BinanceApiError(-4001, 'Price less than 0.', 400);
  if (Math.abs(roundToStep(price, spec.tickSize, 'nearest') - price) > spec.tickSize * 1e-9) {
    throw new BinanceApiError(-4014, 'Price not increased by tick size.', 400);
  }
}

/** What an accepted order request resolves to. */
export interface CheckedOrder {
  /** The symbol's last price when the order arrived. */
  readonly last: number;
  /** The LIMIT price (0 for MARKET). */
  readonly price: number;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  /** A LIMIT order that crosses the last price on arrival. */
  readonly marketable: boolean;
}

/** Validate an order request against the venue's state; throws `BinanceApiError` as Binance answers. */
export function checkOrderRequest(
  venue: FakeVenue,
  spec: FakeSymbol,
  request: PlaceOrderRequest,
  clientOrderId: string,
  slippageBps: number,
): CheckedOrder {
  for (const o of venue.orders.values()) {
    if (o.clientOrderId === clientOrderId && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')) {
      throw new BinanceApiError(-4116, 'ClientOrderId is duplicated.', 400);
    }
  }
  checkQty(spec, request.quantity);
  if (request.type === 'MARKET' && request.quantity > (spec.marketMaxQty ?? spec.maxQty)) {
    throw new BinanceApiError(-4005, 'Quantity greater than max quantity.', 400);
  }
  const last = venue.priceOf(request.symbol);
  let price = 0;
  if (request.type === 'LIMIT') {
    if (request.price === undefined)
      throw new BinanceApiError(
        -1102,
        "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
        400,
      );
    checkPrice(spec, request.price);
    price = request.price;
  }
  // A MARKET order is valued where it will fill: the last price moved by the slippage.
  const valuePrice = request.type === 'LIMIT' ? price : takerPrice(spec, request.side, last, slippageBps);
  if (!request.reduceOnly && request.quantity * valuePrice < spec.minNotional) {
    throw new BinanceApiError(
      -4164,
      `Order's notional must be no smaller than ${spec.minNotional} (unless you choose reduce only).`,
      400,
    );
  }
  const position = venue.positions.get(request.symbol);
  const signed = request.side === 'BUY' ? request.quantity : -request.quantity;
  if (request.reduceOnly && (position === undefined || Math.sign(position.amt) === Math.sign(signed))) {
    throw new BinanceApiError(-2022, 'ReduceOnly Order is rejected.', 400);
  }
  const increases =
    position === undefined ||
    Math.sign(position.amt) === Math.sign(signed) ||
    Math.abs(signed) > Math.abs(position.amt);
  if (!request.reduceOnly && increases) {
    const opening =
      position === undefined || Math.sign(position.amt) === Math.sign(signed)
        ? request.quantity
        : request.quantity - Math.abs(position.amt);
    const margin = (opening * valuePrice) / venue.leverageOf(request.symbol);
    if (margin > venue.availableBalance() + 1e-9)
      throw new BinanceApiError(-2019, 'Margin is insufficient.', 400);
  }
  const timeInForce = request.type === 'MARKET' ? 'GTC' : (request.timeInForce ?? 'GTC');
  const marketable = request.type === 'LIMIT' && (request.side === 'BUY' ? price >= last : price <= last);
  if (timeInForce === 'GTX' && marketable) {
    throw new BinanceApiError(
      -5022,
      'Due to the order could not be executed as maker, the Post Only order will be rejected.',
      400,
    );
  }
  return { last, price, timeInForce, marketable };
}

/** What an accepted conditional order request resolves to. */
export interface CheckedAlgoOrder {
  /** The symbol's last price when the order arrived. */
  readonly last: number;
  /** The trigger price (0 for a trailing stop). */
  readonly triggerPrice: number;
}

/** Validate a conditional order request; throws `BinanceApiError` as Binance answers. */
export function checkAlgoOrderRequest(
  venue: FakeVenue,
  spec: FakeSymbol,
  request: PlaceAlgoOrderRequest,
  clientAlgoId: string,
): CheckedAlgoOrder {
  for (const a of venue.algoOrders.values()) {
    if (a.clientAlgoId === clientAlgoId && a.algoStatus === 'NEW') {
      throw new BinanceApiError(-4116, 'ClientOrderId is duplicated.', 400);
    }
  }
  if (!request.closePosition) {
    if (request.quantity === undefined)
      throw new BinanceApiError(
        -1102,
        "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
        400,
      );
    checkQty(spec, request.quantity);
  }
  const last = venue.priceOf(request.symbol);
  let triggerPrice = 0;
  if (request.type === 'TRAILING_STOP_MARKET') {
    const rate = request.callbackRate ?? 0;
    if (!(rate >= 0.1 && rate <= 10)) throw new BinanceApiError(-2007, 'Invalid callBackRate.', 400);
  } else {
    if (request.triggerPrice === undefined)
      throw new BinanceApiError(
        -1102,
        "Mandatory parameter 'triggerPrice' was not sent, was empty/null, or malformed.",
        400,
      );
    checkPrice(spec, request.triggerPrice);
    triggerPrice = request.triggerPrice;
    const isStop = request.type === 'STOP_MARKET';
    // A stop above the market for a buy (below for a sell); a take-profit the other way.
    const immediate = (request.side === 'BUY') === isStop ? triggerPrice <= last : triggerPrice >= last;
    if (immediate) throw new BinanceApiError(-2021, 'Order would immediately trigger.', 400);
  }
  return { last, triggerPrice };
}
