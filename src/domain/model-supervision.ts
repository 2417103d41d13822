import { z } from 'zod';
import { TimestampMs } from './common.js';

/**
 * What the model supervisor can find wrong with a model: `bias` (its non-abstaining votes lean one
 * way beyond the limit), `drift` (an input feature's PSI against the training distribution above
 * the flag limit), `drift-warning` (PSI between the warning and the flag limit: reported, never
 * enforced), `accuracy-decay` (recent accuracy below the floor, or below its training accuracy by
 * more than the margin).
 */
export const MODEL_FINDINGS = ['bias', 'drift', 'drift-warning', 'accuracy-decay'] as const;
export const ModelFinding = z.enum(MODEL_FINDINGS);
export type ModelFinding = z.infer<typeof ModelFinding>;

/**
 * The supervisor found something wrong with a model at an evaluation (`ModelFindingRaised`): one
 * event per finding per evaluation, so a persistent problem is raised again at every evaluation
 * while it lasts. `enforced` says whether the model's votes become abstentions until an evaluation
 * no longer flags it (enforce mode, flag findings only).
 */
export const ModelFindingRaised = z
  .object({
    kind: z.literal('model-finding-raised'),
    ts: TimestampMs,
    model: z.string(),
    finding: ModelFinding,
    /** The measured value: the one-sided share, the PSI, the recent accuracy. */
    value: z.number().finite(),
    /** The limit it crossed. */
    threshold: z.number().finite(),
    /** The feature, for drift findings. */
    feature: z.string().optional(),
    /** How many votes (or vectors, for drift) the value was measured over. */
    sample: z.number().int().nonnegative(),
    enforced: z.boolean(),
    /** In words, e.g. `bias: 92 % of 200 votes BUY > 70 %`. */
    reason: z.string(),
  })
  .readonly();
export type ModelFindingRaised = z.infer<typeof ModelFindingRaised>;

/** One model's running record, as the scoreboard keeps it (see `ModelPerformanceMeasured`). */
export const ModelScore = z
  .object({
    model: z.string(),
    /** Votes cast since the start, by action, and abstentions: the model's own votes, before any supervisor exclusion. */
    votes: z.object({ BUY: z.number(), SELL: z.number(), HOLD: z.number(), abstain: z.number() }).readonly(),
    /** Votes whose horizon has passed (abstentions are never resolved). */
    resolved: z.number().int().nonnegative(),
    /** Share of resolved votes that named the realized class; null before the first. */
    accuracy: z.number().min(0).max(1).nullable(),
    /** Share of resolved BUY (SELL) votes whose realized class was BUY (SELL); null without one. */
    precisionBuy: z.number().min(0).max(1).nullable(),
    precisionSell: z.number().min(0).max(1).nullable(),
    /** Accuracy over the last `window` resolved votes (the weighting's and the supervisor's view). */
    recentAccuracy: z.number().min(0).max(1).nullable(),
    /** The weight factor of performance weighting (1 with fixed weighting). */
    weightFactor: z.number().min(0),
    /** Whether the supervisor currently removes the model from the vote (enforce mode). */
    excluded: z.boolean(),
  })
  .readonly();
export type ModelScore = z.infer<typeof ModelScore>;

/**
 * Every model's record against realized outcomes at one instant (`ModelPerformanceMeasured`): at
 * each supervisor evaluation and at end of data. A vote at candle t is resolved when the symbol's
 * candle t + `horizon` closes: a forward return above `thresholdPct` % is BUY, below −`thresholdPct` %
 * SELL, else HOLD.
 */
export const ModelPerformanceMeasured = z
  .object({
    kind: z.literal('model-performance-measured'),
    ts: TimestampMs,
    horizon: z.number().int().positive(),
    thresholdPct: z.number().nonnegative(),
    models: z.array(ModelScore).readonly(),
  })
  .readonly();
export type ModelPerformanceMeasured = z.infer<typeof ModelPerformanceMeasured>;
