/**
 * What the position monitor keeps per open position, and the stop arithmetic on it that needs
 * nothing else: the stop a position should have now (break-even, trailing), sending a replacement
 * stop new-first, and the record a position adopted from the venue starts from. The monitor's
 * per-subscription state (the maps by symbol) stays in `position-monitor.ts`.
 */
import {
  type CancelOrder,
  clientOrderIdFor,
  directionOf,
  type ExitReason,
  exitSideOf,
  type OrderRequest,
  type PositionStatusReport,
} from '../domain/index.js';
import type { PositionState } from '../domain/position-math.js';

/** A stop sent to replace the resting one, waiting for the venue's answer (new first, then cancel). */
export interface Replacement {
  readonly clientOrderId: string;
  readonly stopPrice: number;
  /** The stop it replaces and that stop's price (restored if the venue refuses the new one). */
  readonly previousClientOrderId: string | undefined;
  readonly previousStopPrice: number;
  readonly previousStopQty: number;
}

/** Everything the monitor knows about one open position. */
export interface Tracked {
  intentId: string;
  /** Side, size, average entry and margin, as position math keeps them (the venue's and the account's formula). */
  held: PositionState;
  openedTs: number;
  /** 1R in price units (from the sizing decision); NaN when unknown ⇒ break-even and trailing off. */
  riskPerUnit: number;
  /** The resting stop we know of (undefined: none). */
  stopClientOrderId: string | undefined;
  stopPrice: number;
  /** Quantity of that stop (NaN: unknown) and the exit reason it closes with. */
  stopQty: number;
  stopReason: ExitReason;
  /** Revision of the last stop we placed (the bracket's stop is 0). */
  stopRevision: number;
  /** A replacement stop the venue has not accepted yet. */
  replacing: Replacement | undefined;
  /** Best close since entry: highest for LONG, lowest for SHORT. */
  bestClose: number;
  exitRequested: boolean;
}

/** The monitor params that move a stop (a subset of `PositionMonitorParams`). */
export interface StopRules {
  readonly breakEvenAtR: number;
  readonly breakEvenOffsetPct: number;
  readonly trailingActivationR: number;
  readonly trailingDistancePct: number;
  readonly trailingAtrMultiple: number;
}

/** Stop revisions of adopted positions start here, clear of the revisions a bracket's own stops use. */
export const ADOPTED_STOP_REVISION = 500;

/** The stop the position should have now, and why; NaN when none is due. */
export const targetStop = (
  p: StopRules,
  position: Tracked,
  close: number,
  atr: number,
): { price: number; reason: ExitReason } => {
  const r = position.riskPerUnit;
  const direction = directionOf(position.held.side);
  // Direction-normalized so "higher is better" for both sides.
  let price = Number.NaN;
  let reason: ExitReason = 'BREAK_EVEN';
  if (p.breakEvenAtR > 0 && direction * (close - position.held.entryPrice) >= p.breakEvenAtR * r) {
    price = position.held.entryPrice * (1 + (direction * p.breakEvenOffsetPct) / 100);
  }
  if (
    p.trailingActivationR > 0 &&
    direction * (position.bestClose - position.held.entryPrice) >= p.trailingActivationR * r
  ) {
    const distance =
      p.trailingAtrMultiple > 0
        ? p.trailingAtrMultiple * atr
        : (position.bestClose * p.trailingDistancePct) / 100;
    const trailing = position.bestClose - direction * distance;
    if (distance > 0 && (Number.isNaN(price) || direction * (trailing - price) > 0)) {
      price = trailing;
      reason = 'TRAILING_STOP';
    }
  }
  return { price, reason };
};

/**
 * Sends a new reduce-only stop for the whole position (revision + 1) and remembers it as the
 * replacement in flight: the stop it replaces, if any, is cancelled only once this one is accepted.
 */
export const placeStop = (
  position: Tracked,
  symbol: string,
  ts: number,
  stopPrice: number,
  exitReason: ExitReason,
  reason: string,
  emit: (out: OrderRequest | CancelOrder) => void,
): void => {
  position.stopRevision++;
  const clientOrderId = clientOrderIdFor(position.intentId, 'STOP_LOSS', position.stopRevision);
  position.replacing = {
    clientOrderId,
    stopPrice,
    previousClientOrderId: position.stopClientOrderId,
    previousStopPrice: position.stopPrice,
    previousStopQty: position.stopQty,
  };
  position.stopPrice = stopPrice;
  position.stopQty = position.held.qty;
  position.stopReason = exitReason;
  emit({
    kind: 'order-request',
    clientOrderId,
    intentId: position.intentId,
    symbol,
    ts,
    side: exitSideOf(position.held.side),
    type: 'STOP_MARKET',
    // Without the float noise of repeated fills (0.1 + 0.2 − 0.1): the venue wants the step grid.
    qty: Number(position.held.qty.toPrecision(12)),
    stopPrice,
    reduceOnly: true,
    purpose: 'STOP_LOSS',
    positionSide: position.held.side,
    exitReason,
    reason,
  });
};

/**
 * After an add (a PAL scale-in, a later TWAP slice) the position is larger than its resting stop:
 * the stop is replaced, new-first, at the same price for the whole position. Waits while another
 * replacement is in flight (the next candle tries again).
 */
export const resizeStopIfShort = (
  position: Tracked,
  symbol: string,
  ts: number,
  emit: (out: OrderRequest | CancelOrder) => void,
): void => {
  if (position.replacing !== undefined || position.exitRequested) return;
  if (position.stopClientOrderId === undefined || !(position.stopPrice > 0)) return;
  if (!(position.held.qty > position.stopQty * (1 + 1e-9))) return;
  placeStop(
    position,
    symbol,
    ts,
    position.stopPrice,
    position.stopReason,
    `stop resized from ${position.stopQty} to ${position.held.qty} after an add`,
    emit,
  );
};

/** A position the venue reported on connect, as the monitor tracks it: no stop known, 1R unknown. */
export const adoptedPosition = (report: PositionStatusReport): Tracked => ({
  intentId: report.intentId,
  held: {
    side: report.side,
    qty: report.qty,
    entryPrice: report.entryPrice,
    marginUsdt: (report.qty * report.entryPrice) / report.leverage,
    leverage: report.leverage,
  },
  openedTs: report.openedTs,
  riskPerUnit: Number.NaN,
  stopClientOrderId: undefined,
  stopPrice: Number.NaN,
  stopQty: Number.NaN,
  stopReason: 'STOP_LOSS',
  stopRevision: ADOPTED_STOP_REVISION,
  replacing: undefined,
  bestClose: report.markPrice,
  exitRequested: false,
});
