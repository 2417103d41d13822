import type {
  ModelFindingRaised,
  ModelPerformanceMeasured,
  ModelPrediction,
  Signal,
} from '../domain/index.js';
import { type AnyModel, abstain } from '../models/model.js';
import {
  createEnsembleVote,
  type EnsembleVoteParams,
  type EnsembleWeightingParams,
} from './ensemble-vote.js';
import { ModelScoreboard, performanceFactors } from './model-scoreboard.js';
import { createModelSupervisor, type ModelSupervisorParams } from './model-supervisor.js';
import type { ModelBatch } from './predict.js';

/** What the supervisor publishes (`ai.model_supervisor`). */
export type SupervisorEvent = ModelFindingRaised | ModelPerformanceMeasured;

/**
 * The ensemble with its scoreboard, performance weighting and supervisor — the ai-engine stage's
 * decision half, as plain calls so the stage, the marble tests and a split run share it:
 * - `observe(symbol, close)` for every closed candle (resolves the votes `horizon` candles old,
 *   and, with performance weighting, refreshes the weight factors);
 * - `vote(batch, emit)` for every batch of votes: the scoreboard and the drift windows see the raw
 *   votes and vector; a model the supervisor excludes (enforce mode) abstains with reason
 *   `supervisor: <findings>`; the ensemble re-weights over the rest and emits its `Signal`;
 * - `evaluate(ts, emit)` at each supervisor timer with votes since the last one: one
 *   `ModelFindingRaised` per finding, the new exclusions (a model no longer flagged is restored),
 *   then `ModelPerformanceMeasured`;
 * - `measure(ts, emit)`: `ModelPerformanceMeasured` alone (end of data).
 * With `weighting: fixed` and no exclusion the signals are exactly those of the plain ensemble.
 */
export const createSupervisedEnsemble = (
  models: readonly AnyModel[],
  vote: EnsembleVoteParams,
  weighting: EnsembleWeightingParams,
  supervisorParams: ModelSupervisorParams,
) => {
  const names = models.map((model) => model.name);
  const board = new ModelScoreboard(names, weighting.scoreboard);
  const supervisor = supervisorParams.enabled
    ? createModelSupervisor(models, board, supervisorParams)
    : undefined;
  const performance = weighting.weighting === 'performance';
  // Only the supervisor and performance weighting read the scoreboard: without them it is not kept
  // (bench/pipeline --quick: 2.9 µs/event with this guard, 4.3 without; the supervisor on adds 0.46).
  const scoring = supervisor !== undefined || performance;
  // Weight factor per model name (performance weighting), refreshed when votes resolve.
  const factors = new Map(names.map((name) => [name, 1]));
  const ensemble = createEnsembleVote(vote, performance ? (model) => factors.get(model) ?? 1 : undefined);
  // Abstention reason per excluded model index (enforce mode), replaced at every evaluation.
  let excluded = new Map<number, string>();
  // Batches voted since the last evaluation: with none (1h candles, a 30 min interval) an
  // evaluation would only repeat the last one's findings, so it is skipped.
  let votedSinceEvaluation = 0;

  const masked = (batch: ModelBatch): ModelBatch => {
    if (excluded.size === 0) return batch;
    const predictions = batch.predictions.map((prediction: ModelPrediction, i: number) => {
      const reason = excluded.get(i);
      return reason === undefined || prediction.action === null
        ? prediction
        : abstain(prediction.model, batch.vector, reason);
    });
    return { vector: batch.vector, predictions };
  };

  const measured = (ts: number): ModelPerformanceMeasured => ({
    kind: 'model-performance-measured',
    ts,
    horizon: weighting.scoreboard.horizon,
    thresholdPct: weighting.scoreboard.thresholdPct,
    models: names.map((name, i) =>
      board.scoreOf(i, performance ? (factors.get(name) ?? 1) : 1, excluded.has(i)),
    ),
  });

  return {
    board,
    observe(symbol: string, close: number): void {
      if (!scoring) return;
      board.observe(symbol, close);
      if (!performance) return;
      const values = performanceFactors(board, weighting.performance.minResolved);
      for (let i = 0; i < names.length; i++) factors.set(names[i], values[i]);
    },

    vote(batch: ModelBatch, emit: (signal: Signal) => void): void | PromiseLike<void> {
      if (scoring) board.record(batch);
      votedSinceEvaluation++;
      supervisor?.observe(batch.vector);
      return ensemble.next(masked(batch), emit);
    },

    evaluate(ts: number, emit: (event: SupervisorEvent) => void): void {
      if (supervisor === undefined || votedSinceEvaluation === 0) return;
      votedSinceEvaluation = 0;
      const verdict = supervisor.evaluate(ts);
      const next = new Map<number, string>();
      for (const m of verdict.excluded) {
        const kinds = [
          ...new Set(
            verdict.findings.filter((f) => f.model === names[m] && f.enforced).map((f) => f.finding),
          ),
        ];
        next.set(m, `supervisor: ${kinds.join(', ')}`);
      }
      excluded = next;
      for (const finding of verdict.findings) emit(finding);
      emit(measured(ts));
    },

    measure(ts: number, emit: (event: SupervisorEvent) => void): void {
      emit(measured(ts));
    },
  };
};
export type SupervisedEnsemble = ReturnType<typeof createSupervisedEnsemble>;
