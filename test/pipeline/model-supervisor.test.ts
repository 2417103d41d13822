// The model supervisor in the whole graph (issue #17 item 7): a deliberately biased model (a
// test-only type that always votes BUY) beside the two rule models. Observe mode raises its bias
// and reports it without changing a signal; enforce mode removes it from the vote (its votes
// abstain with the supervisor's reason) and the signals change; enforce runs are deterministic;
// with the supervisor off the ai-engine stage is declared exactly as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { createPrng, type EngineEvent } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { predictionOf } from '../../src/models/model.js';
import { registerModelType } from '../../src/models/model-type.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import {
  type PipelineConfig,
  type PipelineConfigInput,
  simExchangeParamsOf,
} from '../../src/pipeline/config.js';
import { tradingStages } from '../../src/pipeline/graph.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { engineEvents, ofKind } from './engine-events.js';
import { syntheticConfig, tempDir } from './harness.js';

// Registered before any config is parsed (the models schema is read lazily, once).
registerModelType({
  type: 'test-always-buy',
  schema: z.object({ type: z.literal('test-always-buy'), weight: z.number().default(1) }).strict(),
  nameOf: () => 'always-buy',
  build: () => ({
    name: 'always-buy',
    features: [],
    warmup: 0,
    create: () => (vector) => predictionOf('always-buy', vector, 'BUY', 0.7),
  }),
});

const configOf = (supervisor: Record<string, unknown>): PipelineConfig =>
  syntheticConfig(3000, {
    models: [{ type: 'ema-rsi' }, { type: 'macd-adx' }, { type: 'test-always-buy' }],
    supervisor,
  } as PipelineConfigInput);

const OFF = configOf({});
const OBSERVE = configOf({ enabled: true, mode: 'observe' });
const ENFORCE = configOf({ enabled: true, mode: 'enforce' });

const klinesOf = (config: PipelineConfig) =>
  loadMarketReplay(config, { baseDir: '.', seed: config.seed }).klines;

const signalsOf = (events: readonly EngineEvent[]): string => JSON.stringify(ofKind(events, 'signal'));

const runs = new Map<string, Promise<EngineEvent[]>>();
const eventsOf = (name: string, config: PipelineConfig): Promise<EngineEvent[]> => {
  let run = runs.get(name);
  if (run === undefined) {
    run = engineEvents(config, klinesOf(config));
    runs.set(name, run);
  }
  return run;
};

test('observe: the always-BUY model is raised for bias every evaluation from the first with 100 votes; signals and trades as with the supervisor off', async () => {
  const off = await eventsOf('off', OFF);
  const observe = await eventsOf('observe', OBSERVE);
  const findings = ofKind(observe, 'model-finding-raised');
  const bias = findings.filter((f) => f.model === 'always-buy' && f.finding === 'bias');
  // 3000 1m candles = 50 h: an evaluation every 30 min, the first once 100 votes are in (34 candles × 3 symbols).
  assert.ok(bias.length >= 95, `${bias.length} bias findings`);
  assert.ok(bias.every((f) => !f.enforced && f.value === 1));
  assert.is(bias[0].reason, `bias: 100 % of ${bias[0].sample} votes BUY > 70 %`);
  assert.is(bias[0].ts % 1_800_000, 0, 'on the half hour of event time');
  assert.is(ofKind(off, 'model-finding-raised').length, 0);
  assert.is(ofKind(off, 'model-performance-measured').length, 0);
  assert.ok(ofKind(off, 'signal').length > 50);
  assert.is(signalsOf(observe), signalsOf(off));
  assert.equal(ofKind(observe, 'trade-closed'), ofKind(off, 'trade-closed'));
  // The final record: every model, with votes resolved.
  const records = ofKind(observe, 'model-performance-measured');
  const last = records[records.length - 1];
  assert.equal(
    last.models.map((m) => m.model),
    ['ema-rsi', 'macd-adx', 'always-buy'],
  );
  const buyer = last.models[2];
  assert.is(buyer.votes.BUY, 9000);
  assert.is(buyer.resolved, 9000 - 3 * 4, 'the last 4 candles (the horizon) of each symbol are not resolved');
  assert.is(buyer.precisionBuy, buyer.accuracy);
});

test('enforce: the biased model is removed from the vote (abstains with the supervisor reason) and the signals change', async () => {
  const off = await eventsOf('off', OFF);
  const enforce = await eventsOf('enforce', ENFORCE);
  const findings = ofKind(enforce, 'model-finding-raised').filter((f) => f.model === 'always-buy');
  assert.ok(findings.length > 0 && findings.every((f) => f.enforced));
  const firstTs = findings[0].ts;
  const signals = ofKind(enforce, 'signal');
  const buyerVote = (s: (typeof signals)[number]) => s.votes.find((v) => v.model === 'always-buy');
  // The timer fires before the candles of its instant: the candle at firstTs already votes without it.
  const after = signals.filter((s) => s.ts >= firstTs);
  assert.ok(after.length > 0);
  for (const signal of after) {
    assert.equal(buyerVote(signal), {
      model: 'always-buy',
      action: null,
      confidence: 0,
      weight: 0,
      abstainReason: 'supervisor: bias',
    });
  }
  assert.ok(signals.filter((s) => s.ts < firstTs).every((s) => buyerVote(s)?.action === 'BUY'));
  assert.is.not(signalsOf(enforce), signalsOf(off));
});

test('enforce twice through runBacktest: byte-identical trades.csv; the report lists each model and the findings', async () => {
  const files = async () => {
    const outDir = tempDir('supervisor');
    const result = await runBacktest({ config: ENFORCE, outDir });
    return { result, outDir, trades: readFileSync(join(outDir, 'trades.csv'), 'utf8') };
  };
  const first = await files();
  const second = await files();
  assert.ok(first.result.report.trades.length >= 5, `${first.result.report.trades.length} trades`);
  assert.is(second.trades, first.trades);
  const json = JSON.parse(readFileSync(join(first.outDir, 'report.json'), 'utf8'));
  assert.equal(
    json.models.scores.map((s: { model: string }) => s.model),
    ['ema-rsi', 'macd-adx', 'always-buy'],
  );
  const bias = json.models.findings.find(
    (f: { model: string; finding: string }) => f.model === 'always-buy' && f.finding === 'bias',
  );
  assert.ok(bias.count >= 95 && bias.enforced === bias.count && bias.firstTs < bias.lastTs);
  const html = readFileSync(join(first.outDir, 'report.html'), 'utf8');
  assert.ok(html.includes('<h2>Models against outcomes</h2>'));
  assert.ok(html.includes('supervisor: bias') || html.includes('bias: 100 %'));
});

test('performance weighting: a model that always votes one way has no skill beyond chance (κ = 0), so once rated its vote weighs 0', async () => {
  const config = syntheticConfig(3000, {
    models: [{ type: 'ema-rsi' }, { type: 'macd-adx' }, { type: 'test-always-buy' }],
    ensemble: { weighting: 'performance', performance: { minResolved: 50 } },
  } as PipelineConfigInput);
  const signals = ofKind(await engineEvents(config, klinesOf(config)), 'signal');
  const buyer = (s: (typeof signals)[number]) => s.votes[2];
  // Not rated before 50 of its votes are resolved (50 + 4 candles of one symbol at most): weight > 0.
  const early = signals.filter((s) => s.ts <= signals[0].ts + 10 * 60_000);
  assert.ok(early.length > 0 && early.every((s) => buyer(s).weight > 0));
  // Rated from then on (3 symbols × 1m: every symbol's 17th candle or so), for the rest of the run.
  const late = signals.filter((s) => s.ts > signals[0].ts + 120 * 60_000);
  assert.ok(late.length > 20);
  assert.ok(late.every((s) => buyer(s).action === 'BUY' && buyer(s).weight === 0));
  // The weights used still sum to 1 over the voters with a weight.
  for (const s of late) {
    const sum = s.votes.reduce((total, vote) => total + vote.weight, 0);
    assert.ok(sum === 0 || Math.abs(sum - 1) < 1e-12);
  }
});

test('supervisor off: the ai-engine stage consumes market.klines only and publishes signals only (split runs still send it work ahead)', () => {
  const exchange = new SimExchange(simExchangeParamsOf(OFF), createPrng(1));
  const stageOf = (config: PipelineConfig) =>
    tradingStages(config, { exchange, models: [] }).find((stage) => stage.name === 'ai-engine');
  const off = stageOf(OFF);
  assert.equal(off?.consumes, [TOPICS.klines]);
  assert.equal(off?.publishes, [TOPICS.signals]);
  const on = stageOf(OBSERVE);
  assert.equal(on?.consumes, [TOPICS.klines, TOPICS.control]);
  assert.equal(on?.publishes, [TOPICS.signals, TOPICS.modelSupervisor]);
});

test.run();
