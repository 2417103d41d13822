// The ensemble of four end to end (examples/ai-ensemble.yaml on the bundled month of real data):
// `quantum train` trains GBDT, LightGBM, N-HiTS and PatchTST on Feb 1–17, a backtest from Feb 18
// runs all four through the kernel (N-HiTS and PatchTST answer asynchronously from tfjs), every
// model votes, the run is deterministic, and every trade replays from the candles.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadModel } from '../../src/models/registry.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { loadPipelineConfig, type PipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { runTraining } from '../../src/training/train-run.js';
import '../../src/training/trainers.js';
import {
  alwaysProtected,
  exitsBelongToTheirPosition,
  exitsReplayFromCandles,
  expectNone,
  noOrphanProtection,
  ofKind,
  run,
} from './lifecycle-checks.js';

const root = mkdtempSync(join(tmpdir(), 'quantum-ensemble-'));
const example = loadPipelineConfig(join('examples', 'ai-ensemble.yaml'));
const MODELS = ['gbdt', 'lightgbm', 'nhits', 'patchtst'];

/** The example with small training (seconds, not a minute) and the models in a temp registry. */
const config: PipelineConfig = parsePipelineConfig({
  ...example,
  data: { ...example.data, path: join('examples', 'data', 'klines', 'um-2026-02-1h') },
  training: {
    ...example.training,
    gbdt: { ...example.training.gbdt, rounds: 15 },
    lightgbm: { numIterations: 15, numLeaves: 7, learningRate: 0.1 },
    nhits: { window: 120, epochs: 2, network: { hidden: 16 } },
    patchtst: { window: 30, epochs: 2, network: { dModel: 8, nHeads: 2, nLayers: 1, ffDim: 16 } },
  },
  models: example.models.map((entry) => ({ ...entry, root })),
  output: { ...example.output, progress: false },
});

test('quantum train registers all four on Feb 1–17 only', async () => {
  const trained = await runTraining({
    config,
    configPath: join('examples', 'ai-ensemble.yaml'),
    dataPath: config.data.path,
    models: MODELS,
    root,
    createdTs: 1_767_225_600_000,
    out: () => undefined,
  });
  assert.equal(
    trained.map((t) => [t.model, t.manifest.name, t.manifest.version]),
    MODELS.map((m) => [m, `ai-ensemble-${m}`, 1]),
  );
  for (const { manifest } of trained) {
    assert.ok((manifest.trainingRange?.to ?? Number.POSITIVE_INFINITY) < Date.parse('2026-02-18T00:00:00Z'));
  }
  const nhits = JSON.parse(readFileSync(join(root, 'ai-ensemble-nhits', '1', 'manifest.json'), 'utf8'));
  assert.is(nhits.window, 120);
  assert.is(nhits.kind, 'tfjs-forecaster');
  assert.equal(nhits.features, ['close'], 'a forecaster reads closes, not the features');
  assert.is(nhits.featureStats, undefined);
  // A tree-model command on it says what it is instead of failing to parse its weights.
  assert.throws(() => loadModel('ai-ensemble-nhits', root), /neural forecaster \(nhits\).*type: nhits/);
});

test('a backtest from Feb 18 (out of sample): all four vote, deterministic, every trade explained by its candles', async () => {
  const outOfSample = parsePipelineConfig({ ...config, data: { ...config.data, from: '2026-02-18' } });
  const first = await run(outOfSample);
  const second = await run(outOfSample);
  const trades = (events: typeof first.events) => JSON.stringify(ofKind(events, 'trade-closed'));
  assert.is(trades(second.events), trades(first.events), 'the same trades twice');
  assert.ok(ofKind(first.events, 'trade-closed').length >= 5, 'the ensemble trades');
  // Every member cast real votes (not only abstentions) in the signals it made.
  const voted = new Set<string>();
  for (const signal of ofKind(first.events, 'signal'))
    for (const vote of signal.votes) if (vote.action !== null) voted.add(vote.model);
  assert.equal([...voted].sort(), MODELS.map((m) => `ai-ensemble-${m}`).sort());
  expectNone(exitsBelongToTheirPosition(first.events), "exits by another position's order");
  expectNone(exitsReplayFromCandles(first), 'exits that the candles do not explain');
  expectNone(noOrphanProtection(first.events), 'orphaned protective orders');
  expectNone(alwaysProtected(first.events), 'unprotected positions');
});

test('the report shows each model’s votes and its accuracy against what the candles did next', async () => {
  const outOfSample = parsePipelineConfig({ ...config, data: { ...config.data, from: '2026-02-18' } });
  const result = await runBacktest({ config: outOfSample, outDir: null });
  const scores = result.report.models?.scores ?? [];
  assert.equal(scores.map((s) => s.model).sort(), MODELS.map((m) => `ai-ensemble-${m}`).sort());
  for (const score of scores) {
    assert.ok(score.votes.BUY + score.votes.SELL > 0, `${score.model} voted`);
    assert.ok(score.resolved > 0 && score.accuracy !== null, `${score.model} was scored`);
  }
  assert.match(result.summary, /ai-ensemble-nhits +votes B\/S\/H\/abstain/);
  // Out of sample: no in-sample warning.
  assert.equal(
    result.warnings.filter((w) => w.includes('in sample')),
    [],
  );
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
