// `quantum train` end to end on the bundled real data (7 symbols × 1h, Feb 2026): the fold table,
// the registered manifest (features, label, folds, feature stats, data hash), a second run as
// version 2 with the same bytes, the model loading and voting in a backtest, and bad input.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerTrainCommand } from '../../src/cli/train-command.js';
import { ConfigError, UsageError } from '../../src/domain/errors.js';
import { FeatureStats, ModelManifest } from '../../src/models/model-manifest.js';
import { loadModel } from '../../src/models/registry.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { parsePipelineYaml } from '../../src/pipeline/config.js';
import { REPO, runQuantum } from '../cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'quantum-train-'));
const root = join(dir, 'models');
const example = readFileSync(join(REPO, 'examples', 'real-data.yaml'), 'utf8').replace(
  'path: data/klines/um-2026-02-1h',
  `path: ${join(REPO, 'examples', 'data', 'klines', 'um-2026-02-1h')}`,
);
// Few small rounds so four fits take a second or two.
const configPath = join(dir, 'train.yaml');
writeFileSync(configPath, `${example}\ntraining:\n  folds: 3\n  gbdt:\n    rounds: 8\n    maxDepth: 3\n`);
const FEATURES = parsePipelineYaml(example).features;

/** Runs `quantum train …` in-process with output captured (no progress: not a terminal). */
const trainInProcess = async (...args: string[]): Promise<{ out: string; err: string }> => {
  let out = '';
  let err = '';
  const program = new Command('quantum').exitOverride();
  registerTrainCommand(program, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    now: () => 1_767_225_600_000,
    isTTY: false,
  });
  await program.parseAsync(['train', ...args], { from: 'user' });
  return { out, err };
};

const manifestOf = (version: number): ModelManifest =>
  ModelManifest.parse(JSON.parse(readFileSync(join(root, 'rd', String(version), 'manifest.json'), 'utf8')));

test('quantum train --model gbdt: fold table on stdout, nothing on stderr, version 1 registered', async () => {
  const run = await runQuantum([
    'train',
    '--config',
    configPath,
    '--model',
    'gbdt',
    '--root',
    root,
    '--name',
    'rd',
  ]);
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stderr, '');
  assert.match(
    run.stdout,
    /^4676 samples × 10 features from .*um-2026-02-1h \(7 symbols\); label: 4-candle return beyond ±0\.3% → SELL \d+ \/ HOLD \d+ \/ BUY \d+\n/,
  );
  assert.match(run.stdout, 'gbdt: walk-forward out-of-sample (3 folds, purge 4, embargo 0)\n');
  assert.match(
    run.stdout,
    /\nfold +test from +test to +train +test +acc +base +logloss +brier +P\/R SELL +P\/R HOLD +P\/R BUY\n/,
  );
  for (const fold of [1, 2, 3])
    assert.match(run.stdout, new RegExp(`\\n${fold} +2026-02-\\d\\d \\d\\d:00 +2026-02`));
  assert.match(run.stdout, /\nmean +\d+ +\d+ +0\.\d{3} +0\.\d{3} +\d\.\d{4} +\d\.\d{4} /);
  assert.match(run.stdout, `registered rd@1 → ${join(root, 'rd', '1')}\n`);
});

test('the manifest: features, label, range, data hash, folds, mean metrics, feature stats, training', () => {
  const manifest = manifestOf(1);
  assert.is(manifest.kind, 'xgboost-json');
  assert.is(manifest.objective, 'multi:softprob');
  assert.is(manifest.numClass, 3);
  assert.equal(manifest.classes, ['SELL', 'HOLD', 'BUY']);
  assert.equal(manifest.features, FEATURES);
  assert.equal(manifest.label, { horizon: 4, thresholdPct: 0.3 });
  assert.ok(manifest.warmup >= 33, `warmup ${manifest.warmup}`);
  assert.match(manifest.trainingDataSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.ok((manifest.trainingRange?.from ?? 0) < (manifest.trainingRange?.to ?? 0));
  const folds = manifest.folds ?? [];
  assert.is(folds.length, 3);
  assert.equal(
    folds.map((fold) => fold.fold),
    [1, 2, 3],
  );
  for (const key of ['accuracy', 'logLoss', 'brier', 'precision_SELL', 'recall_BUY', 'testSamples'])
    assert.ok(
      folds.every((fold) => Number.isFinite(fold[key])),
      key,
    );
  assert.ok(folds[0].trainSamples < folds[1].trainSamples, 'expanding window');
  const meanAccuracy = folds.reduce((sum, fold) => sum + fold.accuracy, 0) / folds.length;
  assert.ok(Math.abs((manifest.metrics?.accuracy ?? 0) - meanAccuracy) < 1e-12);
  assert.equal(Object.keys(manifest.featureStats ?? {}), FEATURES);
  for (const stats of Object.values(manifest.featureStats ?? {})) {
    assert.ok(FeatureStats.safeParse(stats).success);
    assert.ok(stats.edges.length >= 5 && stats.missing > 0 && stats.missing < 0.1);
  }
  assert.is(manifest.training?.model, 'gbdt');
  assert.is(manifest.training?.rounds, 8);
  assert.is(manifest.training?.purge, 4);
});

test('a second run is version 2 with the same model bytes and data hash; no draft left behind', async () => {
  const { out, err } = await trainInProcess(
    '--config',
    configPath,
    '--model',
    'gbdt',
    '--root',
    root,
    '--name',
    'rd',
  );
  assert.match(out, `registered rd@2 → ${join(root, 'rd', '2')}\n`);
  assert.is(err, '');
  const [first, second] = [manifestOf(1), manifestOf(2)];
  assert.is(second.version, 2);
  assert.is(second.dataSha256, first.dataSha256);
  assert.is(second.trainingDataSha256, first.trainingDataSha256);
  assert.equal(second.folds, first.folds);
  assert.equal(readdirSync(join(root, 'rd')).sort(), ['1', '2']);
});

test('the registered model loads and votes in a backtest as `type: xgboost`', async () => {
  const loaded = loadModel('rd', root);
  assert.is(loaded.manifest.version, 2);
  assert.is(loaded.predictor.numGroup, 3);
  const config = parsePipelineYaml(
    example
      .replace(/\nmodels:\n( {2}.*\n)+/, `\nmodels:\n  - type: xgboost\n    model: rd\n    root: ${root}\n`)
      .replace('minConfidence: 0.6', 'minConfidence: 0.34'),
  );
  assert.equal(
    config.models.map((model) => model.type),
    ['xgboost'],
  );
  const result = await runBacktest({ config, outDir: null });
  assert.ok(result.report.trades.length > 0, 'the model never traded');
});

test('bad input: an unknown --model lists the trainers; too few candles for the folds names training.folds', async () => {
  try {
    await trainInProcess('--config', configPath, '--model', 'xgb', '--root', root);
    assert.unreachable('expected a UsageError');
  } catch (error) {
    assert.instance(error, UsageError);
    // The neural trainers register themselves next to gbdt (src/training/trainers.ts).
    assert.match((error as Error).message, /^--model "xgb": expected one of gbdt(, \w+)*, all$/);
  }
  const shortPath = join(dir, 'short.yaml');
  writeFileSync(shortPath, example.replace('policy: fail', 'policy: fail\n  to: 2026-02-01T12:00Z'));
  try {
    await trainInProcess('--config', shortPath, '--model', 'gbdt', '--root', root, '--name', 'short');
    assert.unreachable('expected a ConfigError');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match(
      (error as Error).message,
      /^training\.folds: \d+ labelled candle times are not enough for 4 walk-forward folds/,
    );
  }
  assert.not.ok(existsSync(join(root, 'short')), 'nothing registered');
});

test.run();
