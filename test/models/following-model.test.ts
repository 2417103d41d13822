import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelPrediction } from '../../src/domain/index.js';
import { followLatest, watchForVersions } from '../../src/models/following-model.js';
import type { BatchModel } from '../../src/models/model.js';
import { importModel } from '../../src/models/registry.js';
import { lightgbmModelType } from '../../src/models/types/lightgbm.js';
import { nhitsModelType } from '../../src/models/types/neural.js';
import { xgboostModelType } from '../../src/models/types/xgboost.js';
import type { XgboostModel } from '../../src/models/xgboost-model.js';
import { vector } from '../builders.js';

// A running pipeline follows a registry name to its newest version at the next candle: the new
// version's votes from then on, a broken version refused (the champion keeps voting), a pinned
// `name@version` never followed.

const features = ['f_a', 'f_b', 'f_c', 'f_d', 'f_e', 'f_f', 'f_g', 'f_h'];
const values = { f_a: 0.3, f_b: -1.2, f_c: 4, f_d: 0.5, f_e: 1, f_f: 2, f_g: -0.7, f_h: 9 };
const context = (root: string) => ({ baseDir: root, features, where: 'models[0]' });
const entry = (model: string) =>
  xgboostModelType.schema.parse({ type: 'xgboost', model, root: '.', buyThreshold: 0.5, sellThreshold: 0.5 });

const probability = (prediction: ModelPrediction): number => prediction.probabilities?.BUY ?? Number.NaN;

test('follows the newest version from the next call on; refuses a broken one; pinned names do not follow', async () => {
  const root = mkdtempSync(join(tmpdir(), 'follow-'));
  try {
    importModel({ file: 'test/fixtures/xgboost/binary.json', name: 'm', features, root, createdTs: 1 });
    const latest = xgboostModelType.latest?.(entry('m'), context(root));
    assert.ok(latest !== undefined);
    assert.is(xgboostModelType.latest?.(entry('m@1'), context(root)), undefined, 'a pinned version');
    let flag = false;
    const swaps: string[] = [];
    const model: BatchModel = followLatest(latest, {
      changed: () => {
        const was = flag;
        flag = false;
        return was;
      },
      onSwap: ({ to, error }) => swaps.push(error === undefined ? `→ ${to}` : `refused ${to}: ${error}`),
    });
    const predictor = model.createBatch();
    const ask = async (ts: number) => (await predictor([vector(values, { ts })]))[0];
    const v1 = (xgboostModelType.build(entry('m@1'), context(root)) as XgboostModel).predictRaw(
      features.map((f) => values[f as keyof typeof values]),
    );
    const first = await ask(60_000);
    assert.ok(Math.abs(probability(first) - v1[0]) < 1e-6);

    importModel({ file: 'test/fixtures/xgboost/dart.json', name: 'm', features, root, createdTs: 2 });
    // Nothing changes until the watcher says so (the candle boundary check is the flag).
    assert.ok(Math.abs(probability(await ask(120_000)) - v1[0]) < 1e-6);
    flag = true;
    const v2 = (xgboostModelType.build(entry('m@2'), context(root)) as XgboostModel).predictRaw(
      features.map((f) => values[f as keyof typeof values]),
    );
    assert.ok(Math.abs(v2[0] - v1[0]) > 1e-3, 'the two fixtures predict differently');
    assert.ok(Math.abs(probability(await ask(180_000)) - v2[0]) < 1e-6, 'the new version votes');

    // A version 3 whose file is corrupt: refused, version 2 keeps voting.
    mkdirSync(join(root, 'm', '3'));
    writeFileSync(join(root, 'm', '3', 'manifest.json'), '{ not json');
    flag = true;
    assert.ok(Math.abs(probability(await ask(240_000)) - v2[0]) < 1e-6);
    assert.is(swaps.length, 2);
    assert.ok(swaps[0].endsWith(join('m', '2')));
    assert.match(swaps[1], /^refused .*manifest\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lightgbm and forecaster entries follow by registry name too; paths and pinned versions do not', () => {
  const ctx = context('/tmp');
  const lgbm = (fields: Record<string, unknown>) =>
    lightgbmModelType.schema.parse({ type: 'lightgbm', ...fields });
  assert.ok(lightgbmModelType.latest?.(lgbm({ model: 'lgb' }), ctx) !== undefined);
  assert.is(lightgbmModelType.latest?.(lgbm({ model: 'lgb@2' }), ctx), undefined);
  assert.is(lightgbmModelType.latest?.(lgbm({ path: 'model.txt' }), ctx), undefined);
  const nh = nhitsModelType.schema.parse({ type: 'nhits', model: 'nh' });
  assert.is(nhitsModelType.latest?.(nh, ctx)?.nameDir, join(process.cwd(), 'models', 'nh'));
});

test('the watcher flags a version directory renamed into the name', async () => {
  const root = mkdtempSync(join(tmpdir(), 'follow-watch-'));
  try {
    mkdirSync(join(root, 'm'));
    const watcher = watchForVersions(join(root, 'm'));
    assert.not.ok(watcher.changed());
    mkdirSync(join(root, 'm', '1'));
    for (let i = 0; i < 50 && !watcher.changed(); i++) await new Promise((r) => setImmediate(r));
    watcher.close();
    // A missing directory is not an error: nothing to follow.
    assert.not.ok(watchForVersions(join(root, 'absent')).changed());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
