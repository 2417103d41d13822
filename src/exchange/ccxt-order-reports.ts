import { z } from 'zod';
import {
  DEFAULT_SYMBOL_FILTERS,
  type ExecutionResult,
  type Fill,
  type OrderRequest,
  type OrderStatus,
  type Position,
  type SymbolFilters,
} from '../domain/index.js';
import { applyFill, type PositionState } from '../domain/position-math.js';
import { exitReasonOf } from './sim-order-book.js';

/** Binance's `ORDER_TRADE_UPDATE.o`, the fields we read. */
export const OrderUpdate = z.object({
  s: z.string(),
  c: z.string(),
  S: z.enum(['BUY', 'SELL']),
  X: z.string(),
  x: z.string(),
  i: z.coerce.number(),
  q: z.coerce.number(),
  z: z.coerce.number(),
  l: z.coerce.number(),
  L: z.coerce.number(),
  n: z.coerce.number().optional(),
  N: z.string().nullable().optional(),
  t: z.coerce.number(),
  T: z.coerce.number(),
  m: z.boolean().optional(),
});
/** Binance's `ALGO_UPDATE.o`, the fields we read. */
export const AlgoUpdate = z.object({
  caid: z.string(),
  aid: z.coerce.number(),
  s: z.string(),
  X: z.string(),
  ai: z.string().optional(),
});
/** A row of `GET /fapi/v1/userTrades`. */
export const UserTrade = z.object({
  id: z.coerce.number(),
  orderId: z.coerce.number(),
  symbol: z.string(),
  price: z.coerce.number(),
  qty: z.coerce.number(),
  commission: z.coerce.number(),
  commissionAsset: z.string(),
  maker: z.boolean(),
  time: z.coerce.number(),
});

/** What we know about one of our orders at the venue. */
export interface Tracked {
  readonly request: OrderRequest;
  venueOrderId?: string;
  /** The conditional order's id at the venue (stops and take-profits). */
  algoId?: string;
  status: OrderStatus;
  filledQty: number;
  filledNotional: number;
  feeUsdt: number;
  readonly tradeIds: Set<string>;
  accepted: boolean;
}

/** A position held at the venue, with what the engine knows of it. */
export type HeldPosition = PositionState & { openedTs: number; intentId: string; markPrice: number };

/** A fresh record of an order (`accepted` when the venue already holds it). */
export const trackedOf = (request: OrderRequest, accepted: boolean): Tracked => ({
  request,
  status: 'NEW',
  filledQty: 0,
  filledNotional: 0,
  feeUsdt: 0,
  tradeIds: new Set(),
  accepted,
});

export const OPEN: ReadonlySet<OrderStatus> = new Set(['NEW', 'TRIGGERED', 'PARTIALLY_FILLED']);
export const isConditional = (type: OrderRequest['type']): boolean =>
  type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';

/** Binance filters of a market (`info.filters`) as our `SymbolFilters`. */
export const filtersOfMarket = (
  info: { filters?: readonly Record<string, unknown>[] },
  mmr: number,
  maxLeverage: number,
): SymbolFilters => {
  const filter = (type: string): Record<string, unknown> =>
    info.filters?.find((f) => f.filterType === type) ?? {};
  const number = (value: unknown, fallback: number): number => {
    const parsed = Number(value);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
  };
  const price = filter('PRICE_FILTER');
  const lot = filter('LOT_SIZE');
  return {
    tickSize: number(price.tickSize, DEFAULT_SYMBOL_FILTERS.tickSize),
    stepSize: number(lot.stepSize, DEFAULT_SYMBOL_FILTERS.stepSize),
    minQty: number(lot.minQty, DEFAULT_SYMBOL_FILTERS.minQty),
    maxQty: number(lot.maxQty, DEFAULT_SYMBOL_FILTERS.maxQty),
    minNotionalUsdt: number(filter('MIN_NOTIONAL').notional, DEFAULT_SYMBOL_FILTERS.minNotionalUsdt),
    maintenanceMarginRate: mmr,
    maxLeverage,
  };
};

/** The order's execution report as it stands, carrying the given fills. */
export const statusReportOf = (
  tracked: Tracked,
  ts: number,
  fills: readonly Fill[],
  reason?: string,
): ExecutionResult => {
  const order = tracked.request;
  const report: { -readonly [K in keyof ExecutionResult]: ExecutionResult[K] } = {
    kind: 'execution-result',
    clientOrderId: order.clientOrderId,
    intentId: order.intentId,
    symbol: order.symbol,
    ts,
    side: order.side,
    type: order.type,
    purpose: order.purpose,
    status: tracked.status,
    qty: order.qty,
    filledQty: tracked.filledQty,
    avgPrice: tracked.filledQty > 0 ? tracked.filledNotional / tracked.filledQty : 0,
    feeUsdt: tracked.feeUsdt,
    fills,
  };
  if (reason !== undefined) report.reason = reason;
  return withIdsOf(tracked, report);
};

/** The report with the order's venue id (plain, or the conditional order's), when known. */
export const withIdsOf = (tracked: Tracked, report: ExecutionResult): ExecutionResult => {
  const id = tracked.venueOrderId ?? tracked.algoId;
  return id === undefined ? report : { ...report, venueOrderId: id };
};

/** A user-data message: an order update, an algo (conditional) order update, or not understood. */
export type StreamUpdate =
  | { readonly kind: 'order'; readonly update: z.infer<typeof OrderUpdate> }
  | { readonly kind: 'algo'; readonly update: z.infer<typeof AlgoUpdate> }
  | { readonly kind: 'unknown' };

export const parseStreamUpdate = (info: unknown): StreamUpdate => {
  const plain = OrderUpdate.safeParse(info);
  if (plain.success) return { kind: 'order', update: plain.data };
  const algo = AlgoUpdate.safeParse(info);
  if (algo.success) return { kind: 'algo', update: algo.data };
  return { kind: 'unknown' };
};

/** A held position as the port reports it (`fetchPositions`). */
export const positionOf = (symbol: string, p: HeldPosition): Position => ({
  symbol,
  side: p.side,
  qty: p.qty,
  entryPrice: p.entryPrice,
  leverage: p.leverage,
  marginUsdt: p.marginUsdt,
  liquidationPrice: 0,
  markPrice: p.markPrice,
  unrealizedPnlUsdt: (p.markPrice - p.entryPrice) * p.qty * (p.side === 'LONG' ? 1 : -1),
  openedTs: p.openedTs,
  intentId: p.intentId,
});

/** The position after one of the order's executions (`undefined`: flat). */
export const heldAfterFill = (
  held: HeldPosition | undefined,
  order: OrderRequest,
  qty: number,
  price: number,
  leverage: number,
  ts: number,
): HeldPosition | undefined => {
  const outcome = applyFill(held, { side: order.side, qty, price, leverage, reduceOnly: order.reduceOnly });
  if (outcome.position === undefined) return undefined;
  const opened = held === undefined || outcome.closedPosition;
  return {
    ...outcome.position,
    openedTs: opened ? ts : held.openedTs,
    intentId: opened ? order.intentId : held.intentId,
    markPrice: price,
  };
};

/** The fill event of one execution of a tracked order. */
export const fillOf = (
  tracked: Tracked,
  tradeId: string,
  qty: number,
  price: number,
  fee: number,
  maker: boolean,
  leverage: number,
  ts: number,
): Fill => {
  const order = tracked.request;
  const fill: { -readonly [K in keyof Fill]: Fill[K] } = {
    kind: 'fill',
    clientOrderId: order.clientOrderId,
    intentId: order.intentId,
    symbol: order.symbol,
    ts,
    side: order.side,
    positionSide: order.positionSide,
    purpose: order.purpose,
    qty,
    price,
    feeUsdt: fee,
    liquidity: maker ? 'MAKER' : 'TAKER',
    slippageUsdt: 0,
    reduceOnly: order.reduceOnly,
    leverage,
    venueTradeId: tradeId,
  };
  if (tracked.venueOrderId !== undefined) fill.venueOrderId = tracked.venueOrderId;
  const exitReason = exitReasonOf(order);
  if (exitReason !== undefined) fill.exitReason = exitReason;
  return fill;
};
