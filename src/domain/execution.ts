import { z } from 'zod';
import { OrderSide, PositionSide, SymbolId, TimestampMs } from './common.js';
import { OrderPurpose, OrderType } from './order.js';
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
  })
  .readonly();
export type Fill = z.infer<typeof Fill>;

export const OrderStatus = z.enum(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The exchange's report on an order after a change (`OrderAccepted`/`OrderFilled`/`OrderRejected`…). */
export const ExecutionResult = z
  .object({
    kind: z.literal('execution'),
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
  })
  .readonly();
export type ExecutionResult = z.infer<typeof ExecutionResult>;

/** A funding settlement on an open position (`FundingPaid`): positive `amountUsdt` is paid by us. */
export const FundingPaid = z
  .object({
    kind: z.literal('funding'),
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
    kind: z.literal('liquidation'),
    symbol: SymbolId,
    ts: TimestampMs,
    positionSide: PositionSide,
    qty: z.number().positive(),
    price: z.number().positive(),
    lossUsdt: z.number(),
  })
  .readonly();
export type PositionLiquidated = z.infer<typeof PositionLiquidated>;
