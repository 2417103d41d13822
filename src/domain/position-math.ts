import type { LeverageBracket, OrderSide, PositionSide } from './index.js';
import { directionOf } from './index.js';

/**
 * Position accounting shared by `SimExchange` and `portfolioAccounting`: one place for every
 * formula (average entry, realized/unrealized PnL, isolated margin, maintenance margin and
 * liquidation price over the symbol's leverage brackets), so the venue and the engine's account
 * view can never disagree.
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
 * What sets a position's maintenance margin: one rate for every notional (the one-rate model, e.g.
 * `simExchangeParams.maintenanceMarginRate`), or the symbol's leverage brackets (`bracketsOf`).
 */
export type MarginTiers = number | readonly LeverageBracket[];

/** The bracket whose [floor, cap) holds `notionalUsdt`; beyond the last cap, the last bracket. */
export const bracketFor = (brackets: readonly LeverageBracket[], notionalUsdt: number): LeverageBracket => {
  for (const bracket of brackets) {
    if (notionalUsdt < bracket.notionalCapUsdt) return bracket;
  }
  return brackets[brackets.length - 1];
};

/**
 * Maintenance margin of a position of `notionalUsdt` (Binance): notional × rate − maintenance amount
 * of the notional's bracket. The amounts make it continuous (and convex) in the notional.
 */
export const maintenanceMarginUsdt = (notionalUsdt: number, tiers: MarginTiers): number => {
  if (typeof tiers === 'number') return notionalUsdt * tiers;
  const bracket = bracketFor(tiers, notionalUsdt);
  return notionalUsdt * bracket.maintenanceMarginRate - bracket.maintenanceAmountUsdt;
};

/**
 * The largest position notional a leverage allows: the cap of the last bracket that still allows
 * it (Binance refuses more with -2027); 0 when even the first bracket's maximum is lower.
 */
export const maxNotionalAtLeverage = (brackets: readonly LeverageBracket[], leverage: number): number => {
  let maxNotionalUsdt = 0;
  for (const bracket of brackets) {
    if (bracket.maxLeverage >= leverage) maxNotionalUsdt = bracket.notionalCapUsdt;
  }
  return maxNotionalUsdt;
};

/** Inputs of Binance's USDⓈ-M liquidation-price formula (one-way mode), in its own terms. */
export interface BinanceLiquidationInput {
  /** WB: the isolated wallet (isolated margin) or the cross wallet balance. */
  readonly walletBalanceUsdt: number;
  /** TMM1: maintenance margin of every other position in the cross wallet (0 for isolated). */
  readonly otherMaintenanceMarginUsdt: number;
  /** UPNL1: unrealized PnL of every other position in the cross wallet (0 for isolated). */
  readonly otherUnrealizedPnlUsdt: number;
  readonly side: PositionSide;
  /** Position size, absolute. */
  readonly qty: number;
  readonly entryPrice: number;
  /** MMR_B and cum_B of the bracket the price is computed for. */
  readonly maintenanceMarginRate: number;
  readonly maintenanceAmountUsdt: number;
}

/**
 * Binance's liquidation price (USDⓈ-M FAQ "How to calculate liquidation price"; freqtrade
 * `Binance.dry_run_liquidation_price`): the price where margin balance equals maintenance margin,
 * LP = (WB − TMM1 + UPNL1 + cum − side·qty·EP) / (qty·MMR − side·qty), side = +1 long, −1 short.
 * It may be ≤ 0 for a long that cannot be liquidated.
 */
export const binanceLiquidationPrice = (input: BinanceLiquidationInput): number => {
  const side = directionOf(input.side);
  const numerator =
    input.walletBalanceUsdt -
    input.otherMaintenanceMarginUsdt +
    input.otherUnrealizedPnlUsdt +
    input.maintenanceAmountUsdt -
    side * input.qty * input.entryPrice;
  return numerator / (input.qty * input.maintenanceMarginRate - side * input.qty);
};

/**
 * `binanceLiquidationPrice` of an isolated position (its margin is the wallet, no cross terms),
 * rearranged per side so that with no maintenance amount it is bit-for-bit the one-rate formula:
 * - long:  (E − (margin + cum)/q) / (1 − mmr)
 * - short: (E + (margin + cum)/q) / (1 + mmr)
 */
const isolatedLiquidationPrice = (
  position: PositionState,
  maintenanceMarginRate: number,
  maintenanceAmountUsdt: number,
): number => {
  const cushionPerUnit = (position.marginUsdt + maintenanceAmountUsdt) / position.qty;
  if (position.side === 'LONG') return (position.entryPrice - cushionPerUnit) / (1 - maintenanceMarginRate);
  return (position.entryPrice + cushionPerUnit) / (1 + maintenanceMarginRate);
};

/** Notionals within this share of a bracket edge count as inside it (the edges agree there). */
const EDGE_TOLERANCE = 1e-12;

/**
 * Liquidation price of an isolated one-way position (`binanceLiquidationPrice` with the isolated
 * margin as wallet, no cross terms). With brackets, the bracket is the one that holds the notional
 * *at the liquidation price* — the tier the venue's margin check uses when the mark gets there, as
 * Binance's own calculator does: each bracket's candidate price is tried and the one whose notional
 * falls inside it wins (the maintenance margin is continuous and the equity strictly monotonic, so
 * exactly one does, up to shared edges). freqtrade's dry run takes the entry notional's bracket
 * instead; both agree while entry and liquidation notionals share a bracket.
 * A long that cannot be liquidated (leverage ≤ ~1) gets 0.
 */
export const liquidationPrice = (position: PositionState, tiers: MarginTiers): number => {
  if (typeof tiers === 'number') return Math.max(0, isolatedLiquidationPrice(position, tiers, 0));
  let price = Number.NaN;
  for (const bracket of tiers) {
    price = isolatedLiquidationPrice(position, bracket.maintenanceMarginRate, bracket.maintenanceAmountUsdt);
    const notionalUsdt = price * position.qty;
    // A long's price ≤ 0 in the first bracket: no price liquidates it (a later bracket's line
    // only ever undercuts the true maintenance margin, so its price ≤ 0 proves nothing).
    if (notionalUsdt <= 0 && bracket === tiers[0]) return 0;
    if (
      notionalUsdt >= bracket.notionalFloorUsdt * (1 - EDGE_TOLERANCE) &&
      notionalUsdt <= bracket.notionalCapUsdt * (1 + EDGE_TOLERANCE)
    ) {
      return price;
    }
  }
  // Beyond the last cap (a position larger than the venue allows): the last bracket's price.
  return price;
};

/**
 * `applyFill` for a venue's `Fill` event: a fill without a leverage takes the position's (or 1×).
 * The one mapping the account, the position monitor and PAL share.
 */
export const applyFillEvent = (
  position: PositionState | undefined,
  fill: {
    readonly side: FillInput['side'];
    readonly qty: number;
    readonly price: number;
    readonly leverage?: number;
    readonly reduceOnly: boolean;
  },
): FillOutcome =>
  applyFill(position, {
    side: fill.side,
    qty: fill.qty,
    price: fill.price,
    leverage: fill.leverage ?? position?.leverage ?? 1,
    reduceOnly: fill.reduceOnly,
  });

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
        side: position.side,
        qty: remainingQty,
        entryPrice: position.entryPrice,
        marginUsdt: position.marginUsdt * (remainingQty / position.qty),
        leverage: position.leverage,
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
