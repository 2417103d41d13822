import { z } from 'zod';
import { Action, SymbolId, TimestampMs } from './common.js';

/**
 * One model's output for one symbol at one candle (`ModelPredicted`). A model still in warm-up,
 * or fed a NaN feature, abstains: `action` is absent and `abstainReason` says why.
 */
export const ModelVote = z
  .object({
    model: z.string(),
    action: Action.nullable(),
    /** Probability-like confidence in `action`, 0…1. */
    confidence: z.number().min(0).max(1),
    /** Weight the ensemble gave this vote after re-weighting abstentions (0 when abstaining). */
    weight: z.number().min(0).max(1),
    abstainReason: z.string().optional(),
  })
  .readonly();
export type ModelVote = z.infer<typeof ModelVote>;

/** What a model operator emits per candle: the vote plus the price context the ensemble passes on. */
export const ModelPrediction = z
  .object({
    kind: z.literal('model-prediction'),
    symbol: SymbolId,
    ts: TimestampMs,
    model: z.string(),
    action: Action.nullable(),
    confidence: z.number().min(0).max(1),
    /** Class probabilities when the model has them: BUY, SELL, HOLD. */
    probabilities: z.object({ BUY: z.number(), SELL: z.number(), HOLD: z.number() }).optional(),
    abstainReason: z.string().optional(),
  })
  .readonly();
export type ModelPrediction = z.infer<typeof ModelPrediction>;

/** The ensemble's verdict (`SignalGenerated`), keeping every model's vote ("XGB BUY 85%, LGBM BUY 76% → BUY 81%"). */
export const Signal = z
  .object({
    kind: z.literal('signal'),
    symbol: SymbolId,
    ts: TimestampMs,
    action: Action,
    confidence: z.number().min(0).max(1),
    votes: z.array(ModelVote).readonly(),
    /** Close of the candle the signal was made on: the reference price for sizing. */
    price: z.number().positive(),
    /** ATR at the candle, when the feature set has one (for ATR stops). */
    atr: z.number().positive().optional(),
  })
  .readonly();
export type Signal = z.infer<typeof Signal>;

/** Human summary of a signal: `XGB BUY 85%, LGBM BUY 76% → BUY 81%`. */
export const describeSignal = (signal: Signal): string => {
  // A loop, not map/join: this runs for every intent.
  let text = '';
  for (const vote of signal.votes) {
    if (text !== '') text += ', ';
    text +=
      vote.action === null
        ? `${vote.model} abstain`
        : `${vote.model} ${vote.action} ${Math.round(vote.confidence * 100)}%`;
  }
  return `${text} → ${signal.action} ${Math.round(signal.confidence * 100)}%`;
};
