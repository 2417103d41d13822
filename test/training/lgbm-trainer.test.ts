// The `lightgbm` trainer (src/training/lgbm-trainer.ts): leaf-wise GBDT over SELL/HOLD/BUY saved as
// LightGBM text, whose registry version loads through `type: lightgbm, model: name[@version]`
// with the predictions the fitted model gave; and the model type's path/model config rules.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ModelError } from '../../src/domain/errors.js';
import { createPrng } from '../../src/domain/prng.js';
import { compileLightgbm } from '../../src/models/lightgbm/lightgbm-predictor.js';
import { parseLightgbmText } from '../../src/models/lightgbm/lightgbm-text.js';
import { isBatchModel } from '../../src/models/model.js';
import { modelTypeOf } from '../../src/models/model-type.js';
import { importModel } from '../../src/models/registry.js';
import { createModelDraftDir, registerModelDir } from '../../src/models/registry-versions.js';
import '../../src/models/types/index.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { lgbmTrainer } from '../../src/training/lgbm-trainer.js';
import {
  registeredTrainers,
  type SavedModelFields,
  type TrainingData,
  type TrainingSample,
} from '../../src/training/trainer.js';
import '../../src/training/trainers.js';
import { vector } from '../builders.js';

const FEATURES = ['logret_1', 'roc_10', 'volz_20', 'rsi_14'];
const SAMPLES = 2400;

/** Seeded samples whose class follows a noisy rule of the features; ~8 % NaN cells (warm-up). */
const dataOf = (seed: number): TrainingData => {
  const prng = createPrng(seed);
  const width = FEATURES.length;
  const rows = new Float64Array(SAMPLES * width);
  const samples: TrainingSample[] = [];
  for (let n = 0; n < SAMPLES; n++) {
    for (let f = 0; f < width; f++) rows[n * width + f] = prng.next() < 0.08 ? Number.NaN : prng.normal();
    const x0 = Number.isNaN(rows[n * width]) ? 1 : rows[n * width];
    const score = x0 + 0.7 * Math.sin(2 * (rows[n * width + 1] || 0)) + prng.normal() * 0.5;
    const label = score < -0.5 ? 0 : score > 0.5 ? 2 : 1;
    samples.push({ series: 0, index: n, ts: n * 3_600_000, label, forwardReturn: score / 100 });
  }
  return {
    features: FEATURES,
    rows,
    samples,
    series: [{ symbol: 'BTCUSDT', ts: new Float64Array(SAMPLES), close: new Float64Array(SAMPLES).fill(1) }],
    label: { horizon: 4, thresholdPct: 0.3 },
  };
};

const data = dataOf(7);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const TRAIN = range(0, 1800);
const VALID = range(1800, 2100);
const TEST = range(2100, SAMPLES);
const PARAMS = { numIterations: 80, learningRate: 0.1, earlyStoppingRound: 10 };
const silent = (): void => {};

const fitted = await lgbmTrainer.fit(data, TRAIN, VALID, PARAMS, 3, silent);
const root = mkdtempSync(join(tmpdir(), 'lgbm-trainer-'));

/** Saves a fit into the registry under `name` as `quantum train` does; returns its fields and version. */
const register = async (
  name: string,
  fit = fitted,
): Promise<{ saved: SavedModelFields; version: number }> => {
  const draft = createModelDraftDir(root, name);
  const saved = await fit.save(draft);
  const manifest = registerModelDir(draft, {
    name,
    kind: saved.kind,
    file: saved.file,
    features: [...FEATURES],
    objective: saved.objective,
    numClass: saved.numClass,
    classes: saved.classes,
    warmup: saved.warmup,
    training: saved.training,
    importedFrom: draft,
    createdTs: 0,
  });
  return { saved, version: manifest.version };
};

test('registers as lightgbm next to gbdt', () => {
  assert.is(lgbmTrainer.model, 'lightgbm');
  assert.ok(registeredTrainers().includes('lightgbm'), registeredTrainers().join(','));
  assert.ok(registeredTrainers().includes('gbdt'));
});

test('fits SELL/HOLD/BUY probabilities that beat chance on later samples', async () => {
  const probabilities = await fitted.predict(data, TEST);
  assert.is(probabilities.length, TEST.length * 3);
  let correct = 0;
  TEST.forEach((n, r) => {
    const p = probabilities.subarray(r * 3, r * 3 + 3);
    assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-12);
    if (p.indexOf(Math.max(...p)) === data.samples[n].label) correct++;
  });
  assert.ok(correct / TEST.length > 0.6, `accuracy ${correct / TEST.length}`);
});

test('grows leaf-wise up to num_leaves, stops early on the validation slice, NaN as missing', async () => {
  const { saved } = await register('lgbm-shape');
  assert.is(saved.kind, 'lightgbm-text');
  assert.is(saved.file, 'model.txt');
  assert.is(saved.objective, 'multiclass num_class:3');
  assert.is(saved.numClass, 3);
  assert.equal(saved.classes, ['SELL', 'HOLD', 'BUY']);
  const roundsKept = saved.training.roundsKept as number;
  assert.ok(roundsKept < PARAMS.numIterations, `kept ${roundsKept} of ${PARAMS.numIterations}`);
  const text = readFileSync(join(root, 'lgbm-shape', '1', 'model.txt'), 'utf8');
  const doc = parseLightgbmText(text, 'model.txt');
  assert.is(doc.trees.length, roundsKept * 3);
  assert.equal(doc.featureNames, FEATURES);
  const leaves = doc.trees.map((tree) => tree.numLeaves);
  assert.ok(Math.max(...leaves) === 31, `most leaves ${Math.max(...leaves)}`);
  assert.ok(
    doc.trees.every((tree) => tree.decisionType.every((type) => type >> 2 === 2)),
    'missing type NaN',
  );
  assert.match(text, /\[num_leaves: 31\]\n/);
  assert.match(text, /\[early_stopping_round: 10\]\n/);
});

test('without a validation slice it runs every iteration; the same seed gives the same bytes', async () => {
  const params = { numIterations: 6, numLeaves: 8 };
  const a = await lgbmTrainer.fit(data, TRAIN, [], params, 1, silent);
  const b = await lgbmTrainer.fit(data, TRAIN, [], params, 1, silent);
  const first = await register('lgbm-det', a);
  const second = await register('lgbm-det', b);
  assert.is(first.saved.training.roundsKept, 6);
  const bytes = (version: number): string =>
    readFileSync(join(root, 'lgbm-det', String(version), 'model.txt'), 'utf8');
  assert.is(bytes(first.version), bytes(second.version));
  try {
    await lgbmTrainer.fit(data, TRAIN, [], { numLeaves: 1, leaves: 3 }, 1, silent);
    assert.unreachable('numLeaves 1 was accepted');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match((error as Error).message, 'training.lightgbm.numLeaves: ');
    assert.match(
      (error as Error).message,
      'training.lightgbm: unknown parameter leaves (known: numIterations, learningRate, numLeaves,',
    );
  }
});

test('type: lightgbm, model: name[@version] votes what the fitted model predicts', async () => {
  const { version } = await register('lgbm-real');
  const probabilities = await fitted.predict(data, TEST);
  const type = modelTypeOf({ type: 'lightgbm', weight: 1 });
  for (const ref of ['lgbm-real', `lgbm-real@${version}`]) {
    const entry = type.schema.parse({ type: 'lightgbm', model: ref, root, allowMissing: true });
    assert.equal(type.check?.(entry), []);
    const model = type.build(entry, { baseDir: '/', features: FEATURES, where: 'models[0]' });
    if (isBatchModel(model)) throw new Error('expected a synchronous model');
    assert.is(model.name, 'lgbm-real');
    const predict = model.create();
    TEST.slice(0, 60).forEach((n, r) => {
      const row = data.rows.subarray(n * 4, n * 4 + 4);
      const vote = predict(vector(Object.fromEntries(FEATURES.map((f, i) => [f, row[i]]))));
      const p = Array.from(probabilities.subarray(r * 3, r * 3 + 3));
      const best = p.indexOf(Math.max(...p));
      assert.is(vote.action, ['SELL', 'HOLD', 'BUY'][best], `sample ${n}`);
      assert.ok(Math.abs(vote.confidence - p[best]) < 1e-12);
    });
  }
  // The registry's file is what the fitted model predicted from.
  const predictor = compileLightgbm(
    parseLightgbmText(
      readFileSync(join(root, 'lgbm-real', String(version), 'model.txt'), 'utf8'),
      'model.txt',
    ),
  );
  const n = TEST[0];
  assert.equal(
    Array.from(predictor.predict(data.rows.subarray(n * 4, n * 4 + 4))),
    Array.from(probabilities.subarray(0, 3)),
  );
});

test('load(dir) gives the registered version back: same probabilities, columns found by name', async () => {
  const { version } = await register('lgbm-load');
  const loaded = await lgbmTrainer.load?.(join(root, 'lgbm-load', String(version)));
  if (loaded === undefined) throw new Error('expected load');
  const expected = await fitted.predict(data, TEST);
  assert.equal(Array.from(await loaded.predict(data, TEST)), Array.from(expected));
  // The same samples with the columns reversed (and one extra column) predict the same.
  const order = [...FEATURES].reverse().concat('extra');
  const rows = new Float64Array(SAMPLES * order.length);
  for (let n = 0; n < SAMPLES; n++)
    order.forEach((name, c) => {
      const f = FEATURES.indexOf(name);
      rows[n * order.length + c] = f < 0 ? 5 : data.rows[n * FEATURES.length + f];
    });
  const permuted = { ...data, features: order, rows };
  assert.equal(Array.from(await loaded.predict(permuted, TEST)), Array.from(expected));
  try {
    await loaded.save(root);
    assert.unreachable('a loaded model saved');
  } catch (error) {
    assert.match((error as Error).message, 'a loaded LightGBM model is saved already');
  }
});

const configError = (model: Record<string, unknown>): string => {
  try {
    parsePipelineConfig({ features: FEATURES, models: [{ type: 'lightgbm', ...model }] });
  } catch (error) {
    assert.instance(error, ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

test('type: lightgbm takes exactly one of path and model; config errors name the key', () => {
  assert.match(configError({}), /models\[0\]\.model: give the model: path \(a model\.txt\) or model/);
  assert.match(
    configError({ path: 'm.txt', model: 'lgbm-real' }),
    /models\[0\]\.path: give either path or model, not both/,
  );
  assert.match(configError({ path: 'm.txt', root: 'models' }), /models\[0\]\.root: root applies to model/);
  assert.match(
    configError({ model: 'models/x/1' }),
    /models\[0\]\.name: a model given by path \("models\/x\/1"\) needs a name/,
  );
});

test('type: lightgbm, model: refuses a missing model and an XGBoost one, naming the entry', () => {
  importModel({
    file: 'test/fixtures/xgboost/binary.json',
    name: 'xgb',
    root,
    features: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
  });
  const type = modelTypeOf({ type: 'lightgbm', weight: 1 });
  const message = (model: string): string => {
    try {
      type.build(type.schema.parse({ type: 'lightgbm', model, root }), {
        baseDir: '/',
        features: [],
        where: 'models[3]',
      });
    } catch (error) {
      assert.instance(error, ModelError);
      return (error as Error).message;
    }
    throw new Error('expected a ModelError');
  };
  assert.match(message('nope'), /^models\[3\]: no model named "nope"/);
  assert.match(
    message('xgb'),
    /^models\[3\]: .*model\.json is a xgboost-json model, not LightGBM text; use type: xgboost for it$/,
  );
});

test.run();
