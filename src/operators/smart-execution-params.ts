import { z } from 'zod';

/**
 * Parameters of smart execution (AELM, `smartExecution`), the pipeline's `aelm` section: the
 * slippage guard, the market estimate, the order-type choice, TWAP slicing and the retry policy.
 */
export const smartExecutionParams = z
  .object({
    /** Slippage guard: a market order's expected slippage (impact + half-spread) may not exceed this, in bps. */
    maxSlippageBps: z.number().positive().default(15),
    /** Over the limit, shrink the order down to at most this share of the wanted qty; below it, refuse. */
    minFillFraction: z.number().gt(0).max(1).default(0.5),
    /** k of the square-root law: impact = k × σ × √(qty / average candle volume). */
    impactCoefficient: z.number().nonnegative().default(1),
    /** Candles σ (RMS of log returns), the average volume and Roll's spread are measured over. */
    volatilityWindow: z.number().int().min(2).max(10_000).default(60),
    /** Returns needed before the estimate counts (at most volatilityWindow); before: AELM abstains. */
    minCandles: z.number().int().min(1).max(10_000).default(20),
    /** The symbol's full bid-ask spread in bps (candles carry no quotes): the estimate, or Roll's floor. */
    spreadBps: z.number().nonnegative().default(2),
    /** `fixed`: spreadBps; `roll`: the larger of spreadBps and Roll's estimator from the closes. */
    spreadModel: z.enum(['fixed', 'roll']).default('fixed'),
    /** Whether a post-only LIMIT at the touch may be chosen instead of MARKET. */
    passive: z.boolean().default(true),
    /** Cost of waiting in σ of one candle: passive when half-spread + fee saving (bps) > urgency × σ. */
    urgency: z.number().nonnegative().default(0.5),
    /** A post-only LIMIT not filled within this many candles is cancelled; the rest goes MARKET. */
    limitTimeoutCandles: z.number().int().min(1).max(1_000).default(2),
    /** Orders above this notional (USDT) are sliced (TWAP). */
    twapAboveUsdt: z.number().positive().default(50_000),
    /** Orders above this share of the average candle volume are sliced (TWAP). */
    maxParticipation: z.number().gt(0).max(1).default(0.05),
    /** Child orders of a sliced order (fewer when a slice would fall below the venue's minimum). */
    twapSlices: z.number().int().min(2).max(100).default(4),
    /** Candles between slices. */
    twapIntervalCandles: z.number().int().min(1).max(1_000).default(1),
    /** Re-sends of an entry the venue refused with a retryable error (network, rate limit, clock). */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** The n-th retry (from 0) waits retryDelayCandles × 2ⁿ candles. */
    retryDelayCandles: z.number().int().min(1).max(1_000).default(1),
  })
  .strict();
export type SmartExecutionParams = z.output<typeof smartExecutionParams>;

/** Revisions of the EXIT ids that undo a child filled after its position closed (time exits use 0, the kill switch 1). */
export const AELM_EXIT_REVISION = 600;
