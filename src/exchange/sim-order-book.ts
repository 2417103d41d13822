import type {
  ExecutionResult,
  Fill,
  LeverageBracket,
  OrderRequest,
  OrderStatus,
  SymbolFilters,
} from '../domain/index.js';
import { exitSideOf } from '../domain/index.js';
import type { PositionState } from '../domain/position-math.js';

/**
 * Internal state of `SimExchange`: one resting order and one symbol's book. Mutable on purpose
 * (the venue's private memory); everything that leaves the venue is a fresh readonly event.
 */

/** A record under construction: optional keys are set after the literal. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An order the simulator accepted. */
export interface SimOrder {
  readonly request: OrderRequest;
  /** Creation sequence: breaks ties between orders triggered at the same price (older first). */
  readonly seq: number;
  /** Market-event sequence number when it was created: only later events may match it. */
  readonly createdAtEventSeq: number;
  /** `order.ts + latencyMs`: the first market event at or after this instant makes it live. */
  readonly activeAtTs: number;
  readonly leverage: number;
  /** −1: triggers when price falls to `triggerLevel`; +1: when it rises to it; 0: MARKET (fills on arrival). */
  readonly triggerDir: -1 | 0 | 1;
  readonly triggerLevel: number;
  /** LIMIT orders need the price to trade through the level (strict); stops trigger on touch. */
  readonly strict: boolean;
  /** Order size; a reduce-only order is clamped down to the position it reduces. */
  qty: number;
  filledQty: number;
  filledNotionalUsdt: number;
  feeUsdt: number;
  status: OrderStatus;
  /** Whether it reached the matching engine (latency elapsed). */
  arrived: boolean;
  /** Market-event sequence number whose volume share this LIMIT order has used up. */
  exhaustedEventSeq: number;
  /** Market-event sequence number `capFilledQty` counts for (volume-share cap per event). */
  capEventSeq: number;
  capFilledQty: number;
  /** The latest report, re-sent when the same clientOrderId is submitted again. */
  last: ExecutionResult;
}

/** An open position as the venue keeps it. */
export interface SimPosition extends PositionState {
  readonly openedTs: number;
  readonly intentId: string;
  readonly liquidationPrice: number;
}

/** Everything the venue knows about one symbol. */
export interface SymbolBook {
  readonly symbol: string;
  /** The venue's rules for the symbol: bundled Binance filters and brackets, config overrides on top. */
  readonly filters: SymbolFilters;
  /** Leverage brackets for maintenance margin and liquidation price (`bracketsOf(filters)`). */
  readonly brackets: readonly LeverageBracket[];
  /** Open orders in creation order. */
  readonly orders: SimOrder[];
  position: SimPosition | undefined;
  /** Last traded price (kline close or tick price); NaN before the first event. */
  lastPrice: number;
  /** (high − low) / close of the last candle, for the volatility slippage model. */
  lastRangeFraction: number;
  /** Ts of the last market event; NaN before the first one. */
  lastTs: number;
  /** Latest funding instant already settled. */
  lastFundingTs: number;
  /**
   * Whether the symbol's candles have carried a funding rate from data: from then on its funding
   * comes from the data alone (every settlement it lists, at its own interval), not the grid.
   */
  fundingFromData: boolean;
}

export const isOpenStatus = (status: OrderStatus): boolean =>
  status === 'NEW' || status === 'TRIGGERED' || status === 'PARTIALLY_FILLED';

/** Where an order triggers: see `SimOrder.triggerDir`. */
export const triggerOf = (
  request: OrderRequest,
): { readonly dir: -1 | 0 | 1; readonly level: number; readonly strict: boolean } => {
  const buy = request.side === 'BUY';
  switch (request.type) {
    case 'STOP_MARKET':
      return { dir: buy ? 1 : -1, level: request.stopPrice ?? Number.NaN, strict: false };
    case 'TAKE_PROFIT_MARKET':
      return { dir: buy ? -1 : 1, level: request.stopPrice ?? Number.NaN, strict: false };
    case 'LIMIT':
      return { dir: buy ? -1 : 1, level: request.price ?? Number.NaN, strict: true };
    default:
      return { dir: 0, level: Number.NaN, strict: false };
  }
};

/** The venue's id of an order: its creation sequence, from 1 (Binance's `orderId` is a number too). */
export const venueOrderIdOf = (order: Pick<SimOrder, 'seq'>): string => String(order.seq + 1);

/** The venue's report on an order after a change. Optional keys are omitted, not `undefined`. */
export const executionResultOf = (
  order: Omit<SimOrder, 'last'>,
  ts: number,
  fills: readonly Fill[],
  reason?: string,
  errorCode?: string,
): ExecutionResult => {
  const request = order.request;
  // Optional keys are added after the literal (in one fixed order): a spread of conditional
  // objects takes V8's slow path on every order report.
  const result: Mutable<ExecutionResult> = {
    kind: 'execution-result',
    clientOrderId: request.clientOrderId,
    intentId: request.intentId,
    symbol: request.symbol,
    ts,
    side: request.side,
    type: request.type,
    purpose: request.purpose,
    status: order.status,
    qty: order.qty,
    filledQty: order.filledQty,
    avgPrice: order.filledQty > 0 ? order.filledNotionalUsdt / order.filledQty : 0,
    feeUsdt: order.feeUsdt,
    fills,
  };
  if (reason !== undefined) result.reason = reason;
  if (errorCode !== undefined) result.errorCode = errorCode;
  // A refused order never reached the book: it has no venue id.
  if (order.status !== 'REJECTED') result.venueOrderId = venueOrderIdOf(order);
  return result;
};

/** Exit reason a fill of this order carries (TradeClosed.reason when it closes a position). */
export const exitReasonOf = (request: OrderRequest): Fill['exitReason'] => {
  if (request.exitReason !== undefined) return request.exitReason;
  if (request.purpose === 'STOP_LOSS') return 'STOP_LOSS';
  if (request.purpose === 'TAKE_PROFIT') return 'TAKE_PROFIT';
  if (request.purpose === 'EXIT') return 'SIGNAL_EXIT';
  return undefined;
};

/** A fresh order record (no fills yet) with its trigger derived from the request. */
export const newSimOrder = (
  request: OrderRequest,
  init: {
    readonly seq: number;
    readonly createdAtEventSeq: number;
    readonly activeAtTs: number;
    readonly leverage: number;
    readonly qty: number;
    readonly status: OrderStatus;
  },
): Omit<SimOrder, 'last'> => {
  const trigger = triggerOf(request);
  return {
    request,
    ...init,
    triggerDir: trigger.dir,
    triggerLevel: trigger.level,
    strict: trigger.strict,
    filledQty: 0,
    filledNotionalUsdt: 0,
    feeUsdt: 0,
    arrived: false,
    exhaustedEventSeq: -1,
    capEventSeq: -1,
    capFilledQty: 0,
  };
};

export const NO_HIT = Number.NaN;

/**
 * Where along the segment `cur → to` (direction `dir`) a trigger at `level` is reached, or NaN.
 * `triggerDir` −1 fires when price falls to the level, +1 when it rises to it; a level already
 * beyond the current price fires at once (at `cur`: a gap). `strict`: the price must trade through.
 */
export const hitOf = (
  triggerDir: -1 | 1,
  level: number,
  strict: boolean,
  cur: number,
  to: number,
  dir: -1 | 1,
): number => {
  if (triggerDir === -1) {
    const threshold = dir === -1 ? to : cur;
    if (strict ? level > threshold : level >= threshold) return dir === -1 ? Math.min(level, cur) : cur;
    return NO_HIT;
  }
  const threshold = dir === 1 ? to : cur;
  if (strict ? level < threshold : level <= threshold) return dir === 1 ? Math.max(level, cur) : cur;
  return NO_HIT;
};

/**
 * Whether a price in [low, high] (the candle's whole path) could fire the liquidation or a resting
 * trigger: a −1 trigger fires when price falls to its level, so only if low reaches it; a +1 trigger
 * only if high does. False means every walk over the candle's path would return without a hit.
 */
export const reachesTrigger = (book: SymbolBook, low: number, high: number): boolean => {
  const position = book.position;
  if (position !== undefined && position.liquidationPrice > 0) {
    if (position.side === 'LONG' ? low <= position.liquidationPrice : high >= position.liquidationPrice)
      return true;
  }
  const orders = book.orders;
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i];
    if (order.triggerDir === 0 || !order.arrived) continue;
    if (order.triggerDir === -1 ? low <= order.triggerLevel : high >= order.triggerLevel) return true;
  }
  return false;
};

/** The fill that closes a liquidated position at its liquidation price (the clearance fee as its fee). */
export const liquidationFillOf = (
  symbol: string,
  position: SimPosition,
  ts: number,
  feeUsdt: number,
  venueTradeId: string,
): Fill => ({
  kind: 'fill',
  clientOrderId: `autoclose-${ts}`,
  intentId: position.intentId,
  symbol,
  ts,
  side: exitSideOf(position.side),
  positionSide: position.side,
  purpose: 'EXIT',
  qty: position.qty,
  price: position.liquidationPrice,
  feeUsdt,
  liquidity: 'TAKER',
  slippageUsdt: 0,
  reduceOnly: true,
  exitReason: 'LIQUIDATION',
  leverage: position.leverage,
  venueOrderId: `liquidation-${ts}`,
  venueTradeId,
});

/** Whether a reduce-only order has a position to reduce (it waits otherwise). */
export const reduces = (book: SymbolBook, order: SimOrder): boolean =>
  book.position !== undefined && order.request.side === exitSideOf(book.position.side);

/** The MARKET exit `close()` sends for a position still open at the end of data. */
export const endOfDataOrder = (symbol: string, position: SimPosition, ts: number): SimOrder => {
  const request: OrderRequest = {
    kind: 'order-request',
    clientOrderId: `eod-${symbol}`.slice(0, 36),
    intentId: position.intentId,
    symbol,
    ts,
    side: exitSideOf(position.side),
    type: 'MARKET',
    qty: position.qty,
    reduceOnly: true,
    purpose: 'EXIT',
    positionSide: position.side,
    exitReason: 'END_OF_DATA',
    reason: 'end of data',
  };
  const init = { seq: -1, createdAtEventSeq: -1, activeAtTs: ts, leverage: position.leverage };
  const state = newSimOrder(request, { ...init, qty: position.qty, status: 'NEW' });
  return { ...state, last: executionResultOf(state, ts, []) };
};
