import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { Action, ModelVote, Signal } from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { modelScoreboardParams } from './model-scoreboard.js';
import type { ModelBatch } from './predict.js';

export const ensembleVoteParams = z
  .object({
    /** Weight per model name; a model not listed weighs 1. Weights are normalized over the voters. */
    weights: z.record(z.string(), z.number().finite().nonnegative()).default({}),
    /** A winning score below this becomes HOLD. */
    minConfidence: z.number().min(0).max(1).default(0.5),
    /** Feature copied into `Signal.atr` when present, finite and > 0. */
    atrFeature: z.string().min(1).default('atr_14'),
    /** Emit HOLD signals too (false: only BUY/SELL pass). */
    emitHold: z.boolean().default(true),
  })
  .strict();
export type EnsembleVoteParams = z.output<typeof ensembleVoteParams>;

/**
 * How the ensemble's weights are chosen (the pipeline's `ensemble` section, beside `minConfidence`):
 * `fixed` — the models' configured weights; `performance` — each configured weight × the model's
 * factor from its recent out-of-sample record (`performanceFactors` in model-scoreboard.ts: Cohen's
 * kappa over its last `scoreboard.window` resolved votes, floored at 0; a model with fewer than
 * `performance.minResolved` resolved votes counts as the average of the rated ones, 1 while none is).
 */
export const ensembleWeightingParams = z
  .object({
    weighting: z.enum(['fixed', 'performance']).default('fixed'),
    /** How votes are resolved against realized outcomes (the report's accuracy, the weighting, the supervisor). */
    scoreboard: modelScoreboardParams.prefault({}),
    performance: z
      .object({
        /** Resolved votes in a model's window before its record changes its weight. */
        minResolved: z.number().int().min(1).default(50),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type EnsembleWeightingParams = z.output<typeof ensembleWeightingParams>;

/**
 * Weighted vote of the models into one `Signal` per batch.
 *
 * Voting: abstaining models (action null) get weight 0; the configured weights of the others
 * (missing ⇒ 1) are re-normalized to sum 1. Per action, score = Σ weightᵢ × confidenceᵢ over the
 * models voting that action. The winner is the action with the highest score; a tie for the top,
 * or a winning score below `minConfidence`, gives HOLD. The signal's confidence is the score of
 * the emitted action (HOLD's own score when HOLD wins by tie or threshold).
 *
 * Worked example: XGB BUY 85% (weight 1), LGBM BUY 76% (weight 1), NHITS abstains (weight 2):
 * NHITS gets 0, XGB and LGBM 0.5 each; BUY = 0.5 × 0.85 + 0.5 × 0.76 = 0.805 ⇒ BUY 80.5%.
 * All models abstaining (or all weights 0) ⇒ HOLD with confidence 0, votes listing abstentions.
 *
 * Every vote is kept in `Signal.votes` with its re-normalized weight; `Signal.price` is the
 * candle close; `Signal.atr` is the `atrFeature` value when present. Emits one signal per batch,
 * synchronously; silent only for HOLD when `emitHold` is false.
 */
export const ensembleVote = (
  params: z.input<typeof ensembleVoteParams> = {},
): OperatorFunction<ModelBatch, Signal> => {
  const p = ensembleVoteParams.parse(params);
  return operate(() => createEnsembleVote(p));
};

/**
 * The ensemble's logic (see `ensembleVote`), as a handler the kernel and the operator share.
 * `factorOf`, when given, multiplies each model's configured weight at every vote (performance
 * weighting); the votes in the signal carry the re-normalized weight actually used.
 */
export const createEnsembleVote = (
  p: EnsembleVoteParams,
  factorOf?: (model: string) => number,
): Handler<ModelBatch, Signal> => {
  // A Map: weights are read for every vote of every candle (a record lookup by dynamic key is slower).
  const weights = new Map(Object.entries(p.weights));
  // The configured weight per prediction slot, kept for the model name last seen there: a batch
  // lists the same models in the same order every candle (the same name strings), so the Map is
  // read once per model, not four times per candle.
  const slotNames: string[] = [];
  const slotWeights: number[] = [];
  const configuredWeightOf = (slot: number, model: string): number => {
    if (slotNames[slot] !== model) {
      slotNames[slot] = model;
      slotWeights[slot] = weights.get(model) ?? 1;
    }
    return slotWeights[slot];
  };
  const weightOf =
    factorOf === undefined
      ? configuredWeightOf
      : (slot: number, model: string): number => configuredWeightOf(slot, model) * factorOf(model);
  // Each slot's weight at this vote (0 for an abstention), found once per vote and read by the
  // scores and the votes (a call per slot and pass cost more than the vote's own arithmetic).
  let voteWeights = new Float64Array(0);
  // ATR index cached by the identity of the feature set's shared `names` array.
  let knownNames: readonly string[] | undefined;
  let atrIndex = -1;
  return {
    next({ vector, predictions }, emit) {
      const count = predictions.length;
      if (voteWeights.length !== count) voteWeights = new Float64Array(count);
      const used = voteWeights;
      let totalWeight = 0;
      for (let i = 0; i < count; i++) {
        const prediction = predictions[i];
        const weight = prediction.action === null ? 0 : weightOf(i, prediction.model);
        used[i] = weight;
        totalWeight += weight;
      }
      // Three locals, not an array: the scores stay in registers.
      let buy = 0;
      let sell = 0;
      let hold = 0;
      if (totalWeight > 0) {
        for (let i = 0; i < count; i++) {
          const prediction = predictions[i];
          const vote = prediction.action;
          if (vote === null) continue;
          const share = (used[i] / totalWeight) * prediction.confidence;
          if (vote === 'BUY') buy += share;
          else if (vote === 'SELL') sell += share;
          else hold += share;
        }
      }
      let action: Action = 'HOLD';
      let confidence = hold;
      if (totalWeight > 0) {
        // The first best of BUY, SELL, HOLD (in that order); a tie for the best is no decision.
        let best: Action = 'BUY';
        let bestScore = buy;
        let tie = false;
        if (sell > bestScore) {
          best = 'SELL';
          bestScore = sell;
          tie = false;
        } else if (sell === bestScore) tie = true;
        if (hold > bestScore) {
          best = 'HOLD';
          bestScore = hold;
          tie = false;
        } else if (hold === bestScore) tie = true;
        if (!tie && best !== 'HOLD' && bestScore >= p.minConfidence) {
          action = best;
          confidence = bestScore;
        }
      }
      if (action === 'HOLD' && !p.emitHold) return;
      // Votes only for a signal that is emitted (most candles are HOLD).
      const votes = new Array<ModelVote>(count);
      for (let i = 0; i < count; i++) {
        const prediction = predictions[i];
        const weight = prediction.action === null || totalWeight === 0 ? 0 : used[i] / totalWeight;
        votes[i] =
          prediction.abstainReason === undefined
            ? {
                model: prediction.model,
                action: prediction.action,
                confidence: prediction.confidence,
                weight,
              }
            : {
                model: prediction.model,
                action: prediction.action,
                confidence: prediction.confidence,
                weight,
                abstainReason: prediction.abstainReason,
              };
      }
      if (vector.names !== knownNames) {
        knownNames = vector.names;
        atrIndex = vector.names.indexOf(p.atrFeature);
      }
      const atr = atrIndex < 0 ? Number.NaN : vector.values[atrIndex];
      // Float sums can land a hair outside 0…1.
      const clipped = Math.min(1, Math.max(0, confidence));
      const price = vector.kline.close;
      // Two literal shapes instead of a spread: this runs once per candle.
      emit(
        Number.isFinite(atr) && atr > 0
          ? {
              kind: 'signal',
              symbol: vector.symbol,
              ts: vector.ts,
              action,
              confidence: clipped,
              votes,
              price,
              atr,
            }
          : {
              kind: 'signal',
              symbol: vector.symbol,
              ts: vector.ts,
              action,
              confidence: clipped,
              votes,
              price,
            },
      );
    },
  };
};
