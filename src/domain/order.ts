import { z } from 'zod';
import { exitSideOf, OrderSide, PositionSide, SymbolId, TimestampMs } from './common.js';
import { ExitReason } from './position.js';

export const OrderType = z.enum(['MARKET', 'LIMIT', 'STOP_MARKET', 'TAKE_PROFIT_MARKET']);
export type OrderType = z.infer<typeof OrderType>;

/** Why an order exists: opening a position, protecting it, or closing it. */
export const OrderPurpose = z.enum(['ENTRY', 'STOP_LOSS', 'TAKE_PROFIT', 'EXIT']);
export type OrderPurpose = z.infer<typeof OrderPurpose>;

/**
 * Command to the exchange (`SubmitOrder`). `clientOrderId` is derived from the intent id and the
 * purpose, so a retry or a restarted service can never double an order (DESIGN.md rule 7).
 */
export const OrderRequest = z
  .object({
    kind: z.literal('order-request'),
    clientOrderId: z.string().min(1).max(36),
    intentId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    side: OrderSide,
    type: OrderType,
    qty: z.number().positive(),
    /** Limit price (LIMIT). */
    price: z.number().positive().optional(),
    /** Trigger price (STOP_MARKET, TAKE_PROFIT_MARKET). */
    stopPrice: z.number().positive().optional(),
    reduceOnly: z.boolean(),
    postOnly: z.boolean().optional(),
    leverage: z.number().positive().optional(),
    purpose: OrderPurpose,
    /** Side of the position this order belongs to. */
    positionSide: PositionSide,
    /** For exit orders (STOP_LOSS, TAKE_PROFIT, EXIT): the reason the trade will close with. */
    exitReason: ExitReason.optional(),
    reason: z.string().optional(),
  })
  .readonly();
export type OrderRequest = z.infer<typeof OrderRequest>;

/** Command to cancel a resting order (`CancelOrder`). */
export const CancelOrder = z
  .object({
    kind: z.literal('cancel-order'),
    clientOrderId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    reason: z.string(),
  })
  .readonly();
export type CancelOrder = z.infer<typeof CancelOrder>;

/**
 * The engine handed an order to the venue (`OrderSubmitted`): a fact, emitted before the venue
 * answers. Until the venue's answer (accepted, rejected) arrives, risk counts the order as working,
 * so a venue that answers late cannot be overrun.
 */
export const OrderSubmitted = z
  .object({
    kind: z.literal('order-submitted'),
    clientOrderId: z.string(),
    intentId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    side: OrderSide,
    type: OrderType,
    purpose: OrderPurpose,
    positionSide: PositionSide,
    qty: z.number().positive(),
    reduceOnly: z.boolean(),
    leverage: z.number().positive().optional(),
    /** Price that values the order: limit or trigger price; absent for MARKET. */
    price: z.number().positive().optional(),
  })
  .readonly();
export type OrderSubmitted = z.infer<typeof OrderSubmitted>;

/** Compact, exchange-safe client order id (Binance allows 36 chars of `[.A-Z:/a-z0-9_-]`). */
export const clientOrderIdFor = (intentId: string, purpose: OrderPurpose, revision = 0): string => {
  // FNV-1a over the intent id keeps ids short, stable across processes, and collision-unlikely.
  let hash = 0x811c9dc5;
  for (let i = 0; i < intentId.length; i++) {
    hash ^= intentId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const tag = { ENTRY: 'en', STOP_LOSS: 'sl', TAKE_PROFIT: 'tp', EXIT: 'ex' }[purpose];
  return `qt-${hash.toString(36)}-${tag}${revision > 0 ? revision : ''}-${intentId.length.toString(36)}`;
};

/**
 * The one market exit (`SubmitOrder`): a reduce-only MARKET order closing `qty` of a position,
 * purpose EXIT, with the reason the trade will close with. Used by the position monitor (time
 * exits) and the kill switch; `revision` keeps their ids apart.
 */
export const marketExitOrder = (exit: {
  readonly intentId: string;
  readonly symbol: string;
  readonly ts: number;
  readonly positionSide: PositionSide;
  readonly qty: number;
  readonly exitReason: ExitReason;
  readonly reason: string;
  readonly revision?: number;
}): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(exit.intentId, 'EXIT', exit.revision ?? 0),
  intentId: exit.intentId,
  symbol: exit.symbol,
  ts: exit.ts,
  side: exitSideOf(exit.positionSide),
  type: 'MARKET',
  qty: exit.qty,
  reduceOnly: true,
  purpose: 'EXIT',
  positionSide: exit.positionSide,
  exitReason: exit.exitReason,
  reason: exit.reason,
});
