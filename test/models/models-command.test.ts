import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPrediction } from '../../src/cli/models-command.js';
import { ModelError, UsageError } from '../../src/domain/errors.js';
import { rejectsWith, runModels } from './models-cli.js';

const fixtures = 'test/fixtures/xgboost';
const features = 'a,b,c,d,e,f,g,h';

test('models import → list → predict by name prints what `xgboost task=pred` prints', async () => {
  const root = mkdtempSync(join(tmpdir(), 'models-cli-'));
  const imported = await runModels(
    'models',
    'import',
    join(fixtures, 'binary.json'),
    '--name',
    'xgb',
    '--features',
    features,
    '--root',
    root,
  );
  assert.match(imported, 'imported xgb@1 (binary:logistic, 8 features)');
  const listed = await runModels('models', 'list', '--root', root);
  assert.match(listed, /xgb\t1\tbinary:logistic\t8\t2026-01-01T00:00:00.000Z/);
  // The rule for where models live is said where they are listed.
  assert.ok(
    listed.startsWith(`registry: ${root} (--root, default ./models of the working directory;`),
    listed,
  );
  const printed = (
    await runModels(
      'models',
      'predict',
      '--model',
      'xgb@1',
      '--data',
      join(fixtures, 'test.libsvm'),
      '--root',
      root,
    )
  )
    .trim()
    .split('\n')
    .map(Number);
  const expected = readFileSync(join(fixtures, 'binary.pred.txt'), 'utf8').trim().split('\n').map(Number);
  assert.is(printed.length, expected.length);
  const maxDiff = Math.max(...printed.map((p, i) => Math.abs(p - expected[i])));
  assert.ok(maxDiff <= 1e-6, `max abs diff ${maxDiff}`);
});

test('re-importing: the same model, features and options is that version again; new options make a new version', async () => {
  const root = mkdtempSync(join(tmpdir(), 'models-cli-'));
  const args = [
    'models',
    'import',
    join(fixtures, 'binary.json'),
    '--name',
    'xgb',
    '--features',
    features,
    '--root',
    root,
  ];
  assert.match(await runModels(...args), 'imported xgb@1');
  assert.match(await runModels(...args), 'already registered as xgb@1 (same model, features and options)');
  // A warm-up is part of the model's contract: it used to be dropped silently, keeping version 1.
  assert.match(await runModels(...args, '--warmup', '30'), 'imported xgb@2');
  const listed = await runModels('models', 'list', '--root', root);
  assert.match(listed, /xgb\t1\t/);
  assert.match(listed, /xgb\t2\t/);
});

test('multiclass prints the class probabilities comma-separated, one row per line', async () => {
  const lines = (
    await runModels(
      'models',
      'predict',
      '--model',
      join(fixtures, 'multi.json'),
      '--data',
      join(fixtures, 'test.libsvm'),
    )
  )
    .trim()
    .split('\n');
  const expected = readFileSync(join(fixtures, 'multi.pred.txt'), 'utf8').trim().split('\n').map(Number);
  assert.is(lines.length * 3, expected.length);
  lines.forEach((line, i) => {
    const probabilities = line.split(',').map(Number);
    assert.is(probabilities.length, 3);
    for (let g = 0; g < 3; g++)
      assert.ok(Math.abs(probabilities[g] - expected[i * 3 + g]) <= 1e-6, `row ${i}`);
  });
});

test('--margin prints raw margins like pred_margin=1', async () => {
  const printed = (
    await runModels(
      'models',
      'predict',
      '--model',
      join(fixtures, 'reg.json'),
      '--data',
      join(fixtures, 'test.libsvm'),
      '--margin',
    )
  )
    .trim()
    .split('\n')
    .map(Number);
  const expected = readFileSync(join(fixtures, 'reg.margin.txt'), 'utf8').trim().split('\n').map(Number);
  assert.ok(Math.max(...printed.map((p, i) => Math.abs(p - expected[i]))) <= 1e-6);
});

test('errors are typed: unknown model, both feature options, corrupt file', async () => {
  await rejectsWith(
    ModelError,
    ['models', 'predict', '--model', 'nope', '--data', 'x.libsvm', '--root', tmpdir()],
    'no model named "nope"',
  );
  await rejectsWith(
    UsageError,
    ['models', 'import', 'm.json', '--features', 'a', '--features-from', 'x.csv'],
    'either --features',
  );
  await rejectsWith(UsageError, ['models', 'import', 'm.json', '--classes', 'UP,DOWN'], '"UP"');
  await rejectsWith(
    ModelError,
    ['models', 'import', join(fixtures, 'binary.pred.txt'), '--features', features],
    'not valid JSON',
  );
});

test('numbers print like C printf %.9g, as the XGBoost CLI prints them', () => {
  assert.is(formatPrediction(Math.fround(0.992318928)), '0.992318928');
  assert.is(formatPrediction(Math.fround(0.0035903675)), '0.0035903675');
  assert.is(formatPrediction(Math.fround(-6.05829)), '-6.05829');
  assert.is(formatPrediction(0.5), '0.5');
  assert.is(formatPrediction(2), '2');
  assert.is(formatPrediction(Math.fround(1.5e-5)), '1.49999996e-05');
  assert.is(formatPrediction(1234567890), '1.23456789e+09');
  assert.is(formatPrediction(Math.fround(1 / 3)), '0.333333343');
});

test('predict output is text-identical to the CLI pred.txt for every fixture', async () => {
  for (const model of ['binary', 'multi', 'reg', 'dart']) {
    const ours = (
      await runModels(
        'models',
        'predict',
        '--model',
        join(fixtures, `${model}.json`),
        '--data',
        join(fixtures, 'test.libsvm'),
      )
    )
      .trim()
      .split(/[\n,]/);
    const cli = readFileSync(join(fixtures, `${model}.pred.txt`), 'utf8')
      .trim()
      .split('\n');
    const differing = ours.filter((text, i) => text !== cli[i]).length;
    assert.is(differing, 0, `${model}: ${differing} of ${cli.length} values differ as text`);
  }
});

test.run();
