import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError, UsageError } from '../../src/domain/errors.js';
import { importModel, listModels, loadModel, readFeatureNames } from '../../src/models/registry.js';
import { xgboostModelType } from '../../src/models/types/xgboost.js';

const fixture = 'test/fixtures/xgboost/binary.json';
const features = ['f_a', 'f_b', 'f_c', 'f_d', 'f_e', 'f_f', 'f_g', 'f_h'];
const tempRoot = (): string => mkdtempSync(join(tmpdir(), 'registry-'));

const throwsA = (kind: typeof ModelError | typeof UsageError, run: () => unknown, fragment: string): void => {
  try {
    run();
  } catch (error) {
    assert.instance(error, kind);
    assert.ok((error as Error).message.includes(fragment), (error as Error).message);
    return;
  }
  assert.unreachable(`expected ${kind.name}`);
};

test('import → list → load round trip keeps the manifest and predicts like the file', () => {
  const root = tempRoot();
  const manifest = importModel({
    file: fixture,
    name: 'xgb-avax',
    features,
    root,
    warmup: 30,
    createdTs: 1_700_000_000_000,
  });
  assert.is(manifest.version, 1);
  assert.is(manifest.kind, 'xgboost-json');
  assert.is(manifest.objective, 'binary:logistic');
  assert.is(manifest.numClass, 0);
  assert.equal(manifest.features, features);
  assert.is(manifest.warmup, 30);
  assert.match(manifest.dataSha256, /^[0-9a-f]{64}$/);
  assert.equal(JSON.parse(readFileSync(join(root, 'xgb-avax', '1', 'manifest.json'), 'utf8')), manifest);
  assert.equal(listModels(root), [manifest]);
  const loaded = loadModel('xgb-avax', root);
  assert.equal(loaded.manifest, manifest);
  assert.equal(loadModel('xgb-avax@1', root).manifest, manifest);
  assert.equal(loadModel(join(root, 'xgb-avax', '1'), root).manifest, manifest);
  const row = [0.5, -1, 0.2, Number.NaN, 1, 0, 2, 3];
  assert.equal(
    Array.from(loaded.predictor.predict(row)),
    Array.from(loadModel(fixture).predictor.predict(row)),
  );
});

test('the same file and features import once; a different model gets the next version', () => {
  const root = tempRoot();
  const first = importModel({ file: fixture, name: 'm', features, root, createdTs: 1 });
  assert.equal(importModel({ file: fixture, name: 'm', features, root, createdTs: 2 }), first);
  const second = importModel({
    file: 'test/fixtures/xgboost/reg.json',
    name: 'm',
    features,
    root,
    createdTs: 3,
  });
  assert.is(second.version, 2);
  assert.equal(
    listModels(root).map((m) => `${m.name}@${m.version}`),
    ['m@1', 'm@2'],
  );
  assert.is(loadModel('m', root).manifest.version, 2, 'a bare name loads the latest version');
  assert.is(loadModel('m@1', root).manifest.objective, 'binary:logistic');
});

test("feature names default to XGBoost's own feature_names", () => {
  const root = tempRoot();
  const doc = JSON.parse(readFileSync(fixture, 'utf8'));
  doc.learner.feature_names = features;
  const file = join(root, 'named.json');
  writeFileSync(file, JSON.stringify(doc));
  assert.equal(importModel({ file, root: join(root, 'models'), createdTs: 1 }).features, features);
  assert.is(importModel({ file, root: join(root, 'models'), createdTs: 1 }).name, 'named');
});

test('without any feature names the import asks for --features', () => {
  throwsA(UsageError, () => importModel({ file: fixture, root: tempRoot() }), '--features');
});

test('too few feature names are refused', () => {
  throwsA(
    ModelError,
    () => importModel({ file: fixture, features: ['a', 'b'], root: tempRoot() }),
    'reads 8 features',
  );
});

test('features can come from a feature-export CSV header or a names file', () => {
  const dir = tempRoot();
  writeFileSync(join(dir, 'export.csv'), `ts,symbol,${features.join(',')},label\n1,X,1,2,3,4,5,6,7,8,1\n`);
  writeFileSync(join(dir, 'names.txt'), `${features.join('\n')}\n`);
  assert.equal(readFeatureNames(join(dir, 'export.csv')), features);
  assert.equal(readFeatureNames(join(dir, 'names.txt')), features);
  const manifest = importModel({
    file: fixture,
    featuresFile: join(dir, 'export.csv'),
    root: join(dir, 'm'),
  });
  assert.equal(manifest.features, features);
});

test('a corrupt model file is refused at import', () => {
  const dir = tempRoot();
  writeFileSync(join(dir, 'bad.json'), readFileSync(fixture, 'utf8').slice(0, 1000));
  throwsA(ModelError, () => importModel({ file: join(dir, 'bad.json'), features, root: dir }), 'bad.json');
});

test('a model file changed after import is refused at load', () => {
  const root = tempRoot();
  importModel({ file: fixture, name: 'm', features, root, createdTs: 1 });
  appendFileSync(join(root, 'm', '1', 'model.json'), ' ');
  throwsA(ModelError, () => loadModel('m', root), 'changed since it was imported');
});

test('unknown names and versions are ModelErrors listing what exists', () => {
  const root = tempRoot();
  importModel({ file: fixture, name: 'm', features, root, createdTs: 1 });
  throwsA(ModelError, () => loadModel('other', root), 'available: m');
  throwsA(ModelError, () => loadModel('m@7', root), 'versions: 1');
});

test('a broken manifest is a ModelError naming the key', () => {
  const root = tempRoot();
  importModel({ file: fixture, name: 'm', features, root, createdTs: 1 });
  const path = join(root, 'm', '1', 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  manifest.warmup = -1;
  writeFileSync(path, JSON.stringify(manifest));
  throwsA(ModelError, () => loadModel('m', root), 'warmup');
});

test('a registry copied elsewhere still loads (paths are relative to the version directory)', () => {
  const root = tempRoot();
  importModel({ file: fixture, name: 'm', features, root, createdTs: 1 });
  const moved = tempRoot();
  cpSync(root, moved, { recursive: true });
  assert.is(loadModel('m', moved).manifest.name, 'm');
});

test('a pipeline finds imported models where models import puts them: ./models of the working directory; an explicit root is relative to the config file', () => {
  const build = (entry: Record<string, unknown>, baseDir: string): string => {
    try {
      xgboostModelType.build(
        xgboostModelType.schema.parse({ type: 'xgboost', model: 'never-imported', ...entry }),
        {
          baseDir,
          features: [],
          where: 'models[0]',
        },
      );
    } catch (error) {
      return (error as Error).message;
    }
    return 'built';
  };
  assert.ok(
    build({}, '/somewhere/configs').includes(`in ${resolve('models')} `),
    build({}, '/somewhere/configs'),
  );
  assert.ok(build({ root: 'reg' }, '/somewhere/configs').includes('in /somewhere/configs/reg '));
});

test.run();
