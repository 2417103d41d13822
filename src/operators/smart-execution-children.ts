/**
 * Smart execution's per-decision state and the child orders it sends: slices, the MARKET fallback of
 * a post-only LIMIT that did not fill, and retries. The stage's event handling stays in
 * `smart-execution.ts`; what an order looks like and whether a fallback may go is decided here.
 */
import {
  clientOrderIdFor,
  type ExecutionResult,
  type ExitReason,
  entrySideOf,
  type OrderRequest,
  roundToStep,
  type SizingDecision,
  type SymbolFilters,
} from '../domain/index.js';
import { type CandleWindow, describeSlippage, slippageBpsOf } from './execution-estimates.js';
import type { SmartExecutionParams } from './smart-execution-params.js';
import { type ExecutionPlan, estimateFor, minChildQtyOf } from './smart-execution-plan.js';

export type ChildType = 'MARKET' | 'LIMIT';

/** One child order at the venue (a slice, a fallback, a retry). */
export interface Child {
  readonly clientOrderId: string;
  readonly type: ChildType;
  readonly qty: number;
  /** The execution's candle count when it was sent. */
  readonly sentAt: number;
  /** Retries spent on this child's qty so far. */
  readonly retries: number;
  /** Whether we asked the venue to cancel it (timeout, position closed). */
  cancelRequested: boolean;
}

/** A refused child waiting to be re-sent at candle `at`. */
export interface PendingRetry {
  readonly type: ChildType;
  readonly qty: number;
  readonly at: number;
  readonly retries: number;
}

/** One approved decision between its first child and the venue's last word on its last child. */
export interface Execution {
  readonly decision: SizingDecision;
  readonly plan: ExecutionPlan;
  /** Closed klines of the symbol since the decision's own candle. */
  candles: number;
  /** The latest close (the decision's price until a newer candle arrives): where the touch is. */
  lastPrice: number;
  slicesSent: number;
  /** Qty given to slices so far (a retry or fallback reuses its child's share). */
  assignedQty: number;
  filledQty: number;
  /** Candle count from which the next slice may go. */
  nextSliceAt: number;
  /** Revision of the next child's clientOrderId. */
  revision: number;
  /** The child the venue is working on (one at a time). */
  child: Child | undefined;
  retry: PendingRetry | undefined;
  protectionSent: boolean;
  /** No more children: the position is closing, the venue refused for good, or a child was cancelled from outside. */
  stopped: boolean;
  /** Why the position closed while this was executing (its children's late fills are undone). */
  closedBy: ExitReason | undefined;
  /** Late fills undone so far (each exit gets its own id). */
  undone: number;
}

export const executionOf = (decision: SizingDecision, plan: ExecutionPlan): Execution => ({
  decision,
  plan,
  candles: 0,
  lastPrice: decision.price,
  slicesSent: 0,
  assignedQty: 0,
  filledQty: 0,
  nextSliceAt: 0,
  revision: 0,
  child: undefined,
  retry: undefined,
  protectionSent: false,
  stopped: false,
  closedBy: undefined,
  undone: 0,
});

/**
 * The next child of `execution` — an ENTRY with id clientOrderIdFor(intentId, 'ENTRY', revision) —
 * remembered as its working child. A LIMIT is post-only at the touch: our side of the estimated
 * spread around the latest close, on the tick grid (buy rounded down, sell up).
 */
export const childOrderOf = (
  execution: Execution,
  child: { readonly type: ChildType; readonly qty: number; readonly retries: number },
  ts: number,
  reason: string,
  tickSize: number,
): OrderRequest => {
  const { decision } = execution;
  const { type, qty } = child;
  const clientOrderId = clientOrderIdFor(decision.intentId, 'ENTRY', execution.revision++);
  execution.child = {
    clientOrderId,
    type,
    qty,
    sentAt: execution.candles,
    retries: child.retries,
    cancelRequested: false,
  };
  const order: { -readonly [K in keyof OrderRequest]: OrderRequest[K] } = {
    kind: 'order-request',
    clientOrderId,
    intentId: decision.intentId,
    symbol: decision.symbol,
    ts,
    side: entrySideOf(decision.side),
    type,
    qty,
    reduceOnly: false,
    leverage: decision.leverage,
    purpose: 'ENTRY',
    positionSide: decision.side,
    reason,
  };
  if (type === 'LIMIT') {
    const halfSpread = (execution.plan.estimate?.halfSpreadBps ?? 0) / 1e4;
    order.price =
      decision.side === 'LONG'
        ? roundToStep(execution.lastPrice * (1 - halfSpread), tickSize, 'down')
        : roundToStep(execution.lastPrice * (1 + halfSpread), tickSize, 'up');
    order.postOnly = true;
  }
  return order;
};

/** What follows a post-only LIMIT child that ended unfilled (or partly): its rest at MARKET, a refusal, or nothing (dust). */
export type Fallback =
  | { readonly kind: 'market'; readonly qty: number; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | undefined;

/**
 * The rest of a post-only LIMIT that timed out (or that the venue expired because it would have
 * crossed) goes MARKET if the guard still allows it, with the estimate of now; an unknown estimate
 * abstains (MARKET); below the venue's minimum the rest is dropped.
 */
export const fallbackOf = (
  p: SmartExecutionParams,
  execution: Execution,
  child: Child,
  report: ExecutionResult,
  window: CandleWindow | undefined,
  filters: SymbolFilters,
): Fallback => {
  const qty = roundToStep(child.qty - report.filledQty, filters.stepSize, 'down');
  if (qty < minChildQtyOf(filters, execution.lastPrice)) return undefined;
  const ended =
    report.status === 'EXPIRED'
      ? 'would have taken liquidity'
      : `not filled within ${p.limitTimeoutCandles} candle(s)`;
  const why = `post-only LIMIT ${child.clientOrderId} ${ended}`;
  const estimate = estimateFor(p, execution.decision.symbol, window);
  if (typeof estimate === 'string')
    return { kind: 'market', qty, reason: `aelm: ${why}: ${qty} at MARKET (estimate abstains: ${estimate})` };
  const expected = slippageBpsOf(estimate, p.impactCoefficient, qty);
  const described = describeSlippage(estimate, p.impactCoefficient, qty, expected);
  if (expected > p.maxSlippageBps) {
    return {
      kind: 'refused',
      reason: `${why}; its remaining ${qty} at MARKET: expected slippage ${described} > max ${p.maxSlippageBps} bps`,
    };
  }
  return { kind: 'market', qty, reason: `aelm: ${why}: ${qty} at MARKET, expected slippage ${described}` };
};
