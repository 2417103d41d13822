/**
 * The position monitor: manages open positions after entry (time exit, break-even and trailing
 * stops, protection of positions adopted from the venue). Its params, inputs and per-subscription
 * state live here; the per-position record and the stop arithmetic on it in `position-monitor-stops.ts`.
 */
import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  type CancelOrder,
  clientOrderIdFor,
  DEFAULT_SYMBOL_FILTERS,
  directionOf,
  type EngineEvent,
  marketExitOrder,
  type OrderRequest,
  type PositionStatusReport,
  roundToStep,
  type SizingDecision,
  SymbolFilters,
  type Tick,
} from '../domain/index.js';
import { applyFillEvent } from '../domain/position-math.js';
import { Atr } from '../features/indicators/atr.js';
import { type Handler, operate } from '../kernel/operate.js';
import { cancelOrphans, protectAdopted } from './position-monitor-reconcile.js';
import {
  adoptedPosition,
  placeStop,
  resizeStopIfShort,
  type Tracked,
  targetStop,
} from './position-monitor-stops.js';

export { ADOPTED_STOP_REVISION } from './position-monitor-stops.js';

/** Statuses after which an order is done at the venue. */
const FINAL_STATUSES: ReadonlySet<string> = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

export const positionMonitorParams = z
  .object({
    /** Close a position held this long (event time) with a MARKET exit; 0 = off. */
    maxHoldMs: z.number().int().nonnegative().default(0),
    /** Move the stop to entry once a close reached entry + this many R; 0 = off. */
    breakEvenAtR: z.number().nonnegative().default(1),
    /** Break-even stop sits this far beyond entry, percent, to cover fees. */
    breakEvenOffsetPct: z.number().nonnegative().default(0.1),
    /** Start trailing once the best close reached entry + this many R; 0 = off. */
    trailingActivationR: z.number().nonnegative().default(1.5),
    /** Trailing stop distance behind the best close, percent (used when trailingAtrMultiple is 0). */
    trailingDistancePct: z.number().nonnegative().default(1),
    /** Trailing stop distance in ATRs of the monitor's own Wilder ATR; 0 = use the percent. */
    trailingAtrMultiple: z.number().nonnegative().default(0),
    /** Period of that ATR (TA-Lib's Wilder ATR, the same the `atr_N` feature computes). */
    atrPeriod: z.number().int().positive().default(14),
    /**
     * A position found at the venue on connect without a stop gets one this far (percent) beyond
     * the worse of its entry and the current price; 0 = adopt it unprotected.
     */
    adoptedStopPct: z.number().min(0).max(50).default(2),
    /** Per-symbol filter overrides (tick size for stop prices), merged over DEFAULT_SYMBOL_FILTERS. */
    filters: z.record(z.string(), SymbolFilters.partial()).default({}),
  })
  .strict();
export type PositionMonitorParams = z.output<typeof positionMonitorParams>;

/** What the monitor reads; every other kind passes unnoticed. */
export type PositionMonitorInput = EngineEvent | Tick;

/** The monitor's logic (see `positionMonitor`), as a handler the kernel and the operator share. */
export const createPositionMonitor = (
  p: PositionMonitorParams,
  options: { readonly filtersOf?: (symbol: string) => SymbolFilters } = {},
): Handler<PositionMonitorInput | { readonly kind: string }, OrderRequest | CancelOrder> => {
  const filtersOf =
    options.filtersOf ??
    ((symbol: string): SymbolFilters => ({ ...DEFAULT_SYMBOL_FILTERS, ...p.filters[symbol] }));
  const positions = new Map<string, Tracked>();
  // Sizing decisions waiting for their entry fill, by intent id.
  const pending = new Map<string, SizingDecision>();
  /** Protective orders the venue reported on connect (client order id → symbol), until reconciliation completes. */
  const reconciledProtective = new Map<string, string>();
  const atrs = new Map<string, Atr>();
  /** Stops of positions that went flat, until the venue ends them (client order id → symbol). */
  const leftoverStops = new Map<string, string>();
  const tickSizes = new Map<string, number>();

  const tickSizeOf = (symbol: string): number => {
    let tick = tickSizes.get(symbol);
    if (tick === undefined) {
      tick = filtersOf(symbol).tickSize;
      tickSizes.set(symbol, tick);
    }
    return tick;
  };

  const updateAtr = (symbol: string, high: number, low: number, close: number): number => {
    let atr = atrs.get(symbol);
    if (atr === undefined) {
      atr = new Atr({ period: p.atrPeriod });
      atrs.set(symbol, atr);
    }
    atr.update(high, low, close, 0);
    return atr.out[0];
  };

  /**
   * A position went flat: the stops it had (resting, or a replacement in flight) wait for the
   * venue's final word. A stop placed after the venue closed the position in the same candle (its
   * reports arrive in order, after the candle) missed the venue's own cancel-on-close and would
   * rest with no position; `cancelLeftovers` cancels it at the symbol's candle.
   */
  const leaveStops = (position: Tracked, symbol: string, closedBy: string): void => {
    for (const id of [position.stopClientOrderId, position.replacing?.clientOrderId]) {
      if (id !== undefined && id !== closedBy) leftoverStops.set(id, symbol);
    }
  };
  const cancelLeftovers = (
    symbol: string,
    ts: number,
    emit: (out: OrderRequest | CancelOrder) => void,
  ): void => {
    for (const [clientOrderId, owner] of leftoverStops) {
      if (owner !== symbol) continue;
      leftoverStops.delete(clientOrderId);
      emit({
        kind: 'cancel-order',
        clientOrderId,
        symbol,
        ts,
        reason: 'stop left resting after its position closed',
      });
    }
  };

  const onKline = (
    symbol: string,
    ts: number,
    high: number,
    low: number,
    close: number,
    emit: (out: OrderRequest | CancelOrder) => void,
  ): void => {
    if (leftoverStops.size > 0) cancelLeftovers(symbol, ts, emit);
    const atr = p.trailingAtrMultiple > 0 ? updateAtr(symbol, high, low, close) : Number.NaN;
    const position = positions.get(symbol);
    if (position === undefined || position.exitRequested) return;
    const direction = directionOf(position.held.side);
    if (direction * (close - position.bestClose) > 0) position.bestClose = close;

    if (p.maxHoldMs > 0 && ts - position.openedTs >= p.maxHoldMs) {
      position.exitRequested = true;
      emit(
        marketExitOrder({
          intentId: position.intentId,
          symbol,
          ts,
          positionSide: position.held.side,
          qty: position.held.qty,
          exitReason: 'TIME_EXIT',
          reason: `held ${ts - position.openedTs} ms ≥ ${p.maxHoldMs} ms`,
        }),
      );
      return;
    }
    // One replacement at a time: the next waits for the venue's answer to this one.
    if (position.replacing !== undefined) return;
    resizeStopIfShort(position, symbol, ts, emit);
    if (!(position.riskPerUnit > 0) || position.replacing !== undefined) return;
    const target = targetStop(p, position, close, atr);
    if (Number.isNaN(target.price)) return;
    const stopPrice = roundToStep(
      target.price,
      tickSizeOf(symbol),
      position.held.side === 'LONG' ? 'down' : 'up',
    );
    // Only in the position's favour, and still below (LONG) / above (SHORT) the close.
    const improves = Number.isNaN(position.stopPrice) || direction * (stopPrice - position.stopPrice) > 0;
    if (!improves || direction * (close - stopPrice) <= 0 || !(stopPrice > 0)) return;

    placeStop(
      position,
      symbol,
      ts,
      stopPrice,
      target.reason,
      `${target.reason === 'BREAK_EVEN' ? 'break-even' : 'trailing'} stop ${stopPrice} (close ${close}, entry ${position.held.entryPrice}, 1R ${position.riskPerUnit})`,
      emit,
    );
  };

  const onStopReport = (
    event: Extract<PositionMonitorInput, { kind: 'execution-result' }>,
    emit: (out: OrderRequest | CancelOrder) => void,
  ): void => {
    const position = positions.get(event.symbol);
    if (position === undefined || position.intentId !== event.intentId) return;
    const replacing = position.replacing;
    if (replacing !== undefined && event.clientOrderId === replacing.clientOrderId) {
      if (event.status === 'NEW') {
        // The new stop rests at the venue: only now does the old one go.
        position.replacing = undefined;
        position.stopClientOrderId = event.clientOrderId;
        if (replacing.previousClientOrderId !== undefined) {
          emit({
            kind: 'cancel-order',
            clientOrderId: replacing.previousClientOrderId,
            symbol: event.symbol,
            ts: event.ts,
            reason: `replaced by ${event.clientOrderId}`,
          });
        }
      } else if (event.status === 'REJECTED' || event.status === 'CANCELED' || event.status === 'EXPIRED') {
        // Refused: the old stop still protects the position; keep it and its price.
        position.replacing = undefined;
        position.stopClientOrderId = replacing.previousClientOrderId;
        position.stopPrice = replacing.previousStopPrice;
        position.stopQty = replacing.previousStopQty;
      }
      return;
    }
    if (event.status === 'NEW') {
      position.stopClientOrderId = event.clientOrderId;
      // A stop found at the venue on connect: its level is the position's stop (and 1R, if unknown).
      if (event.reconciliation === true && event.stopPrice !== undefined) {
        position.stopPrice = event.stopPrice;
        position.stopQty = event.qty;
        if (!(position.riskPerUnit > 0))
          position.riskPerUnit = Math.abs(position.held.entryPrice - event.stopPrice);
      }
    } else if (
      (event.status === 'CANCELED' || event.status === 'REJECTED' || event.status === 'EXPIRED') &&
      event.clientOrderId === position.stopClientOrderId
    ) {
      position.stopClientOrderId = undefined;
    }
  };

  const onFill = (
    event: Extract<PositionMonitorInput, { kind: 'fill' }>,
    emit: (out: OrderRequest | CancelOrder) => void,
  ): void => {
    const position = positions.get(event.symbol);
    // Entries open and add, reducing fills shrink, flat forgets: the one position arithmetic.
    const outcome = applyFillEvent(position?.held, event);
    const held = outcome.position;
    if (held === undefined) {
      if (position !== undefined) leaveStops(position, event.symbol, event.clientOrderId);
      positions.delete(event.symbol);
      return;
    }
    if (position !== undefined && !outcome.closedPosition) {
      position.held = held;
      if (outcome.openedQty > 0) {
        // An add: its decision's stop is the position's; the stop grows with the position.
        pending.delete(event.intentId);
        resizeStopIfShort(position, event.symbol, event.ts, emit);
      }
      return;
    }
    // Opened (or flipped into a new position): track it with its sizing decision's stop and 1R.
    const decision = pending.get(event.intentId);
    pending.delete(event.intentId);
    // A scale-in's entry is sent alone: if its position closed before it filled, it opened one
    // with no stop at the venue, and gets its decision's stop now.
    const alone = decision?.addsTo !== undefined;
    const tracked: Tracked = {
      intentId: event.intentId,
      held,
      openedTs: event.ts,
      riskPerUnit: decision?.riskPerUnit ?? Number.NaN,
      stopClientOrderId:
        decision === undefined || alone ? undefined : clientOrderIdFor(event.intentId, 'STOP_LOSS'),
      stopPrice: decision?.stopPrice ?? Number.NaN,
      stopQty: decision?.qty ?? Number.NaN,
      stopReason: 'STOP_LOSS',
      stopRevision: 0,
      replacing: undefined,
      bestClose: event.price,
      exitRequested: false,
    };
    positions.set(event.symbol, tracked);
    if (alone && decision !== undefined) {
      placeStop(
        tracked,
        event.symbol,
        event.ts,
        decision.stopPrice,
        'STOP_LOSS',
        `scale-in ${event.intentId} filled after its position closed: its own stop`,
        emit,
      );
    }
  };

  return {
    next(event, emit) {
      switch (event.kind) {
        // First: every candle comes here, the rest now and then.
        case 'kline': {
          const kline = event as Extract<PositionMonitorInput, { kind: 'kline' }>;
          onKline(kline.symbol, kline.ts, kline.high, kline.low, kline.close, emit);
          return;
        }
        case 'position-status-report': {
          // A position the venue reported on connect: managed from now on like one of ours.
          const report = event as PositionStatusReport;
          positions.set(report.symbol, adoptedPosition(report));
          return;
        }
        case 'reconciliation-completed': {
          const ts = (event as { ts: number }).ts;
          cancelOrphans(positions, reconciledProtective, ts, emit);
          protectAdopted(positions, p, tickSizeOf, ts, emit);
          return;
        }
        case 'sizing-decision': {
          const decision = event as SizingDecision;
          pending.set(decision.intentId, decision);
          return;
        }
        case 'fill':
          onFill(event as Extract<PositionMonitorInput, { kind: 'fill' }>, emit);
          return;
        case 'position-liquidated':
          positions.delete((event as Extract<PositionMonitorInput, { kind: 'position-liquidated' }>).symbol);
          return;
        case 'execution-result': {
          const report = event as Extract<PositionMonitorInput, { kind: 'execution-result' }>;
          // A protective order found resting at the venue on connect: kept only if its position is.
          if (report.reconciliation === true && report.purpose !== 'ENTRY') {
            reconciledProtective.set(report.clientOrderId, report.symbol);
          }
          if (report.purpose === 'STOP_LOSS') {
            if (leftoverStops.size > 0 && FINAL_STATUSES.has(report.status))
              leftoverStops.delete(report.clientOrderId);
            onStopReport(report, emit);
          }
          return;
        }
        default:
          return;
      }
    },
  };
};

/**
 * Manages open positions after entry, per symbol, from event time only.
 *
 * Learns: a `SizingDecision` remembers stop and 1R for its intent; an ENTRY `Fill` opens (or
 * adds to) the position; a reducing `Fill` (reduce-only or non-ENTRY) shrinks it and flat forgets
 * it; `PositionLiquidated` forgets it; STOP_LOSS `ExecutionResult`s NEW/CANCELED/REJECTED/EXPIRED
 * track which stop rests. Only `Fill` events move quantities (`ExecutionResult.fills` repeat them).
 *
 * On each closed `Kline` of a symbol with an open position, in order:
 * 1. time exit (`maxHoldMs` > 0 and ts − openedTs ≥ maxHoldMs): one reduce-only MARKET EXIT,
 *    exitReason TIME_EXIT, id clientOrderIdFor(intentId, 'EXIT'); nothing else for it afterwards.
 * 2. break-even (`breakEvenAtR` > 0): once the close reached entry ± breakEvenAtR × R, target the
 *    stop at entry ± breakEvenOffsetPct% (exitReason BREAK_EVEN).
 * 3. trailing (`trailingActivationR` > 0): once the best close reached entry ± activation × R, target
 *    bestClose ∓ distance (trailingDistancePct% of it, or trailingAtrMultiple × ATR) (TRAILING_STOP).
 * The best of the targets, rounded to the tick away from the price, replaces the stop only when it
 * improves it (stops never move against the position) and stays on the protective side of the
 * close. A replacement is new-first: a reduce-only STOP_MARKET with id clientOrderIdFor(intentId,
 * 'STOP_LOSS', revision + 1); only when the venue accepts it (NEW) does a CancelOrder of the old
 * stop follow. If the venue refuses it, the old stop stays and nothing is cancelled — the position
 * is never unprotected. One replacement is in flight at a time.
 * Never emits for a flat symbol or a position whose 1R is unknown (except time exits).
 */
export const positionMonitor = (
  params: z.input<typeof positionMonitorParams> = {},
  options: { readonly filtersOf?: (symbol: string) => SymbolFilters } = {},
): OperatorFunction<PositionMonitorInput, OrderRequest | CancelOrder> => {
  const p = positionMonitorParams.parse(params);
  return operate(() => createPositionMonitor(p, options));
};
