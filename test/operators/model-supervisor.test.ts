import { map, NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action, BusEvent, Kline, TimerFired } from '../../src/domain/index.js';
import { operate } from '../../src/kernel/operate.js';
import { abstain, type Model, predictionOf } from '../../src/models/model.js';
import type { FeatureStats } from '../../src/models/model-manifest.js';
import { ensembleVoteParams, ensembleWeightingParams } from '../../src/operators/ensemble-vote.js';
import { ModelScoreboard, modelScoreboardParams } from '../../src/operators/model-scoreboard.js';
import {
  binOf,
  createModelSupervisor,
  modelSupervisorParams,
  psi,
  SUPERVISOR_TIMER,
} from '../../src/operators/model-supervisor.js';
import { createSupervisedEnsemble } from '../../src/operators/model-supervisor-ensemble.js';
import { type AiEngineEvent, aiEngineHandler } from '../../src/pipeline/ai-engine-stage.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { kline, vector } from '../builders.js';
import { assertEqual, assertError } from '../requirements.js';

const MIN = 60_000;

/** A model that votes whatever `actionOf()` says, with `confidence` (`features`, `featureStats`, `metrics` as given). */
const scripted = (
  name: string,
  actionOf: () => Action | null,
  extra: Partial<Pick<Model, 'features' | 'featureStats' | 'metrics'>> = {},
  confidence = 0.9,
): Model => ({
  name,
  features: extra.features ?? [],
  warmup: 0,
  ...(extra.featureStats === undefined ? {} : { featureStats: extra.featureStats }),
  ...(extra.metrics === undefined ? {} : { metrics: extra.metrics }),
  create: () => (v) => {
    const action = actionOf();
    return action === null ? abstain(name, v, 'no view') : predictionOf(name, v, action, confidence);
  },
});

const STATS: FeatureStats = { edges: [0, 1], fractions: [0.3, 0.4, 0.2], missing: 0.1 };

test('bins: a value equal to an edge is in the lower bin; past the last edge the last bin; NaN is missing', () => {
  assert.equal(
    [-5, 0, 0.5, 1, 1.01, Number.NaN].map((x) => binOf(STATS.edges, x)),
    [0, 0, 1, 1, 2, -1],
  );
});

test('PSI by hand: live shares .2 .3 .4 and .1 missing against training .3 .4 .2 and .1', () => {
  // (.2−.3)ln(.2/.3) + (.3−.4)ln(.3/.4) + (.4−.2)ln(.4/.2) + 0 = 0.1 ln 1.5 + 0.1 ln(4/3) + 0.2 ln 2.
  const expected = 0.1 * Math.log(1.5) + 0.1 * Math.log(4 / 3) + 0.2 * Math.log(2);
  assert.ok(Math.abs(psi(STATS, [2, 3, 4], 1) - expected) < 1e-12);
  assert.ok(Math.abs(expected - 0.20794) < 1e-5);
  // The same shares as training: 0. An empty bin is floored at 1e-4, not infinite.
  assert.is(psi(STATS, [3, 4, 2], 1), 0);
  assert.ok(Number.isFinite(psi(STATS, [0, 0, 10], 0)));
});

/** Feeds `values` of feature f to a supervisor watching model `m` (with STATS for f) and evaluates. */
const driftAfter = (values: readonly number[], mode: 'observe' | 'enforce' = 'observe') => {
  const model = scripted('m', () => 'HOLD', { features: ['f'], featureStats: { f: STATS } });
  const board = new ModelScoreboard(['m'], modelScoreboardParams.parse({ window: 10 }));
  const supervisor = createModelSupervisor(
    [model],
    board,
    modelSupervisorParams.parse({ enabled: true, mode, driftWindow: 10, minVectors: 10 }),
  );
  for (const value of values) supervisor.observe(vector({ other: 1, f: value }));
  return supervisor.evaluate(30 * MIN);
};

test('drift: PSI 0.208 of the last 10 vectors is a drift-warning (never enforced); a moved population is drift', () => {
  const warned = driftAfter([-1, -1, 0.5, 0.5, 0.5, 2, 2, 2, 2, Number.NaN], 'enforce');
  assert.equal(
    warned.findings.map((f) => [f.finding, f.feature, f.value.toFixed(5), f.enforced, f.sample]),
    [['drift-warning', 'f', '0.20794', false, 10]],
  );
  assert.is(warned.excluded.size, 0);
  const moved = driftAfter([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 'enforce');
  assert.equal(
    moved.findings.map((f) => [f.finding, f.enforced]),
    [['drift', true]],
  );
  assert.match(moved.findings[0].reason, /^drift: f PSI \d+\.\d{3} > 0\.25 over 10 vectors$/);
  assert.equal([...moved.excluded], [0]);
  // Observe mode raises the same finding without enforcing it.
  assert.equal(
    driftAfter([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]).findings.map((f) => [f.finding, f.enforced]),
    [['drift', false]],
  );
  // Fewer than minVectors: not judged.
  assert.equal(driftAfter([5, 5, 5]).findings, []);
});

test('bias and accuracy decay: judged after minVotes, against biasShare and the training accuracy − margin', () => {
  let aAction: Action = 'BUY';
  const models = [
    scripted('always-buy', () => aAction),
    scripted('trained', () => 'SELL', { metrics: { accuracy: 0.6 } }),
  ];
  const board = new ModelScoreboard(
    models.map((m) => m.name),
    modelScoreboardParams.parse({ horizon: 1, thresholdPct: 0.5, window: 10 }),
  );
  const supervisor = createModelSupervisor(
    models,
    board,
    modelSupervisorParams.parse({ enabled: true, mode: 'enforce', minVotes: 5 }),
  );
  // Flat prices: the realized class is HOLD, so every BUY and SELL vote is a miss.
  const castOn = (t: number): void => {
    board.observe('XUSDT', 100);
    const v = vector({}, { symbol: 'XUSDT', ts: t * MIN, close: 100 });
    board.record({ vector: v, predictions: models.map((m) => m.create()(v)) });
  };
  for (let t = 1; t <= 4; t++) castOn(t);
  assert.equal(supervisor.evaluate(5 * MIN).findings, [], 'four votes < minVotes 5: no judgement');
  for (let t = 5; t <= 6; t++) castOn(t);
  const verdict = supervisor.evaluate(6 * MIN);
  assert.equal(
    verdict.findings.map((f) => [f.model, f.finding, f.value, f.threshold, f.sample]),
    [
      ['always-buy', 'bias', 1, 0.7, 6],
      ['trained', 'bias', 1, 0.7, 6],
      ['trained', 'accuracy-decay', 0, 0.5, 5],
    ],
  );
  assert.is(verdict.findings[0].reason, 'bias: 100 % of 6 votes BUY > 70 %');
  assert.is(
    verdict.findings[2].reason,
    'accuracy decay: 0 % over 5 resolved votes < training accuracy 60 % − margin 10 %',
  );
  assert.equal([...verdict.excluded], [0, 1]);
  // always-buy alternates from now: 10 votes in its window, 5 BUY 5 SELL ⇒ no longer one-sided.
  for (let t = 7; t <= 16; t++) {
    aAction = t % 2 === 0 ? 'SELL' : 'BUY';
    castOn(t);
  }
  assert.equal(
    supervisor.evaluate(16 * MIN).findings.map((f) => [f.model, f.finding]),
    [
      ['trained', 'bias'],
      ['trained', 'accuracy-decay'],
    ],
  );
});

test('config: off by default; a strict section that names bad keys and thresholds', () => {
  const config = parsePipelineConfig({});
  assert.is(config.supervisor.enabled, false);
  assert.is(config.supervisor.intervalMs, 1_800_000);
  assert.is(config.ensemble.weighting, 'fixed');
  assertError(() => parsePipelineConfig({ supervisor: { enabeld: true } }), {
    code: 'QT_CONFIG_INVALID',
    message: /supervisor\.enabeld: unknown key/,
  });
  assertError(() => parsePipelineConfig({ supervisor: { psiWarning: 0.3, psiFlag: 0.2 } }), {
    code: 'QT_CONFIG_INVALID',
    message: /supervisor\.psiWarning: psiWarning must not exceed psiFlag/,
  });
  assertError(() => parsePipelineConfig({ ensemble: { weighting: 'best' } }), {
    code: 'QT_CONFIG_INVALID',
    message: /ensemble\.weighting/,
  });
});

test('enforce: a flagged model abstains with the supervisor’s reason and the ensemble re-weights; a later clean evaluation restores it', () => {
  let aAction: Action = 'BUY';
  const models = [scripted('a', () => aAction), scripted('b', () => 'SELL', {}, 0.5)];
  const ensemble = createSupervisedEnsemble(
    models,
    ensembleVoteParams.parse({ minConfidence: 0, emitHold: false }),
    ensembleWeightingParams.parse({ scoreboard: { horizon: 1, window: 10 } }),
    modelSupervisorParams.parse({ enabled: true, mode: 'enforce', minVotes: 10, biasShare: 0.95 }),
  );
  const predictors = models.map((m) => m.create());
  const signals: string[] = [];
  const voteAt = (t: number): void => {
    ensemble.observe('XUSDT', 100);
    const v = vector({}, { symbol: 'XUSDT', ts: t * MIN, close: 100 });
    ensemble.vote({ vector: v, predictions: predictors.map((p) => p(v)) }, (s) =>
      signals.push(
        `${s.action} ${s.votes.map((x) => `${x.model}:${x.action ?? x.abstainReason}@${x.weight}`).join(' ')}`,
      ),
    );
  };
  const events: string[] = [];
  const record = (e: AiEngineEvent) =>
    events.push(e.kind === 'model-finding-raised' ? `${e.model} ${e.finding}` : e.kind);
  // a BUY 0.9 beats b SELL 0.5: a signal per candle. Both are one-sided: flagged, both abstain ⇒ HOLD, nothing emitted.
  for (let t = 1; t <= 10; t++) voteAt(t);
  ensemble.evaluate(10 * MIN, record);
  assert.equal(events, ['a bias', 'b bias', 'model-performance-measured']);
  voteAt(11);
  assert.is(signals.length, 10);
  // a turns two-sided: 5 BUY 5 SELL in its window ⇒ restored at the next evaluation; b stays out.
  for (let t = 12; t <= 21; t++) {
    aAction = t % 2 === 0 ? 'BUY' : 'SELL';
    voteAt(t);
  }
  events.length = 0;
  ensemble.evaluate(21 * MIN, record);
  assert.equal(events, ['b bias', 'model-performance-measured']);
  signals.length = 0;
  aAction = 'BUY';
  voteAt(22);
  assert.equal(signals, ['BUY a:BUY@1 b:supervisor: bias@0']);
  // An evaluation with no vote since the last one (1h candles, a 30 min interval) repeats nothing.
  events.length = 0;
  ensemble.evaluate(22 * MIN, record);
  assert.equal(events, ['b bias', 'model-performance-measured']);
  events.length = 0;
  ensemble.evaluate(23 * MIN, record);
  assert.equal(events, [], 'no votes since: skipped');
  voteAt(24);
  ensemble.evaluate(24 * MIN, record);
  assert.equal(events, ['b bias', 'model-performance-measured']);
});

/** The ai-engine handler as an operator: a always BUY (0.9), b always HOLD (0.5); the supervisor in enforce mode. */
const aiEngine = () =>
  operate(() =>
    aiEngineHandler(
      parsePipelineConfig({
        ensemble: { minConfidence: 0.4, scoreboard: { horizon: 1, window: 10 } },
        supervisor: { enabled: true, mode: 'enforce', minVotes: 3 },
      }),
      [scripted('a', () => 'BUY'), scripted('b', () => 'HOLD', {}, 0.5)],
    ),
  );

const timer = (ts: number): TimerFired => ({
  kind: 'timer-fired',
  ts,
  name: SUPERVISOR_TIMER,
  owner: 'ai-engine',
});

/** What the marbles compare: the signal's action and a's vote, or the finding. */
const summary = (event: AiEngineEvent): string => {
  if (event.kind === 'signal') {
    const a = event.votes[0];
    return `${event.action} a:${a.action ?? a.abstainReason}`;
  }
  if (event.kind === 'model-finding-raised') return `${event.model} ${event.finding} ${event.enforced}`;
  return `record ${event.models.map((m) => `${m.model}${m.excluded ? ' out' : ''}`).join(',')}`;
};

test('marbles: candles in, a signal per candle while a votes BUY; the timer raises a’s bias, then a abstains and the ensemble holds', () => {
  new TestScheduler(assertEqual).run(({ cold, expectObservable, expectSubscriptions }) => {
    const values: Record<string, BusEvent> = {
      a: kline({ ts: 1 * MIN }),
      b: kline({ ts: 2 * MIN }),
      c: kline({ ts: 3 * MIN }),
      t: timer(3 * MIN),
      d: kline({ ts: 4 * MIN }),
      e: { kind: 'end-of-data', ts: 4 * MIN },
    };
    const source = cold<BusEvent>('abc-t-d-e|', values);
    // BUY ½ × 0.9 = 0.45 ≥ minConfidence 0.4 beats HOLD ½ × 0.5: a signal per candle. At the timer a
    // has 3 votes, all BUY (> 70 %): raised and removed; then b alone holds (no signal); end of data
    // publishes the final record.
    expectObservable(source.pipe(aiEngine(), map(summary))).toBe('sss-(fr)z|', {
      s: 'BUY a:BUY',
      f: 'a bias true',
      r: 'record a out,b',
      z: 'record a out,b',
    });
    expectSubscriptions(source.subscriptions).toBe('^--------!');
  });
  // An error in the source reaches the output; a never-ending source emits nothing.
  new TestScheduler(assertEqual).run(({ cold, expectObservable }) => {
    expectObservable(cold<Kline>('--#', undefined, new Error('feed lost')).pipe(aiEngine())).toBe(
      '--#',
      undefined,
      new Error('feed lost'),
    );
    expectObservable(NEVER.pipe(aiEngine()), '^---!').toBe('-----');
  });
});

test.run();
