// Continuous learning (src/training/challenge.ts): a challenger trained on the same data as the
// champion but the holdout, both scored on that holdout, promoted only when better — atomically, as
// the next registry version, with every decision in challenges.jsonl.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { loadModel } from '../../src/models/registry.js';
import { parsePipelineYaml } from '../../src/pipeline/config.js';
import { runChallenge } from '../../src/training/challenge.js';
import '../../src/training/trainers.js';
import { REPO } from '../cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'quantum-learn-'));
const root = join(dir, 'models');
const example = readFileSync(join(REPO, 'examples', 'real-data.yaml'), 'utf8').replace(
  'path: data/klines/um-2026-02-1h',
  `path: ${join(REPO, 'examples', 'data', 'klines', 'um-2026-02-1h')}`,
);
// A model that learned next to nothing (1 round at eta 0.001: ≈ uniform probabilities) and one
// that learns at least the class frequencies and a little more.
const NEAR_UNIFORM = 'training:\n  gbdt:\n    rounds: 1\n    eta: 0.001\n    maxDepth: 1\n';
const SENSIBLE = 'training:\n  gbdt:\n    rounds: 40\n    eta: 0.1\n    maxDepth: 2\n    lambda: 10\n';

const challenge = (training: string, reason: string, minImprovement = 0) =>
  runChallenge({
    config: parsePipelineYaml(`${example}\n${training}`),
    root,
    model: 'gbdt',
    name: 'rd',
    holdoutFraction: 0.2,
    minImprovement,
    reason,
    createdTs: 1_767_225_600_000,
    out: () => undefined,
  });

const versions = (): string[] =>
  readdirSync(join(root, 'rd'))
    .filter((entry) => !entry.endsWith('.jsonl'))
    .sort();

test('no champion: the first challenger is promoted as version 1', async () => {
  const result = await challenge(NEAR_UNIFORM, 'first');
  assert.ok(result.promoted);
  assert.is(result.decision, 'no champion yet');
  assert.is(result.manifest?.version, 1);
  assert.equal(versions(), ['1']);
  // Both models are scored on the same holdout: the last 20 % of the month, never trained on.
  assert.ok(result.holdout.samples > 500 && result.holdout.from < result.holdout.to);
  assert.ok(Math.abs(result.challenger.logLoss - Math.log(3)) < 0.01, 'near-uniform, as meant');
});

test('a better challenger is promoted, atomically, as the next version', async () => {
  const result = await challenge(SENSIBLE, 'schedule');
  assert.ok(result.promoted, result.decision);
  assert.is(result.champion?.version, 1);
  assert.ok(result.challenger.logLoss < (result.champion?.metrics.logLoss ?? 0));
  assert.is(result.manifest?.version, 2);
  // Complete: the manifest's metrics are the holdout's, the model loads, no draft is left behind.
  assert.equal(versions(), ['1', '2']);
  const loaded = loadModel('rd', root);
  assert.is(loaded.manifest.version, 2);
  assert.is(loaded.manifest.metrics?.logLoss, result.challenger.logLoss);
  const recorded = loaded.manifest.training?.challenge as { reason: string; champion: number };
  assert.is(recorded.reason, 'schedule');
  assert.is(recorded.champion, 1);
});

test('a worse challenger is not promoted: the champion stays, the decision is recorded', async () => {
  const result = await challenge(NEAR_UNIFORM, 'supervisor: accuracy-decay');
  assert.not.ok(result.promoted);
  assert.is(result.champion?.version, 2);
  assert.ok(result.challenger.logLoss > (result.champion?.metrics.logLoss ?? Number.POSITIVE_INFINITY));
  assert.match(result.decision, /not better/);
  assert.equal(versions(), ['1', '2']);
  assert.is(loadModel('rd', root).manifest.version, 2);
  const lines = readFileSync(join(root, 'rd', 'challenges.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(
    lines.map((l) => [l.reason, l.promoted, l.version]),
    [
      ['first', true, 1],
      ['schedule', true, 2],
      ['supervisor: accuracy-decay', false, undefined],
    ],
  );
});

test('a required improvement the challenger does not reach keeps the champion', async () => {
  const result = await challenge(SENSIBLE, 'strict', 0.5);
  assert.not.ok(result.promoted);
  assert.match(result.decision, /not better by 50\.0%/);
});

test('a champion whose files broke is refused with the file named, never replaced blindly', async () => {
  rmSync(join(root, 'rd', '2', 'model.json'));
  try {
    await challenge(SENSIBLE, 'broken');
    assert.unreachable('expected a ModelError');
  } catch (error) {
    assert.instance(error, ModelError);
    assert.match((error as Error).message, /model\.json/);
  }
  assert.not.ok(existsSync(join(root, 'rd', '3')));
});

test('a forecaster champion is loaded from disk and scored on the same holdout (PatchTST)', async () => {
  const training =
    'training:\n  patchtst:\n    window: 30\n    epochs: 1\n    network: { dModel: 8, nHeads: 2, nLayers: 1, ffDim: 16 }\n';
  const run = (reason: string) =>
    runChallenge({
      config: parsePipelineYaml(`${example}\n${training}`),
      root,
      model: 'patchtst',
      name: 'pt',
      holdoutFraction: 0.2,
      minImprovement: 0,
      reason,
      createdTs: 1_767_225_600_000,
      out: () => undefined,
    });
  const first = await run('first');
  assert.ok(first.promoted);
  const second = await run('again');
  // The same data, parameters and seed train the same challenger: scored equal, so not promoted.
  assert.is(second.champion?.version, 1);
  assert.is(second.champion?.metrics.logLoss, second.challenger.logLoss);
  assert.not.ok(second.promoted);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
