import { Observable, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  clientOrderIdFor,
  entrySideOf,
  exitSideOf,
  type OrderRequest,
  type SizingDecision,
} from '../domain/index.js';

export const orderBracketParams = z
  .object({
    /** Send the reduce-only take-profit when the decision has one. */
    takeProfit: z.boolean().default(true),
  })
  .strict();
export type OrderBracketParams = z.output<typeof orderBracketParams>;

/**
 * Turns an approved sizing into a bracket, synchronously and in this order:
 * 1. the entry: MARKET, `qty`, not reduce-only, `leverage` carried (purpose ENTRY);
 * 2. the stop: reduce-only STOP_MARKET at `stopPrice` (purpose and exitReason STOP_LOSS);
 * 3. the take-profit, when the decision has one and `takeProfit` is on: reduce-only
 *    TAKE_PROFIT_MARKET at `takeProfitPrice` (purpose and exitReason TAKE_PROFIT).
 * Ids are `clientOrderIdFor(intentId, purpose)`, so a re-sent bracket is deduplicated by the
 * venue. Never silent for a decision; prices and qty are used as given (risk gates rounded them).
 */
export const orderBracket = (
  params: z.input<typeof orderBracketParams> = {},
): OperatorFunction<SizingDecision, OrderRequest> => {
  const p = orderBracketParams.parse(params);
  return (source) =>
    new Observable<OrderRequest>((subscriber) =>
      source.subscribe({
        next(decision) {
          const exitSide = exitSideOf(decision.side);
          subscriber.next({
            kind: 'order',
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
          subscriber.next({
            kind: 'order',
            clientOrderId: clientOrderIdFor(decision.intentId, 'STOP_LOSS'),
            intentId: decision.intentId,
            symbol: decision.symbol,
            ts: decision.ts,
            side: exitSide,
            type: 'STOP_MARKET',
            qty: decision.qty,
            stopPrice: decision.stopPrice,
            reduceOnly: true,
            purpose: 'STOP_LOSS',
            positionSide: decision.side,
            exitReason: 'STOP_LOSS',
          });
          if (!p.takeProfit || decision.takeProfitPrice === undefined) return;
          subscriber.next({
            kind: 'order',
            clientOrderId: clientOrderIdFor(decision.intentId, 'TAKE_PROFIT'),
            intentId: decision.intentId,
            symbol: decision.symbol,
            ts: decision.ts,
            side: exitSide,
            type: 'TAKE_PROFIT_MARKET',
            qty: decision.qty,
            stopPrice: decision.takeProfitPrice,
            reduceOnly: true,
            purpose: 'TAKE_PROFIT',
            positionSide: decision.side,
            exitReason: 'TAKE_PROFIT',
          });
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
};
