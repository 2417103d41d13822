import { z } from 'zod';
import { OrderSide, PositionSide, SymbolId, TimestampMs } from './common.js';
import { OrderPurpose, type OrderRequest, OrderType } from './order.js';
import { ExitReason } from './position.js';

/** One execution against the book (`OrderFilled`). Fees are always accounted (DESIGN.md rule 6). */
export const Fill = z
  .object({
    kind: z.literal('fill'),
    clientOrderId: z.string(),
    intentId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    side: OrderSide,
    positionSide: PositionSide,
    purpose: OrderPurpose,
    qty: z.number().positive(),
    price: z.number().positive(),
    feeUsdt: z.number().nonnegative(),
    liquidity: z.enum(['MAKER', 'TAKER']),
    /** Slippage paid against the reference price, in USDT (already inside `price`). */
    slippageUsdt: z.number(),
    reduceOnly: z.boolean(),
    /** Copied from the order: why the trade closes when this fill reduces a position. */
    exitReason: ExitReason.optional(),
    /** Leverage of the position this fill opened or changed (isolated margin = notional / leverage). */
    leverage: z.number().positive().optional(),
    /** The venue's id of the order (Binance `orderId`). */
    venueOrderId: z.string().optional(),
    /** The venue's id of this execution (Binance trade `id`): a fill reported twice (websocket and REST) is applied once. */
    venueTradeId: z.string().optional(),
  })
  .readonly();
export type Fill = z.infer<typeof Fill>;

/**
 * An order's status after a change, the past-tense lifecycle of DESIGN.md §1a: NEW = accepted,
 * REJECTED, TRIGGERED (a stop or take-profit reached its trigger and goes to the book as a market
 * order — Binance's conditional orders report it so), PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED.
 */
export const OrderStatus = z.enum([
  'NEW',
  'TRIGGERED',
  'PARTIALLY_FILLED',
  'FILLED',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The exchange's report on an order after a change (`OrderAccepted`/`OrderFilled`/`OrderRejected`…). */
export const ExecutionResult = z
  .object({
    kind: z.literal('execution-result'),
    clientOrderId: z.string(),
    intentId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    side: OrderSide,
    type: OrderType,
    purpose: OrderPurpose,
    status: OrderStatus,
    qty: z.number().positive(),
    filledQty: z.number().nonnegative(),
    avgPrice: z.number().nonnegative(),
    feeUsdt: z.number().nonnegative(),
    fills: z.array(Fill).readonly(),
    reason: z.string().optional(),
    /** Stable error code when rejected (see errors.ts). */
    errorCode: z.string().optional(),
    /** The venue's id of the order (Binance `orderId`); absent when it refused the order. */
    venueOrderId: z.string().optional(),
    /** Trigger price of a STOP_MARKET / TAKE_PROFIT_MARKET (set in status reports). */
    stopPrice: z.number().positive().optional(),
    /** Limit price of a LIMIT order (set in status reports). */
    price: z.number().positive().optional(),
    /** Position side the order belongs to (set in status reports). */
    positionSide: PositionSide.optional(),
    /** A status report the venue gave on connect (reconciliation), not a change. */
    reconciliation: z.literal(true).optional(),
  })
  .readonly();
export type ExecutionResult = z.infer<typeof ExecutionResult>;

/**
 * The venue's account on connect (`AccountStatusReport`, reconciliation): the wallet the engine's
 * account view starts from — equity comes from the venue, not from a config parameter.
 */
export const AccountStatusReport = z
  .object({
    kind: z.literal('account-status-report'),
    ts: TimestampMs,
    /** Binance's walletBalance: deposits + realized PnL − fees − funding. */
    walletUsdt: z.number(),
    reconciliation: z.literal(true),
  })
  .readonly();
export type AccountStatusReport = z.infer<typeof AccountStatusReport>;

/** A position the venue holds on connect (`PositionStatusReport`, reconciliation). */
export const PositionStatusReport = z
  .object({
    kind: z.literal('position-status-report'),
    symbol: SymbolId,
    ts: TimestampMs,
    side: PositionSide,
    qty: z.number().positive(),
    entryPrice: z.number().positive(),
    leverage: z.number().positive(),
    markPrice: z.number().positive(),
    openedTs: TimestampMs,
    /** The intent that opened it when the venue knows it (our clientOrderIds carry it), else an adopted id. */
    intentId: z.string(),
    reconciliation: z.literal(true),
  })
  .readonly();
export type PositionStatusReport = z.infer<typeof PositionStatusReport>;

/** The venue finished reporting its state on connect (`ReconciliationCompleted`). */
export const ReconciliationCompleted = z
  .object({
    kind: z.literal('reconciliation-completed'),
    ts: TimestampMs,
    positions: z.number().int().nonnegative(),
    orders: z.number().int().nonnegative(),
  })
  .readonly();
export type ReconciliationCompleted = z.infer<typeof ReconciliationCompleted>;

/** A funding settlement on an open position (`FundingPaid`): positive `amountUsdt` is paid by us. */
export const FundingPaid = z
  .object({
    kind: z.literal('funding-paid'),
    symbol: SymbolId,
    ts: TimestampMs,
    positionSide: PositionSide,
    rate: z.number(),
    markPrice: z.number().positive(),
    qty: z.number().positive(),
    amountUsdt: z.number(),
  })
  .readonly();
export type FundingPaid = z.infer<typeof FundingPaid>;

/** The exchange liquidated an isolated position (`PositionLiquidated`). */
export const PositionLiquidated = z
  .object({
    kind: z.literal('position-liquidated'),
    symbol: SymbolId,
    ts: TimestampMs,
    positionSide: PositionSide,
    qty: z.number().positive(),
    price: z.number().positive(),
    lossUsdt: z.number(),
  })
  .readonly();
export type PositionLiquidated = z.infer<typeof PositionLiquidated>;

/**
 * A venue's report on an order that has no fill yet: accepted (`NEW`), refused (`REJECTED`, with
 * the reason and a stable error code), or cancelled/expired untouched.
 */
export const unfilledReportOf = (
  order: OrderRequest,
  status: 'NEW' | 'REJECTED' | 'CANCELED' | 'EXPIRED',
  details: { readonly ts?: number; readonly reason?: string; readonly errorCode?: string } = {},
): ExecutionResult => {
  const report: { -readonly [K in keyof ExecutionResult]: ExecutionResult[K] } = {
    kind: 'execution-result',
    clientOrderId: order.clientOrderId,
    intentId: order.intentId,
    symbol: order.symbol,
    ts: details.ts ?? order.ts,
    side: order.side,
    type: order.type,
    purpose: order.purpose,
    status,
    qty: order.qty,
    filledQty: 0,
    avgPrice: 0,
    feeUsdt: 0,
    fills: [],
  };
  if (details.reason !== undefined) report.reason = details.reason;
  if (details.errorCode !== undefined) report.errorCode = details.errorCode;
  return report;
};
