import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  type CancelOrder,
  clientOrderIdFor,
  type ExecutionResult,
  entrySideOf,
  exitSideOf,
  type OrderRequest,
  type SizingDecision,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';

export const orderBracketParams = z
  .object({
    /** Send the reduce-only take-profit when the decision has one. */
    takeProfit: z.boolean().default(true),
  })
  .strict();
export type OrderBracketParams = z.output<typeof orderBracketParams>;

/** What the bracket reads: approved decisions and the venue's answers about their entries. */
export type OrderBracketInput = SizingDecision | ExecutionResult | { readonly kind: string };

/** One bracket between its entry's submission and the venue's final word on that entry. */
interface Bracket {
  readonly decision: SizingDecision;
  /** Whether the stop (and take-profit) were sent. */
  protectionSent: boolean;
}

/** The bracket's MARKET entry of `decision` (purpose ENTRY, revision 0). */
export const entryOf = (decision: SizingDecision): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(decision.intentId, 'ENTRY'),
  intentId: decision.intentId,
  symbol: decision.symbol,
  ts: decision.ts,
  side: entrySideOf(decision.side),
  type: 'MARKET',
  qty: decision.qty,
  reduceOnly: false,
  leverage: decision.leverage,
  purpose: 'ENTRY',
  positionSide: decision.side,
});

/** The bracket's reduce-only stop for the decision's qty at its `stopPrice`, sent at `ts`. */
export const stopOf = (decision: SizingDecision, ts: number): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(decision.intentId, 'STOP_LOSS'),
  intentId: decision.intentId,
  symbol: decision.symbol,
  ts,
  side: exitSideOf(decision.side),
  type: 'STOP_MARKET',
  qty: decision.qty,
  stopPrice: decision.stopPrice,
  reduceOnly: true,
  purpose: 'STOP_LOSS',
  positionSide: decision.side,
  exitReason: 'STOP_LOSS',
});

/** The bracket's reduce-only take-profit for the decision's qty at `takeProfitPrice`, sent at `ts`. */
export const takeProfitOf = (
  decision: SizingDecision,
  takeProfitPrice: number,
  ts: number,
): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(decision.intentId, 'TAKE_PROFIT'),
  intentId: decision.intentId,
  symbol: decision.symbol,
  ts,
  side: exitSideOf(decision.side),
  type: 'TAKE_PROFIT_MARKET',
  qty: decision.qty,
  stopPrice: takeProfitPrice,
  reduceOnly: true,
  purpose: 'TAKE_PROFIT',
  positionSide: decision.side,
  exitReason: 'TAKE_PROFIT',
});

/**
 * The entry of a scale-in (`decision.addsTo`, PAL), sent alone: the position it adds to already has
 * a stop, which the position monitor resizes when the add fills.
 */
export const scaleInEntryOf = (decision: SizingDecision, addsTo: string): OrderRequest => ({
  ...entryOf(decision),
  reason: `scale-in of ${addsTo}: no stop or take-profit of its own (the position's stop is resized when it fills)`,
});

/**
 * The protection a bracket sent for `decision`, cancelled (its entry ended without a fill): the stop,
 * then the take-profit when one was sent.
 */
export const cancelProtection = (
  decision: SizingDecision,
  withTakeProfit: boolean,
  ts: number,
  reason: string,
  emit: (out: CancelOrder) => void,
): void => {
  emit({
    kind: 'cancel-order',
    clientOrderId: clientOrderIdFor(decision.intentId, 'STOP_LOSS'),
    symbol: decision.symbol,
    ts,
    reason,
  });
  if (withTakeProfit && decision.takeProfitPrice !== undefined) {
    emit({
      kind: 'cancel-order',
      clientOrderId: clientOrderIdFor(decision.intentId, 'TAKE_PROFIT'),
      symbol: decision.symbol,
      ts,
      reason,
    });
  }
};

/**
 * The bracket's logic (see `orderBracket`), as a handler the kernel and the operator share.
 */
export const createOrderBracket = (
  p: OrderBracketParams,
): Handler<OrderBracketInput, OrderRequest | CancelOrder> => {
  // Brackets whose entry the venue has not finished with, by the entry's clientOrderId.
  const brackets = new Map<string, Bracket>();
  const protect = (bracket: Bracket, ts: number, emit: (out: OrderRequest | CancelOrder) => void): void => {
    if (bracket.protectionSent) return;
    bracket.protectionSent = true;
    const { decision } = bracket;
    emit(stopOf(decision, ts));
    if (p.takeProfit && decision.takeProfitPrice !== undefined) {
      emit(takeProfitOf(decision, decision.takeProfitPrice, ts));
    }
  };
  return {
    next(event, emit) {
      if (event.kind === 'sizing-decision') {
        const decision = event as SizingDecision;
        // A scale-in goes alone: no bracket to track, nothing to protect or cancel for it.
        if (decision.addsTo !== undefined) {
          emit(scaleInEntryOf(decision, decision.addsTo));
          return;
        }
        const entry = entryOf(decision);
        brackets.set(entry.clientOrderId, { decision, protectionSent: false });
        emit(entry);
        return;
      }
      if (event.kind !== 'execution-result') return;
      const report = event as ExecutionResult;
      if (report.purpose !== 'ENTRY') return;
      const bracket = brackets.get(report.clientOrderId);
      if (bracket === undefined) return;
      switch (report.status) {
        case 'NEW':
        case 'TRIGGERED':
        case 'PARTIALLY_FILLED':
          protect(bracket, report.ts, emit);
          return;
        case 'FILLED':
          protect(bracket, report.ts, emit);
          brackets.delete(report.clientOrderId);
          return;
        case 'REJECTED':
          // Nothing was sent besides the entry: the refusal ends the bracket.
          brackets.delete(report.clientOrderId);
          return;
        case 'CANCELED':
        case 'EXPIRED': {
          brackets.delete(report.clientOrderId);
          // A partly filled entry keeps its protection for the part that filled.
          if (!bracket.protectionSent || report.filledQty > 0) return;
          const reason = `entry ${report.clientOrderId} ${report.status.toLowerCase()} before any fill`;
          cancelProtection(bracket.decision, p.takeProfit, report.ts, reason, emit);
          return;
        }
      }
    },
  };
};

/**
 * Turns an approved sizing into a bracket, one-triggers-other:
 * 1. on the decision: the entry — MARKET, `qty`, not reduce-only, `leverage` carried (purpose ENTRY);
 * 2. when the venue accepts the entry (its first NEW, PARTIALLY_FILLED or FILLED report): the stop,
 *    a reduce-only STOP_MARKET at `stopPrice` (purpose and exitReason STOP_LOSS), then the
 *    take-profit when the decision has one and `takeProfit` is on, a reduce-only TAKE_PROFIT_MARKET
 *    at `takeProfitPrice` (purpose and exitReason TAKE_PROFIT), both stamped with the report's ts;
 * 3. a REJECTED entry sends nothing more (no protective order can outlive a refused entry); an entry
 *    CANCELED or EXPIRED before any fill cancels the stop and take-profit it had.
 * A scale-in (`addsTo` set, PAL) is its entry alone, with a `reason` saying so: the position it adds
 * to keeps its own stop, which the position monitor resizes when the add fills.
 * Ids are `clientOrderIdFor(intentId, purpose)`, so a re-sent bracket is deduplicated by the venue.
 * Prices and qty are used as given (risk gates rounded them). Other events pass unnoticed.
 */
export const orderBracket = (
  params: z.input<typeof orderBracketParams> = {},
): OperatorFunction<OrderBracketInput, OrderRequest | CancelOrder> => {
  const p = orderBracketParams.parse(params);
  return operate(() => createOrderBracket(p));
};
