// `quantum models train`: trains from libsvm or a feature-export CSV, writes a model that
// `quantum models predict` runs, prints progress, the validation metric and feature importance,
// and refuses bad input naming the file and line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, UsageError } from '../../src/domain/errors.js';
import { rejectsWith, runModels } from './models-cli.js';

const fixtures = 'test/fixtures/gbdt';

test('models train (libsvm, validation) → progress, metric, importance; models predict runs the model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbdt-cli-'));
  const out = join(dir, 'model.json');
  const printed = await runModels(
    'models',
    'train',
    '--data',
    join(fixtures, 'binary-train.libsvm'),
    '--valid',
    join(fixtures, 'binary-valid.libsvm'),
    '--objective',
    'binary:logistic',
    '--rounds',
    '20',
    '--max-depth',
    '3',
    '--eta',
    '0.2',
    '--seed',
    '1',
    '--out',
    out,
  );
  assert.match(printed, /^training binary:logistic on 2000 rows × 8 features/);
  assert.match(printed, /\nround 10\/20 valid-logloss 0\.\d{6}\nround 20\/20 valid-logloss/);
  assert.match(printed, `wrote ${out} (20 trees, 20 rounds, XGBoost JSON)`);
  assert.match(printed, /validation logloss: 0\.\d{6} \(round 20\)/);
  assert.match(printed, /feature importance \(top 10 by total gain\)[^\n]*\n {2}f0\t/);
  const predictions = (
    await runModels('models', 'predict', '--model', out, '--data', join(fixtures, 'binary-valid.libsvm'))
  )
    .trim()
    .split('\n');
  assert.is(predictions.length, 600);
  assert.ok(predictions.every((p) => Number(p) > 0 && Number(p) < 1));
});

test('models train reads a feature-export CSV (label column, empty label rows left out)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbdt-cli-'));
  const lines = ['ts,symbol,rsi,ret,label'];
  for (let i = 0; i < 200; i++)
    lines.push(`${i},BTCUSDT,${i % 50},${i % 7 === 0 ? '' : (i % 13) / 10},${i % 50 > 25 ? 1 : 0}`);
  lines.push('200,BTCUSDT,3,0.1,');
  writeFileSync(join(dir, 'f.csv'), `${lines.join('\n')}\n`);
  const out = join(dir, 'm.json');
  const printed = await runModels(
    'models',
    'train',
    '--data',
    join(dir, 'f.csv'),
    '--objective',
    'binary:logistic',
    '--rounds',
    '5',
    '--out',
    out,
  );
  assert.match(printed, 'on 200 rows × 2 features');
  assert.match(printed, /\n {2}rsi\t/);
  assert.ok(readFileSync(out, 'utf8').includes('"objective":{"name":"binary:logistic"'));
});

test('bad input is refused naming the file and line, or the option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbdt-cli-'));
  const base = ['--objective', 'binary:logistic', '--out', join(dir, 'm.json')];
  writeFileSync(join(dir, 'bad.libsvm'), '1 0:1 1:2\n0 0:3 1\n');
  await rejectsWith(
    DataError,
    ['models', 'train', '--data', join(dir, 'bad.libsvm'), ...base],
    `${join(dir, 'bad.libsvm')}:2: "1" is not an index:value pair`,
  );
  writeFileSync(join(dir, 'nan.libsvm'), '1 0:1\nnan 0:3\n');
  await rejectsWith(
    DataError,
    ['models', 'train', '--data', join(dir, 'nan.libsvm'), ...base],
    `${join(dir, 'nan.libsvm')}:2: label "nan" is not a finite number`,
  );
  writeFileSync(join(dir, 'nan.csv'), 'ts,symbol,a,label\n1,X,0.5,1\n2,X,0.7,NaN\n');
  await rejectsWith(
    DataError,
    ['models', 'train', '--data', join(dir, 'nan.csv'), ...base],
    `${join(dir, 'nan.csv')}:3: label "NaN" is not a finite number`,
  );
  writeFileSync(join(dir, 'three.libsvm'), '0 0:1\n\n3 0:2\n');
  await rejectsWith(
    DataError,
    [
      'models',
      'train',
      '--data',
      join(dir, 'three.libsvm'),
      '--objective',
      'multi:softprob',
      '--num-class',
      '3',
      '--out',
      join(dir, 'm.json'),
    ],
    `${join(dir, 'three.libsvm')}:3: label 3 does not fit multi:softprob with --num-class 3 (labels must be 0…2)`,
  );
  await rejectsWith(
    UsageError,
    ['models', 'train', '--data', join(dir, 'three.libsvm'), '--objective', 'multi:softprob', '--out', 'x'],
    'needs --num-class K',
  );
  await rejectsWith(
    UsageError,
    ['models', 'train', '--data', join(dir, 'three.libsvm'), '--objective', 'rank:pairwise', '--out', 'x'],
    '--objective "rank:pairwise": expected one of',
  );
  await rejectsWith(
    UsageError,
    ['models', 'train', '--data', join(dir, 'three.libsvm'), ...base, '--eta', 'fast'],
    '--eta "fast": expected a number',
  );
  await rejectsWith(
    UsageError,
    ['models', 'train', '--data', join(dir, 'three.libsvm'), ...base, '--early-stopping-rounds', '5'],
    '--early-stopping-rounds needs --valid',
  );
});

test.run();
