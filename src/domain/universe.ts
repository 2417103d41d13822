import { z } from 'zod';
import { SymbolId, TimestampMs } from './common.js';

/**
 * Why a symbol is not in the trading universe: a list (`deny-list`), a rule on its measures
 * (`too-young`, `spread`, `volatility-low`, `volatility-high`, `funding`, `low-volume`), no
 * measures to rank it by yet (`no-data`), a malformed candle since the last refresh (`invalid-candle`:
 * the module abstains for that symbol), or a rank below the top N (`rank`, listed for symbols that
 * just left).
 */
export const UNIVERSE_EXCLUSIONS = [
  'deny-list',
  'too-young',
  'no-data',
  'invalid-candle',
  'low-volume',
  'spread',
  'volatility-low',
  'volatility-high',
  'funding',
  'rank',
] as const;
export const UniverseExclusion = z.enum(UNIVERSE_EXCLUSIONS);
export type UniverseExclusion = z.infer<typeof UniverseExclusion>;

/** What the universe reads of one symbol over its lookback window, at a refresh. */
export const UniverseMeasures = z
  .object({
    /** Quote volume (USDT) of the symbol's candles in the lookback window. */
    quoteVolume: z.number().nonnegative(),
    /** Bid-ask spread estimated from the candles' close, high and low (Abdi–Ranaldo), in basis points. */
    spreadBps: z.number().nonnegative(),
    /** Realized volatility of close-to-close log returns, scaled to one day, in percent. */
    volatilityPct: z.number().nonnegative(),
    /** Largest |funding rate| settled in the window; absent when no candle carried one. */
    maxAbsFundingRate: z.number().nonnegative().optional(),
    /** Time since the symbol's first candle; absent for symbols present from the start of the data (listed before it). */
    ageMs: z.number().nonnegative().optional(),
  })
  .readonly();
export type UniverseMeasures = z.infer<typeof UniverseMeasures>;

/** A symbol in the universe: its rank (1 = best), its score and the measures behind it. */
export const UniverseMember = z
  .object({
    symbol: SymbolId,
    rank: z.number().int().positive(),
    /** Weighted percentile score in [0, 1] among the eligible symbols; absent for an allow-listed symbol without measures. */
    score: z.number().min(0).max(1).optional(),
    measures: UniverseMeasures.optional(),
    /** Why it is in, in words (its rank and score, or the allow list). */
    reason: z.string(),
  })
  .readonly();
export type UniverseMember = z.infer<typeof UniverseMember>;

/**
 * The trading universe changed (`UniverseChanged`, Universe OS): the symbols new entries may open
 * on, ordered by rank, with what joined and what left since the previous universe, and why each
 * excluded symbol is out. Symbols that leave keep their open positions (managed to their exit);
 * only new entries are refused.
 */
export const UniverseChanged = z
  .object({
    kind: z.literal('universe-changed'),
    ts: TimestampMs,
    members: z.array(UniverseMember).readonly(),
    added: z.array(SymbolId).readonly(),
    removed: z.array(SymbolId).readonly(),
    /** Symbols seen but excluded by a list or a rule, and those that just left by rank. */
    excluded: z
      .array(z.object({ symbol: SymbolId, why: UniverseExclusion, reason: z.string() }).readonly())
      .readonly(),
    /** Symbols that passed every rule and were ranked, of `seen` symbols with candles so far. */
    eligible: z.number().int().nonnegative(),
    seen: z.number().int().nonnegative(),
    reason: z.string(),
  })
  .readonly();
export type UniverseChanged = z.infer<typeof UniverseChanged>;
