import { z } from 'zod';
import { PositionSide, SymbolId, TimestampMs } from './common.js';

/**
 * The strategy's request to open a position (`TradeIntent`). `id` is deterministic
 * (`symbol-ts-side`), and every order derived from it carries it, which makes orders idempotent.
 */
export const TradeIntent = z
  .object({
    kind: z.literal('trade-intent'),
    id: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    side: PositionSide,
    /** Reference price (close of the signal candle). */
    price: z.number().positive(),
    confidence: z.number().min(0).max(1),
    atr: z.number().positive().optional(),
    strategy: z.string(),
    reason: z.string(),
  })
  .readonly();
export type TradeIntent = z.infer<typeof TradeIntent>;

/** The sizer's answer (`SizingDecided`): how much, at what leverage, with which protective levels. */
export const SizingDecision = z
  .object({
    kind: z.literal('sizing-decision'),
    intentId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    side: PositionSide,
    price: z.number().positive(),
    qty: z.number().positive(),
    notionalUsdt: z.number().positive(),
    leverage: z.number().positive(),
    stopPrice: z.number().positive(),
    takeProfitPrice: z.number().positive().optional(),
    /** Distance entry→stop in price units; 1R of risk per unit. */
    riskPerUnit: z.number().positive(),
    method: z.string(),
    /**
     * A scale-in (PAL): the intent id of the open position this entry adds to. The risk governor
     * lets it pass the one-position-per-symbol gate when that position is open on the same side;
     * the bracket sends its entry alone — the position's own stop (resized by the position
     * monitor when the add fills) protects the whole position.
     */
    addsTo: z.string().optional(),
  })
  .readonly();
export type SizingDecision = z.infer<typeof SizingDecision>;

/**
 * A sizing decision from its fields, `takeProfitPrice` only when there is one: two literal shapes
 * with the keys in one order (the sizer and the risk gates' rounding both build decisions per
 * candle; a spread of a decision takes V8's slow path).
 */
export const sizingDecisionOf = (
  fields: Omit<SizingDecision, 'kind' | 'takeProfitPrice' | 'addsTo'>,
  takeProfitPrice: number | undefined,
): SizingDecision => {
  const { intentId, symbol, ts, side, price, qty, notionalUsdt, leverage, stopPrice, riskPerUnit, method } =
    fields;
  return takeProfitPrice === undefined
    ? {
        kind: 'sizing-decision',
        intentId,
        symbol,
        ts,
        side,
        price,
        qty,
        notionalUsdt,
        leverage,
        stopPrice,
        riskPerUnit,
        method,
      }
    : {
        kind: 'sizing-decision',
        intentId,
        symbol,
        ts,
        side,
        price,
        qty,
        notionalUsdt,
        leverage,
        stopPrice,
        takeProfitPrice,
        riskPerUnit,
        method,
      };
};

/** A gate said no (`OrderDenied`): the stream goes on, the denial is data. */
export const OrderDenied = z
  .object({
    kind: z.literal('order-denied'),
    intentId: z.string(),
    symbol: SymbolId,
    ts: TimestampMs,
    gate: z.string(),
    reason: z.string(),
  })
  .readonly();
export type OrderDenied = z.infer<typeof OrderDenied>;

/** The risk layer tripped its kill switch: no new entries from now on. */
export const KillSwitchTripped = z
  .object({ kind: z.literal('kill-switch-tripped'), ts: TimestampMs, gate: z.string(), reason: z.string() })
  .readonly();
export type KillSwitchTripped = z.infer<typeof KillSwitchTripped>;
