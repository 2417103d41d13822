import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import {
  type CancelOrder,
  DEFAULT_SYMBOL_FILTERS,
  type ExecutionResult,
  type ExitReason,
  type Fill,
  isRetryableErrorCode,
  type Kline,
  marketExitOrder,
  type OrderDenied,
  type OrderRequest,
  type PositionLiquidated,
  roundToStep,
  type SizingDecision,
  type SymbolFilters,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { CandleWindow } from './execution-estimates.js';
import { cancelProtection, stopOf, takeProfitOf } from './order-bracket.js';
import {
  type Child,
  type ChildType,
  childOrderOf,
  type Execution,
  executionOf,
  fallbackOf,
} from './smart-execution-children.js';
import {
  AELM_EXIT_REVISION,
  type SmartExecutionParams,
  smartExecutionParams,
} from './smart-execution-params.js';
import { planExecution } from './smart-execution-plan.js';

export { AELM_EXIT_REVISION, type SmartExecutionParams, smartExecutionParams };

/** What smart execution reads; every other kind passes unnoticed. */
export type SmartExecutionInput =
  | SizingDecision
  | ExecutionResult
  | Fill
  | Kline
  | PositionLiquidated
  | { readonly kind: string };

/** What it needs besides its params: the venue's filters and fees, and the bracket's take-profit switch. */
export interface SmartExecutionDeps {
  readonly filtersOf?: (symbol: string) => SymbolFilters;
  readonly takerFeeRate?: number;
  readonly makerFeeRate?: number;
  /** Send the reduce-only take-profit when the decision has one (`orders.takeProfit`). */
  readonly takeProfit?: boolean;
}

/** The smart execution stage's logic (see `smartExecution`), as a handler the kernel and the operator share. */
export const createSmartExecution = (
  p: SmartExecutionParams,
  deps: SmartExecutionDeps = {},
): Handler<SmartExecutionInput, OrderRequest | CancelOrder | OrderDenied> => {
  const filtersOf = deps.filtersOf ?? ((): SymbolFilters => DEFAULT_SYMBOL_FILTERS);
  const withTakeProfit = deps.takeProfit ?? true;
  const feeSavingBps = ((deps.takerFeeRate ?? 0.0005) - (deps.makerFeeRate ?? 0.0002)) * 1e4;
  const windows = new Map<string, CandleWindow>();
  // Plans with a child working or still to send, by intent id (insertion order: deterministic).
  const plans = new Map<string, Execution>();
  type Emit = (out: OrderRequest | CancelOrder | OrderDenied) => void;

  const send = (
    execution: Execution,
    child: { readonly type: ChildType; readonly qty: number; readonly retries: number },
    ts: number,
    reason: string,
    emit: Emit,
  ): void => {
    emit(childOrderOf(execution, child, ts, reason, filtersOf(execution.decision.symbol).tickSize));
  };

  const sendSlice = (entry: Execution, ts: number, emit: Emit): void => {
    const { plan } = entry;
    const last = entry.slicesSent === plan.slices - 1;
    const qty = last
      ? roundToStep(plan.totalQty - entry.assignedQty, filtersOf(entry.decision.symbol).stepSize)
      : plan.sliceQty;
    entry.slicesSent++;
    entry.assignedQty += qty;
    entry.nextSliceAt = entry.candles + p.twapIntervalCandles;
    const { addsTo } = entry.decision;
    const tail =
      plan.slices > 1
        ? ` · slice ${entry.slicesSent}/${plan.slices}`
        : addsTo !== undefined
          ? ` · scale-in of ${addsTo}: no stop or take-profit of its own`
          : '';
    send(entry, { type: plan.type, qty, retries: 0 }, ts, `${plan.why}${tail}`, emit);
  };

  const protect = (entry: Execution, ts: number, emit: Emit): void => {
    if (entry.protectionSent || entry.decision.addsTo !== undefined) return;
    entry.protectionSent = true;
    const { decision } = entry;
    emit(stopOf(decision, ts));
    if (withTakeProfit && decision.takeProfitPrice !== undefined)
      emit(takeProfitOf(decision, decision.takeProfitPrice, ts));
  };

  /** Ends the plan when nothing is working or due; protection of an entry that never filled goes. */
  const settle = (entry: Execution, ts: number, emit: Emit): void => {
    if (entry.child !== undefined || entry.retry !== undefined) return;
    if (!entry.stopped && entry.slicesSent < entry.plan.slices) return;
    plans.delete(entry.decision.intentId);
    if (entry.protectionSent && !(entry.filledQty > 0)) {
      const reason = `every entry of ${entry.decision.intentId} ended without a fill`;
      cancelProtection(entry.decision, withTakeProfit, ts, reason, emit);
    }
  };

  /** The rest of a post-only LIMIT that did not fill goes MARKET, if the guard still allows it. */
  const fallBack = (execution: Execution, child: Child, report: ExecutionResult, emit: Emit): void => {
    const { decision } = execution;
    const fallback = fallbackOf(
      p,
      execution,
      child,
      report,
      windows.get(decision.symbol),
      filtersOf(decision.symbol),
    );
    if (fallback === undefined) return;
    if (fallback.kind === 'market') {
      send(execution, { type: 'MARKET', qty: fallback.qty, retries: 0 }, report.ts, fallback.reason, emit);
      return;
    }
    emit({
      kind: 'order-denied',
      intentId: decision.intentId,
      symbol: decision.symbol,
      ts: report.ts,
      gate: 'aelm',
      reason: fallback.reason,
    });
  };

  const onEntryReport = (report: ExecutionResult, emit: Emit): void => {
    const entry = plans.get(report.intentId);
    const child = entry?.child;
    if (entry === undefined || child === undefined || child.clientOrderId !== report.clientOrderId) return;
    switch (report.status) {
      case 'NEW':
      case 'TRIGGERED':
      case 'PARTIALLY_FILLED':
        protect(entry, report.ts, emit);
        return;
      case 'FILLED':
        protect(entry, report.ts, emit);
        entry.filledQty += report.filledQty;
        entry.child = undefined;
        break;
      case 'REJECTED': {
        entry.child = undefined;
        const retryable = isRetryableErrorCode(report.errorCode) && entry.decision.addsTo === undefined;
        if (retryable && child.retries < p.maxRetries && !entry.stopped) {
          const at = entry.candles + p.retryDelayCandles * 2 ** child.retries;
          entry.retry = { type: child.type, qty: child.qty, at, retries: child.retries + 1 };
        } else {
          // Refused for good (or retries spent): nothing more for this decision, as in the plain bracket.
          entry.stopped = true;
        }
        break;
      }
      case 'CANCELED':
      case 'EXPIRED': {
        entry.filledQty += report.filledQty;
        entry.child = undefined;
        const ours = child.cancelRequested || report.status === 'EXPIRED';
        if (child.type === 'LIMIT' && ours && !entry.stopped) {
          fallBack(entry, child, report, emit);
        } else if (!ours) {
          // Cancelled from outside (end of data, by hand at the venue): no more children.
          entry.stopped = true;
        }
        break;
      }
    }
    settle(entry, report.ts, emit);
  };

  /**
   * A reducing fill (stop, take-profit — partial too —, exit, kill switch, end of data) or a
   * liquidation hit the position: its executions send nothing more, and a child still working is
   * cancelled (in the simulator it is always in time: an order waits for the next market event).
   */
  const onPositionClosing = (
    symbol: string,
    side: string,
    exitReason: ExitReason,
    ts: number,
    emit: Emit,
  ): void => {
    for (const entry of plans.values()) {
      if (entry.decision.symbol !== symbol || entry.decision.side !== side || entry.stopped) continue;
      entry.stopped = true;
      entry.closedBy = exitReason;
      entry.retry = undefined;
      const child = entry.child;
      if (child !== undefined && !child.cancelRequested) {
        child.cancelRequested = true;
        emit({
          kind: 'cancel-order',
          clientOrderId: child.clientOrderId,
          symbol,
          ts,
          reason: `position ${symbol} ${side} closing (${exitReason}): the rest of ${entry.decision.intentId} is dropped`,
        });
      }
      settle(entry, ts, emit);
    }
  };

  /**
   * A child the venue filled anyway after its position closed (a live venue filled it before our
   * cancel arrived): undone at once with a reduce-only MARKET exit, so no position is left without
   * the protection that went with the old one.
   */
  const onLateFill = (entry: Execution, fill: Fill, emit: Emit): void => {
    const exitReason = entry.closedBy ?? 'STOP_LOSS';
    emit(
      marketExitOrder({
        intentId: entry.decision.intentId,
        symbol: fill.symbol,
        ts: fill.ts,
        positionSide: entry.decision.side,
        qty: fill.qty,
        exitReason,
        reason: `aelm: entry ${fill.clientOrderId} filled ${fill.qty} after its position closed (${exitReason}): undone`,
        revision: AELM_EXIT_REVISION + entry.undone++,
      }),
    );
  };

  const onKline = (kline: Kline, emit: Emit): void => {
    let window = windows.get(kline.symbol);
    if (window === undefined) {
      window = new CandleWindow(p.volatilityWindow);
      windows.set(kline.symbol, window);
    }
    window.push(kline.close, kline.volume, kline.ts);
    if (plans.size === 0) return;
    for (const entry of plans.values()) {
      if (entry.decision.symbol !== kline.symbol || kline.ts <= entry.decision.ts) continue;
      entry.candles++;
      entry.lastPrice = kline.close;
      const child = entry.child;
      if (child !== undefined) {
        if (
          child.type === 'LIMIT' &&
          !child.cancelRequested &&
          entry.candles - child.sentAt >= p.limitTimeoutCandles
        ) {
          child.cancelRequested = true;
          emit({
            kind: 'cancel-order',
            clientOrderId: child.clientOrderId,
            symbol: kline.symbol,
            ts: kline.ts,
            reason: `post-only LIMIT not filled within ${p.limitTimeoutCandles} candle(s): the rest goes MARKET`,
          });
        }
        continue;
      }
      const retry = entry.retry;
      if (retry !== undefined) {
        if (entry.candles < retry.at) continue;
        entry.retry = undefined;
        const reason = `aelm: retry ${retry.retries}/${p.maxRetries} after a retryable refusal`;
        send(entry, retry, kline.ts, reason, emit);
        continue;
      }
      if (!entry.stopped && entry.slicesSent < entry.plan.slices && entry.candles >= entry.nextSliceAt)
        sendSlice(entry, kline.ts, emit);
    }
  };

  const onDecision = (decision: SizingDecision, emit: Emit): void => {
    const alone = decision.addsTo !== undefined;
    const outcome = planExecution(
      p,
      decision,
      windows.get(decision.symbol),
      filtersOf(decision.symbol),
      feeSavingBps,
      alone,
    );
    if (!outcome.ok) {
      emit({
        kind: 'order-denied',
        intentId: decision.intentId,
        symbol: decision.symbol,
        ts: decision.ts,
        gate: 'aelm',
        reason: outcome.reason,
      });
      return;
    }
    const entry = executionOf(decision, outcome.plan);
    plans.set(decision.intentId, entry);
    sendSlice(entry, decision.ts, emit);
  };

  return {
    next(event, emit) {
      switch (event.kind) {
        case 'kline':
          onKline(event as Kline, emit);
          return;
        case 'sizing-decision':
          onDecision(event as SizingDecision, emit);
          return;
        case 'execution-result': {
          const report = event as ExecutionResult;
          if (report.purpose === 'ENTRY' && report.reconciliation !== true) onEntryReport(report, emit);
          return;
        }
        case 'fill': {
          const fill = event as Fill;
          if (plans.size === 0) return;
          if (fill.reduceOnly || fill.purpose !== 'ENTRY') {
            onPositionClosing(fill.symbol, fill.positionSide, fill.exitReason ?? 'STOP_LOSS', fill.ts, emit);
            return;
          }
          const entry = plans.get(fill.intentId);
          if (entry?.closedBy !== undefined) onLateFill(entry, fill, emit);
          return;
        }
        case 'position-liquidated': {
          const liquidated = event as PositionLiquidated;
          if (plans.size > 0)
            onPositionClosing(liquidated.symbol, liquidated.positionSide, 'LIQUIDATION', liquidated.ts, emit);
          return;
        }
        default:
          return;
      }
    },
  };
};

/**
 * Smart execution (AELM, issue #18): the execution stage when `aelm.enabled`, in place of the plain
 * bracket (`orderBracket`). Each approved `SizingDecision` is planned once, from the symbol's recent
 * closed candles (the decision's own candle reaches this stage after it, so: the candles before):
 *
 * - **slippage guard**: a market order's expected slippage is impact + half-spread, impact by the
 *   square-root law k × σ × √(qty / average candle volume) (σ: RMS of one-candle log returns over
 *   `volatilityWindow`; spread: `spreadBps`, or Roll's estimator with it as a floor). Above
 *   `maxSlippageBps` the qty is shrunk to what fits, down to `minFillFraction` of it; below that the
 *   decision is refused: `OrderDenied`, gate `aelm`, with the estimate and its parts;
 * - **order type**: a post-only LIMIT at the touch (latest close ∓ half-spread, on the tick) when
 *   `passive` and half-spread + the taker–maker fee saving > `urgency` × σ; else MARKET. A post-only
 *   LIMIT not filled within `limitTimeoutCandles` candles is cancelled, and one the venue expired
 *   (it would have crossed) ends at once: what is left goes MARKET if the guard still allows it
 *   (else an `OrderDenied` for the rest);
 * - **TWAP**: above `twapAboveUsdt` notional or `maxParticipation` of the average candle volume, the
 *   qty is split into `twapSlices` children (the guard applies to one slice), one every
 *   `twapIntervalCandles` closed candles once the previous child is done. Slices stop as soon as a
 *   reducing fill (stop, take-profit — a partial one too —, exit, kill-switch flattening, end of
 *   data) or a liquidation hits the position: a child still working is cancelled, and one a live
 *   venue filled before the cancel arrived is undone with a reduce-only MARKET exit (id revision
 *   `AELM_EXIT_REVISION` + n, the closing fill's exit reason). With the kill switch tripped but not
 *   flattening, slices already planned go on (the risk governor approved the whole decision);
 * - **retries**: a child the venue REJECTED with a retryable error code (errors.ts) is re-sent after
 *   `retryDelayCandles` × 2ⁿ candles, up to `maxRetries`; any other refusal ends the decision.
 *
 * Children are ENTRY orders with ids clientOrderIdFor(intentId, 'ENTRY', revision) — revision 0, 1, …
 * per child — and a `reason` saying what was chosen and why. Protection is the bracket's: when the
 * first child is accepted, the reduce-only stop (and take-profit) for the decision's whole qty (the
 * venue clamps reduce-only orders to the position); when every child ended without a fill, both are
 * cancelled. A scale-in (`addsTo`) is guarded but goes alone: one MARKET entry, no protection, no
 * retry. **Abstains** — one MARKET entry of the whole qty, the plain bracket's, with a reason saying
 * why — while the estimate is unknown: fewer than `minCandles` returns, a NaN close or volume in the
 * window, or no volume. Other events pass unnoticed.
 */
export const smartExecution = (
  params: z.input<typeof smartExecutionParams> = {},
  deps: SmartExecutionDeps = {},
): OperatorFunction<SmartExecutionInput, OrderRequest | CancelOrder | OrderDenied> => {
  const p = smartExecutionParams.parse(params);
  return operate(() => createSmartExecution(p, deps));
};
