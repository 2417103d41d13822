import { Observable, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  type CancelOrder,
  clientOrderIdFor,
  DEFAULT_SYMBOL_FILTERS,
  directionOf,
  type EngineEvent,
  type ExitReason,
  exitSideOf,
  type OrderRequest,
  type PositionSide,
  roundToStep,
  type SizingDecision,
  SymbolFilters,
  type Tick,
} from '../domain/index.js';

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
    /** Period of that ATR (Wilder, seeded with the mean of the first `atrPeriod` true ranges). */
    atrPeriod: z.number().int().positive().default(14),
    /** Per-symbol filter overrides (tick size for stop prices), merged over DEFAULT_SYMBOL_FILTERS. */
    filters: z.record(z.string(), SymbolFilters.partial()).default({}),
  })
  .strict();
export type PositionMonitorParams = z.output<typeof positionMonitorParams>;

/** What the monitor reads; every other kind passes unnoticed. */
export type PositionMonitorInput = EngineEvent | Tick;

/** Everything the monitor knows about one open position. */
interface Tracked {
  intentId: string;
  side: PositionSide;
  qtyBase: number;
  entryPrice: number;
  openedTs: number;
  /** 1R in price units (from the sizing decision); NaN when unknown ⇒ break-even and trailing off. */
  riskPerUnit: number;
  /** The resting stop we know of (undefined: none). */
  stopClientOrderId: string | undefined;
  stopPrice: number;
  /** Revision of the last stop we placed (the bracket's stop is 0). */
  stopRevision: number;
  /** Best close since entry: highest for LONG, lowest for SHORT. */
  bestClose: number;
  exitRequested: boolean;
}

/** Per-symbol Wilder ATR state. */
interface AtrState {
  previousClose: number;
  count: number;
  sum: number;
  atr: number;
}

const QTY_EPSILON = 1e-12;

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
 * close. A replacement is a new reduce-only STOP_MARKET with id clientOrderIdFor(intentId,
 * 'STOP_LOSS', revision + 1), then a CancelOrder of the old stop (new first: never unprotected).
 * Never emits for a flat symbol or a position whose 1R is unknown (except time exits).
 */
export const positionMonitor = (
  params: z.input<typeof positionMonitorParams> = {},
  options: { readonly filtersOf?: (symbol: string) => SymbolFilters } = {},
): OperatorFunction<PositionMonitorInput, OrderRequest | CancelOrder> => {
  const p = positionMonitorParams.parse(params);
  const filtersOf =
    options.filtersOf ??
    ((symbol: string): SymbolFilters => ({ ...DEFAULT_SYMBOL_FILTERS, ...p.filters[symbol] }));
  return (source) =>
    new Observable<OrderRequest | CancelOrder>((subscriber) => {
      const positions = new Map<string, Tracked>();
      // Sizing decisions waiting for their entry fill, by intent id.
      const pending = new Map<string, SizingDecision>();
      const atrs = new Map<string, AtrState>();
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
        let state = atrs.get(symbol);
        if (state === undefined) {
          state = { previousClose: Number.NaN, count: 0, sum: 0, atr: Number.NaN };
          atrs.set(symbol, state);
        }
        const prev = state.previousClose;
        const trueRange = Number.isNaN(prev)
          ? high - low
          : Math.max(high - low, Math.abs(high - prev), Math.abs(low - prev));
        state.previousClose = close;
        state.count++;
        if (state.count < p.atrPeriod) state.sum += trueRange;
        else if (state.count === p.atrPeriod) state.atr = (state.sum + trueRange) / p.atrPeriod;
        else state.atr = (state.atr * (p.atrPeriod - 1) + trueRange) / p.atrPeriod;
        return state.atr;
      };

      const onKline = (symbol: string, ts: number, high: number, low: number, close: number): void => {
        const atr = p.trailingAtrMultiple > 0 ? updateAtr(symbol, high, low, close) : Number.NaN;
        const position = positions.get(symbol);
        if (position === undefined || position.exitRequested) return;
        const direction = directionOf(position.side);
        if (direction * (close - position.bestClose) > 0) position.bestClose = close;

        if (p.maxHoldMs > 0 && ts - position.openedTs >= p.maxHoldMs) {
          position.exitRequested = true;
          subscriber.next({
            kind: 'order',
            clientOrderId: clientOrderIdFor(position.intentId, 'EXIT'),
            intentId: position.intentId,
            symbol,
            ts,
            side: exitSideOf(position.side),
            type: 'MARKET',
            qty: position.qtyBase,
            reduceOnly: true,
            purpose: 'EXIT',
            positionSide: position.side,
            exitReason: 'TIME_EXIT',
            reason: `held ${ts - position.openedTs} ms ≥ ${p.maxHoldMs} ms`,
          });
          return;
        }
        const r = position.riskPerUnit;
        if (!(r > 0)) return;

        // Target stop and why; direction-normalized so "higher is better" for both sides.
        let target = Number.NaN;
        let exitReason: ExitReason = 'BREAK_EVEN';
        if (p.breakEvenAtR > 0 && direction * (close - position.entryPrice) >= p.breakEvenAtR * r) {
          target = position.entryPrice * (1 + (direction * p.breakEvenOffsetPct) / 100);
        }
        if (
          p.trailingActivationR > 0 &&
          direction * (position.bestClose - position.entryPrice) >= p.trailingActivationR * r
        ) {
          const distance =
            p.trailingAtrMultiple > 0
              ? p.trailingAtrMultiple * atr
              : (position.bestClose * p.trailingDistancePct) / 100;
          const trailing = position.bestClose - direction * distance;
          if (distance > 0 && (Number.isNaN(target) || direction * (trailing - target) > 0)) {
            target = trailing;
            exitReason = 'TRAILING_STOP';
          }
        }
        if (Number.isNaN(target)) return;
        target = roundToStep(target, tickSizeOf(symbol), position.side === 'LONG' ? 'down' : 'up');
        // Only in the position's favour, and still below (LONG) / above (SHORT) the close.
        const improves = Number.isNaN(position.stopPrice) || direction * (target - position.stopPrice) > 0;
        if (!improves || direction * (close - target) <= 0 || !(target > 0)) return;

        const oldStopId = position.stopClientOrderId;
        position.stopRevision++;
        position.stopPrice = target;
        position.stopClientOrderId = clientOrderIdFor(position.intentId, 'STOP_LOSS', position.stopRevision);
        subscriber.next({
          kind: 'order',
          clientOrderId: position.stopClientOrderId,
          intentId: position.intentId,
          symbol,
          ts,
          side: exitSideOf(position.side),
          type: 'STOP_MARKET',
          qty: position.qtyBase,
          stopPrice: target,
          reduceOnly: true,
          purpose: 'STOP_LOSS',
          positionSide: position.side,
          exitReason,
          reason: `${exitReason === 'BREAK_EVEN' ? 'break-even' : 'trailing'} stop ${target} (close ${close}, entry ${position.entryPrice}, 1R ${r})`,
        });
        if (oldStopId !== undefined) {
          subscriber.next({
            kind: 'cancel',
            clientOrderId: oldStopId,
            symbol,
            ts,
            reason: `replaced by ${position.stopClientOrderId}`,
          });
        }
      };

      return source.subscribe({
        next(event) {
          switch (event.kind) {
            case 'kline':
              onKline(event.symbol, event.ts, event.high, event.low, event.close);
              return;
            case 'sizing':
              pending.set(event.intentId, event);
              return;
            case 'fill': {
              const position = positions.get(event.symbol);
              if (event.purpose === 'ENTRY' && !event.reduceOnly) {
                if (position === undefined) {
                  const decision = pending.get(event.intentId);
                  pending.delete(event.intentId);
                  positions.set(event.symbol, {
                    intentId: event.intentId,
                    side: event.positionSide,
                    qtyBase: event.qty,
                    entryPrice: event.price,
                    openedTs: event.ts,
                    riskPerUnit: decision?.riskPerUnit ?? Number.NaN,
                    stopClientOrderId:
                      decision === undefined ? undefined : clientOrderIdFor(event.intentId, 'STOP_LOSS'),
                    stopPrice: decision?.stopPrice ?? Number.NaN,
                    stopRevision: 0,
                    bestClose: event.price,
                    exitRequested: false,
                  });
                } else {
                  // A partial fill of the same entry: average the price.
                  const qtyBase = position.qtyBase + event.qty;
                  position.entryPrice =
                    (position.entryPrice * position.qtyBase + event.price * event.qty) / qtyBase;
                  position.qtyBase = qtyBase;
                }
                return;
              }
              if (position === undefined) return;
              position.qtyBase -= event.qty;
              if (position.qtyBase <= QTY_EPSILON * Math.max(1, event.qty)) positions.delete(event.symbol);
              return;
            }
            case 'liquidation':
              positions.delete(event.symbol);
              return;
            case 'execution': {
              if (event.purpose !== 'STOP_LOSS') return;
              const position = positions.get(event.symbol);
              if (position === undefined || position.intentId !== event.intentId) return;
              if (event.status === 'NEW') position.stopClientOrderId = event.clientOrderId;
              else if (
                (event.status === 'CANCELED' || event.status === 'REJECTED' || event.status === 'EXPIRED') &&
                event.clientOrderId === position.stopClientOrderId
              ) {
                position.stopClientOrderId = undefined;
              }
              return;
            }
            default:
              return;
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
};
