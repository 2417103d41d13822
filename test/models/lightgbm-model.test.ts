import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { compileLightgbm } from '../../src/models/lightgbm/lightgbm-predictor.js';
import { readLightgbmText } from '../../src/models/lightgbm/lightgbm-text.js';
import { isBatchModel } from '../../src/models/model.js';
import { modelTypeOf } from '../../src/models/model-type.js';
import { loadModel } from '../../src/models/registry.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { vector } from '../builders.js';
import { runModels } from './models-cli.js';

const fixtures = 'test/fixtures/lightgbm';

/** A fixture's inputs as our feature export (`ts,symbol,<names…>`, NaN = empty cell) and LightGBM's predictions. */
const exportOf = (name: string, names: readonly string[]): { path: string; expected: number[][] } => {
  const [header, ...lines] = readFileSync(join(fixtures, `${name}.csv`), 'utf8')
    .trim()
    .split('\n');
  const columns = header.split(',');
  const rows = lines.map((line) => line.split(','));
  const width = names.length;
  const dir = mkdtempSync(join(tmpdir(), 'lightgbm-'));
  const path = join(dir, `${name}.csv`);
  const csv = rows.map((cells, r) =>
    [r, 'BTCUSDT', ...cells.slice(0, width).map((c) => (c === 'nan' ? '' : c))].join(','),
  );
  writeFileSync(path, `${['ts', 'symbol', ...names].join(',')}\n${csv.join('\n')}\n`);
  const predColumns = columns.flatMap((column, i) => (column.startsWith('pred') ? [i] : []));
  return { path, expected: rows.map((cells) => predColumns.map((i) => Number(cells[i]))) };
};

const maxDiff = (printed: string, expected: number[][]): number => {
  const got = printed.trim().split('\n');
  assert.is(got.length, expected.length);
  let diff = 0;
  got.forEach((line, r) => {
    const values = line.split(',').map(Number);
    assert.is(values.length, expected[r].length);
    values.forEach((value, k) => {
      diff = Math.max(diff, Math.abs(value - expected[r][k]));
    });
  });
  return diff;
};

test('models import of a LightGBM model.txt → predict by name prints LightGBM’s predictions (NaN and categories)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lightgbm-registry-'));
  const imported = await runModels(
    'models',
    'import',
    join(fixtures, 'categorical.txt'),
    '--name',
    'lgb-cat',
    '--features',
    'ret_1,vol_1,hour',
    '--root',
    root,
  );
  assert.match(imported, 'imported lgb-cat@1 (regression, 3 features)');
  const manifest = JSON.parse(readFileSync(join(root, 'lgb-cat', '1', 'manifest.json'), 'utf8'));
  assert.is(manifest.kind, 'lightgbm-text');
  assert.is(manifest.file, 'model.txt');
  assert.is(manifest.numClass, 0);
  // Importing the same file again is the same version.
  const again = await runModels(
    'models',
    'import',
    join(fixtures, 'categorical.txt'),
    '--name',
    'lgb-cat',
    '--features',
    'ret_1,vol_1,hour',
    '--root',
    root,
  );
  assert.match(again, 'already registered as lgb-cat@1');
  const { path, expected } = exportOf('categorical', ['ret_1', 'vol_1', 'hour']);
  const printed = await runModels('models', 'predict', '--model', 'lgb-cat', '--data', path, '--root', root);
  assert.ok(maxDiff(printed, expected) <= 1e-6);
});

test('models predict on a bare multiclass and a random-forest model.txt prints class probabilities', async () => {
  for (const name of ['multiclass', 'random-forest']) {
    const { path, expected } = exportOf(name, ['Column_0', 'Column_1', 'Column_2', 'Column_3']);
    const printed = await runModels(
      'models',
      'predict',
      '--model',
      join(fixtures, `${name}.txt`),
      '--data',
      path,
    );
    assert.ok(maxDiff(printed, expected) <= 1e-6, name);
  }
  assert.is(loadModel(join(fixtures, 'multiclass.txt')).manifest.numClass, 3);
});

test('models import of a corrupt model.txt names the file and line, and registers nothing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lightgbm-registry-'));
  const corrupt = join(root, 'broken.txt');
  writeFileSync(
    corrupt,
    readFileSync(join(fixtures, 'binary.txt'), 'utf8').replace('leaf_value=', 'leaf_value=zz '),
  );
  try {
    await runModels('models', 'import', corrupt, '--root', join(root, 'models'));
    assert.unreachable('expected a ModelError');
  } catch (error) {
    assert.instance(error, ModelError);
    assert.match((error as Error).message, /broken\.txt:\d+: leaf_value: "zz" is not a number/);
  }
  assert.is(await runModels('models', 'list', '--root', join(root, 'models'), '--json'), '[]\n');
});

test('type: lightgbm votes like type: xgboost: binary P(up) against the thresholds', () => {
  const features = ['ret_1', 'ret_5', 'vol_1', 'rsi_14'];
  const entry = modelTypeOf({ type: 'lightgbm', weight: 1 }).schema.parse({
    type: 'lightgbm',
    path: 'binary.txt',
    features,
    allowMissing: true,
  });
  const model = modelTypeOf(entry).build(entry, { baseDir: resolve(fixtures), features, where: 'models[0]' });
  assert.not.ok(isBatchModel(model));
  assert.is(model.name, 'binary');
  assert.equal(modelTypeOf(entry).requiredFeatures?.(entry), features);
  const predictor = compileLightgbm(readLightgbmText(join(fixtures, 'binary.txt')));
  if (isBatchModel(model)) throw new Error('expected a synchronous model');
  const predict = model.create();
  const actions = new Set<string>();
  for (const values of [
    [0.5, 1, -1, 0.2],
    [-2, 0.1, 0.3, -1],
    [Number.NaN, 2, 2, 2],
    [1.5, -1, 1, 0],
  ]) {
    const vote = predict(vector(Object.fromEntries(features.map((f, i) => [f, values[i]]))));
    const p = predictor.predict(values)[0];
    const expected = p >= 0.55 ? 'BUY' : p <= 0.45 ? 'SELL' : 'HOLD';
    assert.is(vote.action, expected);
    if (expected === 'BUY') assert.ok(Math.abs(vote.confidence - p) < 1e-12);
    if (expected === 'SELL') assert.ok(Math.abs(vote.confidence - (1 - p)) < 1e-12);
    actions.add(vote.action ?? 'abstain');
  }
  assert.ok(actions.size >= 2, [...actions].join(','));
});

test('type: lightgbm errors name the entry and the file; a feature the pipeline lacks is refused', () => {
  const type = modelTypeOf({ type: 'lightgbm', weight: 1 });
  const build = (path: string, features: string[]) => () =>
    type.build(type.schema.parse({ type: 'lightgbm', path }), {
      baseDir: resolve(fixtures),
      features,
      where: 'models[1]',
    });
  const message = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      assert.instance(error, ModelError);
      return (error as Error).message;
    }
    throw new Error('expected a ModelError');
  };
  assert.match(
    message(build('nope.txt', ['Column_0'])),
    /^models\[1\]: .*nope\.txt: cannot read the model file/,
  );
  assert.match(
    message(build('regression.txt', ['Column_0', 'Column_1'])),
    /^models\[1\]: model regression expects feature Column_2 which the pipeline does not compute/,
  );
});

test('type: lightgbm runs in a backtest: it votes on every warm candle', async () => {
  const config = parsePipelineConfig({
    data: { source: 'synthetic', synthetic: { count: 1_500 } },
    models: [
      {
        type: 'lightgbm',
        path: resolve(fixtures, 'binary.txt'),
        name: 'lgb',
        features: ['logret_1', 'roc_10', 'volz_20', 'rsi_14'],
      },
      { type: 'macd-adx' },
    ],
    output: { progress: false },
  });
  const outDir = mkdtempSync(join(tmpdir(), 'lightgbm-backtest-'));
  await runBacktest({ config, outDir });
  const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  const votes = report.extra.modelVotes.lgb;
  assert.ok(votes, JSON.stringify(report.extra.modelVotes));
  assert.ok(votes.BUY + votes.SELL > 100, JSON.stringify(votes));
  assert.ok(votes.abstain < 100, JSON.stringify(votes));
});

test.run();
