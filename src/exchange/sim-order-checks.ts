import type { OrderRequest, SymbolFilters } from '../domain/index.js';
import {
  bracketsOf,
  exitSideOf,
  InsufficientFunds,
  InvalidOrder,
  PositionLimitExceeded,
  roundToStep,
} from '../domain/index.js';
import { maxNotionalAtLeverage } from '../domain/position-math.js';
import type { SimPosition } from './sim-order-book.js';

/** What the venue knows when it checks a new order. */
export interface OrderCheckContext {
  readonly filters: SymbolFilters;
  readonly position: SimPosition | undefined;
  /** Last traded price of the symbol; NaN before the first market event. */
  readonly lastPrice: number;
  /** Wallet − used margin − margin reserved by resting entry orders. */
  readonly availableUsdt: number;
  readonly leverage: number;
  /** Fee rate used to estimate the cost of an entry (taker: the conservative estimate). */
  readonly estimatedFeeRate: number;
}

/** Accepted (qty possibly clamped for reduce-only, with a note) or refused with a stable error code. */
export type OrderCheck =
  | { readonly ok: true; readonly qty: number; readonly note?: string }
  | { readonly ok: false; readonly errorCode: string; readonly reason: string };

const onStep = (value: number, step: number): boolean =>
  Math.abs(roundToStep(value, step) - value) <= step * 1e-6;

const invalid = (reason: string): OrderCheck => ({
  ok: false,
  errorCode: new InvalidOrder(reason).code,
  reason,
});

/** Price that values the order's notional: its limit/trigger price, else the last trade. */
export const referencePriceOf = (order: OrderRequest, lastPrice: number): number =>
  order.type === 'LIMIT'
    ? (order.price ?? Number.NaN)
    : order.type === 'MARKET'
      ? lastPrice
      : (order.stopPrice ?? Number.NaN);

/**
 * Margin an order would lock if it fills: the part that opens exposure (beyond an opposite
 * position it first closes) at notional / leverage, plus the estimated fee on the whole qty.
 */
export const requiredMarginUsdt = (
  order: OrderRequest,
  qty: number,
  referencePrice: number,
  position: SimPosition | undefined,
  leverage: number,
  feeRate: number,
): number => {
  if (order.reduceOnly) return 0;
  const closesQty = position !== undefined && order.side === exitSideOf(position.side) ? position.qty : 0;
  const opensQty = Math.max(0, qty - closesQty);
  return (opensQty * referencePrice) / leverage + qty * referencePrice * feeRate;
};

/**
 * The leverage-bracket limit (Binance -2027 "Exceeded the maximum allowable position at current
 * leverage"): the position the order would leave on its side — what it adds to a same-side
 * position, or what is left after closing an opposite one — valued at the reference price, may not
 * exceed the cap of the last bracket that allows the leverage. Returns the reason, or undefined.
 */
const positionCapCheck = (
  order: OrderRequest,
  qty: number,
  referencePrice: number,
  context: OrderCheckContext,
): string | undefined => {
  if (order.reduceOnly) return undefined;
  const { position, leverage } = context;
  const sameSide = position !== undefined && order.side !== exitSideOf(position.side);
  const heldQty = sameSide ? position.qty : 0;
  const closesQty = position !== undefined && !sameSide ? position.qty : 0;
  const notionalUsdt = (heldQty + Math.max(0, qty - closesQty)) * referencePrice;
  const capUsdt = maxNotionalAtLeverage(bracketsOf(context.filters), leverage);
  if (notionalUsdt <= capUsdt) return undefined;
  return `position notional ${notionalUsdt.toFixed(2)} USDT would exceed ${capUsdt} USDT, the maximum at leverage ${leverage} (leverage brackets; Binance -2027); lower the leverage or the qty`;
};

/**
 * Binance-style checks of a new order: prices on tick, qty on step and within [minQty, maxQty]
 * (MARKET: the MARKET_LOT_SIZE max), notional ≥ minNotional (not for reduce-only), leverage ≤
 * maxLeverage (the first bracket's), the position within the bracket cap for its leverage
 * (`positionCapCheck`), enough available margin for an entry, and reduce-only consistency (clamped to the position; refused when it would
 * increase the position, or — for MARKET/LIMIT — when there is no position at all; a reduce-only
 * STOP/TAKE_PROFIT may rest before its entry fills and only acts while a position exists).
 */
export const checkOrder = (order: OrderRequest, context: OrderCheckContext): OrderCheck => {
  const { filters, position } = context;
  const where = `${order.symbol} order ${order.clientOrderId}`;
  if (order.type === 'LIMIT' && order.price === undefined) {
    return invalid(`${where}: LIMIT needs a price; set order.price`);
  }
  if (
    (order.type === 'STOP_MARKET' || order.type === 'TAKE_PROFIT_MARKET') &&
    order.stopPrice === undefined
  ) {
    return invalid(`${where}: ${order.type} needs a stopPrice; set order.stopPrice`);
  }
  for (const price of [order.price, order.stopPrice]) {
    if (price !== undefined && !onStep(price, filters.tickSize)) {
      return invalid(
        `${where}: price ${price} is not on tickSize ${filters.tickSize}; round with roundToStep(price, ${filters.tickSize})`,
      );
    }
  }
  if (!onStep(order.qty, filters.stepSize)) {
    return invalid(
      `${where}: qty ${order.qty} is not a multiple of stepSize ${filters.stepSize}; round with roundToStep(qty, ${filters.stepSize}, 'down')`,
    );
  }
  // MARKET orders have their own maximum (Binance MARKET_LOT_SIZE).
  const maxQty = order.type === 'MARKET' ? (filters.marketMaxQty ?? filters.maxQty) : filters.maxQty;
  if (order.qty < filters.minQty || order.qty > maxQty) {
    return invalid(`${where}: qty ${order.qty} outside [minQty ${filters.minQty}, maxQty ${maxQty}]`);
  }
  if (context.leverage > filters.maxLeverage) {
    return invalid(`${where}: leverage ${context.leverage} above maxLeverage ${filters.maxLeverage}`);
  }
  let qty = order.qty;
  let note: string | undefined;
  if (order.reduceOnly) {
    const reduces = position !== undefined && order.side === exitSideOf(position.side);
    if (position !== undefined && !reduces) {
      return invalid(`${where}: reduce-only ${order.side} would increase the ${position.side} position`);
    }
    if (position === undefined && (order.type === 'MARKET' || order.type === 'LIMIT')) {
      return invalid(`${where}: reduce-only ${order.type} but no open position to reduce`);
    }
    if (position !== undefined && qty > position.qty) {
      note = `reduce-only qty clamped from ${qty} to position size ${position.qty}`;
      qty = position.qty;
    }
  }
  const referencePrice = referencePriceOf(order, context.lastPrice);
  if (Number.isNaN(referencePrice)) {
    return invalid(`${where}: no market price seen yet for ${order.symbol}; feed a market event first`);
  }
  if (!order.reduceOnly && qty * referencePrice < filters.minNotionalUsdt) {
    return invalid(
      `${where}: notional ${(qty * referencePrice).toFixed(4)} USDT below minNotional ${filters.minNotionalUsdt}; raise qty`,
    );
  }
  const overCap = positionCapCheck(order, qty, referencePrice, context);
  if (overCap !== undefined) {
    const reason = `${where}: ${overCap}`;
    return { ok: false, errorCode: new PositionLimitExceeded(reason).code, reason };
  }
  const required = requiredMarginUsdt(
    order,
    qty,
    referencePrice,
    position,
    context.leverage,
    context.estimatedFeeRate,
  );
  // A reduce-only order never needs margin: a stop must be accepted even when the account is stretched.
  if (!order.reduceOnly && required > context.availableUsdt) {
    const reason = `${where}: needs ${required.toFixed(4)} USDT initial margin + fee, available ${context.availableUsdt.toFixed(4)}; lower qty or raise leverage`;
    return { ok: false, errorCode: new InsufficientFunds(reason).code, reason };
  }
  return note === undefined ? { ok: true, qty } : { ok: true, qty, note };
};
