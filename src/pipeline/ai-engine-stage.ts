import type { BusEvent, Signal } from '../domain/index.js';
import { createFeatureVectorizer } from '../features/feature-vectors.js';
import { createFeatureEngine } from '../features/indicators/feature-engine.js';
import { type Handler, handlerStage } from '../kernel/operate.js';
import { STAGE_RANK, type Stage } from '../kernel/stage.js';
import { TOPICS } from '../kernel/topics.js';
import type { AnyModel } from '../models/model.js';
import { SUPERVISOR_TIMER } from '../operators/model-supervisor.js';
import { createSupervisedEnsemble, type SupervisorEvent } from '../operators/model-supervisor-ensemble.js';
import { createPredict, type ModelBatch } from '../operators/predict.js';
import { nextRefreshAt } from '../operators/universe.js';
import { ensembleVoteParamsOf, type PipelineConfig } from './config.js';

/** What the ai-engine stage publishes: signals, and (supervisor on) findings and model records. */
export type AiEngineEvent = Signal | SupervisorEvent;

/**
 * The ai-engine stage: closed klines → TA-Lib-exact features → every model's vote → the weighted
 * ensemble's BUY/SELL signal (HOLD emits nothing). One stage, as the ai-engine service is one
 * process; features and predictions stay inside it. It also hosts the models' scoreboard (every
 * vote resolved against the realized move, for performance weighting) and, when
 * `supervisor.enabled`, the model supervisor: at each `model-supervisor.evaluate` timer it emits
 * its findings and every model's record, and at end of data the final record.
 */
export const aiEngineHandler = (
  config: PipelineConfig,
  models: readonly AnyModel[],
): Handler<BusEvent, AiEngineEvent> => {
  const features = createFeatureVectorizer(createFeatureEngine(config.features));
  const predict = createPredict(models);
  const { weighting, scoreboard, performance } = config.ensemble;
  const ensemble = createSupervisedEnsemble(
    models,
    ensembleVoteParamsOf(config, false),
    { weighting, scoreboard, performance },
    config.supervisor,
  );
  // The emit of the call in progress (the ensemble runs inside the models' answer).
  let emitSignal: (signal: Signal) => void = () => undefined;
  const onBatch = (batch: ModelBatch): void => void ensemble.vote(batch, emitSignal);
  return {
    next(event, emit) {
      if (event.kind === 'kline') {
        const vector = features.vectorOf(event);
        // A skipped kline (not after its symbol's last) neither votes nor counts toward the horizon.
        if (vector === undefined) return;
        ensemble.observe(event.symbol, event.close);
        emitSignal = emit;
        // An async model's answer is a promise: the kernel awaits it inside the barrier.
        return predict.next(vector, onBatch);
      }
      if (!config.supervisor.enabled) return;
      if (event.kind === 'timer-fired' && event.name === SUPERVISOR_TIMER) ensemble.evaluate(event.ts, emit);
      else if (event.kind === 'end-of-data') ensemble.measure(event.ts, emit);
    },
  };
};

/** The stage's name, and the owner of the supervisor's timer. */
export const AI_ENGINE_STAGE = 'ai-engine';

/**
 * The ai-engine as a kernel stage. Supervisor off: consumes `market.klines` only and publishes
 * signals — fed by the market alone, so a split run may send it deliveries ahead. Supervisor on:
 * also consumes `control` (its evaluation timer and end of data) and publishes on
 * `ai.model_supervisor`; on its first kline it sets a periodic timer on the kernel's clock at the
 * next multiple of `supervisor.intervalMs` (as the universe does). A timer names no symbol, so with
 * several ai-engine replicas only the first evaluates (run one replica with the supervisor on).
 */
export const aiEngineStage = (config: PipelineConfig, models: readonly AnyModel[]): Stage => {
  const supervised = config.supervisor.enabled;
  const inner = handlerStage({
    name: AI_ENGINE_STAGE,
    rank: STAGE_RANK.aiEngine,
    consumes: supervised ? [TOPICS.klines, TOPICS.control] : [TOPICS.klines],
    publishes: supervised ? [TOPICS.signals, TOPICS.modelSupervisor] : [TOPICS.signals],
    handler: aiEngineHandler(config, models),
    topicOf: (event) => (event.kind === 'signal' ? TOPICS.signals : TOPICS.modelSupervisor),
  });
  if (!supervised) return inner;
  const { intervalMs } = config.supervisor;
  let armed = false;
  return {
    ...inner,
    handle(event, context) {
      if (!armed && event.kind === 'kline') {
        armed = true;
        context.clock.setTimer({
          owner: AI_ENGINE_STAGE,
          name: SUPERVISOR_TIMER,
          atMs: nextRefreshAt(event.ts, intervalMs),
          periodMs: intervalMs,
        });
      }
      return inner.handle(event, context);
    },
  };
};
