import { z } from 'zod';
import { SymbolId, TimestampMs } from './common.js';

/** A symbol's market regime (DESIGN.md §1: regime detection → strategy selection). */
export const REGIMES = ['TRENDING_UP', 'TRENDING_DOWN', 'RANGING', 'VOLATILE'] as const;
export const Regime = z.enum(REGIMES);
export type Regime = z.infer<typeof Regime>;

/**
 * The regime a symbol is in changed (`RegimeChanged`): the new regime, the one before (absent on
 * the first classification) and the measures that decided it, so a user can read why.
 */
export const RegimeChanged = z
  .object({
    kind: z.literal('regime-changed'),
    symbol: SymbolId,
    ts: TimestampMs,
    regime: Regime,
    previous: Regime.optional(),
    /** ADX (0–100), the ATR against its usual level (×), realized volatility per candle, trend slope of ln(close) per candle. */
    adx: z.number(),
    atrRatio: z.number().nonnegative(),
    realizedVol: z.number().nonnegative(),
    slope: z.number(),
    reason: z.string(),
  })
  .readonly();
export type RegimeChanged = z.infer<typeof RegimeChanged>;

/** How an open position is doing (PIL, position intelligence). */
export const POSITION_STATUSES = ['LEADING', 'LAGGING', 'NEUTRAL', 'AT_RISK'] as const;
export const PositionStatus = z.enum(POSITION_STATUSES);
export type PositionStatus = z.infer<typeof PositionStatus>;

/**
 * An open position's assessment changed (`PositionAssessed`): its status, the measures behind it
 * (unrealized R, momentum over recent candles in the position's direction, time held) and what
 * PIL recommends, in words.
 */
export const PositionAssessed = z
  .object({
    kind: z.literal('position-assessed'),
    symbol: SymbolId,
    ts: TimestampMs,
    intentId: z.string(),
    status: PositionStatus,
    previous: PositionStatus.optional(),
    unrealizedR: z.number(),
    /** Return over the last `momentumCandles` candles, signed so that positive is in the position's favour. */
    momentum: z.number(),
    heldMs: z.number().nonnegative(),
    recommendation: z.enum(['HOLD', 'HOLD_OR_SCALE_IN', 'TIGHTEN_OR_EXIT', 'REDUCE']),
    reason: z.string(),
  })
  .readonly();
export type PositionAssessed = z.infer<typeof PositionAssessed>;
