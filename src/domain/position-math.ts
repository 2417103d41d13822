import type { OrderSide, PositionSide } from './index.js';
import { directionOf } from './index.js';

/**
 * Position accounting shared by `SimExchange` and `portfolioAccounting`: one place for every
 * formula (average entry, realized/unrealized PnL, isolated margin, liquidation price), so the
 * venue and the engine's account view can never disagree.
 */

/** An open one-way, isolated-margin position. */
export interface PositionState {
  readonly side: PositionSide;
  readonly qty: number;
  readonly entryPrice: number;
  /** Isolated margin posted: Σ entry notional / leverage, released pro rata on reduction. */
  readonly marginUsdt: number;
  readonly leverage: number;
}

/** One execution to apply to a position. */
export interface FillInput {
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  /** Leverage for margin of a newly opened position (an increase keeps the position's leverage). */
  readonly leverage: number;
  /** A reduce-only fill never opens nor flips: its excess over the position is ignored. */
  readonly reduceOnly: boolean;
}

/** What a fill did to a position. */
export interface FillOutcome {
  /** The position after the fill; `undefined` when flat. */
  readonly position: PositionState | undefined;
  /** PnL realized by the reducing part: (exit − entry) × closedQty × direction. */
  readonly realizedPnlUsdt: number;
  /** Part of the fill that reduced the previous position. */
  readonly closedQty: number;
  /** Part of the fill that opened or increased a position. */
  readonly openedQty: number;
  /** Whether the previous position was closed completely (also true on a flip). */
  readonly closedPosition: boolean;
}

/** Remainders below this share of the size are float noise (0.3 − 0.1 − 0.2 ≠ 0), i.e. flat. */
const FLAT_EPSILON = 1e-9;

/** Isolated initial margin of a notional at a leverage. */
export const initialMarginUsdt = (notionalUsdt: number, leverage: number): number => notionalUsdt / leverage;

/** (exit − entry) × qty × direction: what closing `qty` at `exitPrice` realizes. */
export const pnlUsdt = (side: PositionSide, entryPrice: number, exitPrice: number, qty: number): number =>
  (exitPrice - entryPrice) * qty * directionOf(side);

/** Unrealized PnL of a position marked at `markPrice`. */
export const unrealizedPnlUsdt = (position: PositionState, markPrice: number): number =>
  pnlUsdt(position.side, position.entryPrice, markPrice, position.qty);

/**
 * Liquidation price of an isolated one-way position with one maintenance-margin rate `mmr`
 * (Binance's formula with a single bracket and no cross wallet). The position is liquidated when
 * its equity, margin + (P − entry)·qty·dir, falls to the maintenance margin mmr·P·qty:
 * - long:  margin + (P − E)·q = mmr·P·q  ⇒  P = (E − margin/q) / (1 − mmr)
 * - short: margin − (P − E)·q = mmr·P·q  ⇒  P = (E + margin/q) / (1 + mmr)
 * A long at leverage ≤ ~1 cannot be liquidated: the result is clamped at 0.
 */
export const liquidationPrice = (position: PositionState, mmr: number): number => {
  const marginPerUnit = position.marginUsdt / position.qty;
  if (position.side === 'LONG') return Math.max(0, (position.entryPrice - marginPerUnit) / (1 - mmr));
  return (position.entryPrice + marginPerUnit) / (1 + mmr);
};

/**
 * Apply a fill to a position (or to flat). Same-side fills increase it at the qty-weighted
 * average entry and add margin at the position's leverage; opposite fills reduce it, realize PnL
 * and release margin pro rata; an opposite fill larger than the position closes it and opens the
 * rest the other way at the fill price (a flip) — unless the fill is reduce-only, which never flips.
 */
export const applyFill = (position: PositionState | undefined, fill: FillInput): FillOutcome => {
  const fillSide: PositionSide = fill.side === 'BUY' ? 'LONG' : 'SHORT';
  if (position === undefined || position.side === fillSide) {
    if (fill.reduceOnly) {
      // Nothing to reduce: a reduce-only fill against flat or the same side does nothing.
      return { position, realizedPnlUsdt: 0, closedQty: 0, openedQty: 0, closedPosition: false };
    }
    if (position === undefined) {
      return {
        position: {
          side: fillSide,
          qty: fill.qty,
          entryPrice: fill.price,
          marginUsdt: initialMarginUsdt(fill.qty * fill.price, fill.leverage),
          leverage: fill.leverage,
        },
        realizedPnlUsdt: 0,
        closedQty: 0,
        openedQty: fill.qty,
        closedPosition: false,
      };
    }
    const qty = position.qty + fill.qty;
    return {
      position: {
        side: position.side,
        qty,
        entryPrice: (position.entryPrice * position.qty + fill.price * fill.qty) / qty,
        marginUsdt: position.marginUsdt + initialMarginUsdt(fill.qty * fill.price, position.leverage),
        leverage: position.leverage,
      },
      realizedPnlUsdt: 0,
      closedQty: 0,
      openedQty: fill.qty,
      closedPosition: false,
    };
  }
  const closedQty = Math.min(position.qty, fill.qty);
  const realizedPnlUsdt = pnlUsdt(position.side, position.entryPrice, fill.price, closedQty);
  const remainingQty = position.qty - closedQty;
  if (remainingQty > position.qty * FLAT_EPSILON) {
    return {
      position: {
        ...position,
        qty: remainingQty,
        marginUsdt: position.marginUsdt * (remainingQty / position.qty),
      },
      realizedPnlUsdt,
      closedQty,
      openedQty: 0,
      closedPosition: false,
    };
  }
  const excessQty = fill.qty - closedQty;
  if (fill.reduceOnly || excessQty <= fill.qty * FLAT_EPSILON) {
    return { position: undefined, realizedPnlUsdt, closedQty, openedQty: 0, closedPosition: true };
  }
  return {
    position: {
      side: fillSide,
      qty: excessQty,
      entryPrice: fill.price,
      marginUsdt: initialMarginUsdt(excessQty * fill.price, fill.leverage),
      leverage: fill.leverage,
    },
    realizedPnlUsdt,
    closedQty,
    openedQty: excessQty,
    closedPosition: true,
  };
};
