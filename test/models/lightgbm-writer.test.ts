// Our GBDT saved as a LightGBM text model (src/models/gbdt/lightgbm-writer.ts): split thresholds
// convert exactly, our LightGBM reader predicts what our trees say (every objective, both grow
// policies, NaN and inputs on the split boundaries), and real LightGBM 4.7.0 predicts the same from
// the written files (fixtures made by scripts/lightgbm-writer-fixtures.py, which runs this file with
// WRITE_LIGHTGBM_FIXTURES=1 to write the models and inputs, then adds LightGBM's predictions).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/domain/errors.js';
import { createPrng } from '../../src/domain/prng.js';
import {
  type GbdtModel,
  type GbdtParams,
  lightgbmThresholdOf,
  parseLibsvmTraining,
  predictMargins,
  type TrainingData,
  toLightgbmText,
  trainGbdt,
} from '../../src/models/gbdt/index.js';
import { syntheticLibsvm } from '../../src/models/gbdt/synthetic.js';
import { leafOfRow } from '../../src/models/gbdt/tree-builder.js';
import { compileLightgbm } from '../../src/models/lightgbm/lightgbm-predictor.js';
import { parseLightgbmText } from '../../src/models/lightgbm/lightgbm-text.js';
import { baseMarginOf } from '../../src/models/xgboost-predictor.js';

const fixtures = 'test/fixtures/gbdt-lightgbm';
const WIDTH = 4;
const f32 = Math.fround;

const bits = new DataView(new ArrayBuffer(8));
const nextDouble = (x: number): number => {
  if (x === 0) return Number.MIN_VALUE;
  bits.setFloat64(0, x);
  const word = bits.getBigUint64(0);
  bits.setBigUint64(0, x > 0 ? word + 1n : word - 1n);
  return bits.getFloat64(0);
};
const previousFloat32 = (x: number): number => {
  if (x === 0) return -(2 ** -149);
  bits.setFloat32(0, x);
  const word = bits.getUint32(0);
  bits.setUint32(0, x > 0 ? word - 1 : word + 1);
  return bits.getFloat32(0);
};

/** Seeded synthetic data (src/models/gbdt/synthetic.ts): 4 features, ~10 % missing, the last one integer. */
const synthetic = (params: GbdtParams, rows: number, seed: number): TrainingData =>
  parseLibsvmTraining(syntheticLibsvm(params.objective, rows, createPrng(seed), WIDTH), 'synthetic', WIDTH);

interface WriterCase {
  readonly name: 'multiclass' | 'binary' | 'regression';
  readonly params: GbdtParams;
}

/** The real-LightGBM fixtures: small leaf-wise models (a few KB), one per objective. */
const FIXTURE_CASES: readonly WriterCase[] = [
  {
    name: 'multiclass',
    params: {
      objective: 'multi:softprob',
      numClass: 3,
      rounds: 3,
      eta: 0.3,
      growPolicy: 'lossguide',
      maxDepth: 0,
      maxLeaves: 5,
      seed: 11,
    },
  },
  {
    name: 'binary',
    params: {
      objective: 'binary:logistic',
      rounds: 5,
      eta: 0.3,
      growPolicy: 'lossguide',
      maxDepth: 0,
      maxLeaves: 5,
      seed: 11,
    },
  },
  // gamma prunes the late rounds' splits, so the model ends in single-leaf trees.
  {
    name: 'regression',
    params: {
      objective: 'reg:squarederror',
      rounds: 6,
      eta: 0.5,
      maxDepth: 2,
      gamma: 40,
      baseScore: 0.25,
      seed: 11,
    },
  },
];

/** Test inputs: fresh rows (NaN cells), an all-NaN row, and rows on both sides of the first splits' thresholds. */
const inputsOf = (
  model: GbdtModel,
  params: GbdtParams,
  fresh: number,
  boundarySplits: number,
): number[][] => {
  const data = synthetic(params, fresh, 99);
  const rows = Array.from({ length: fresh }, (_, r) =>
    Array.from(data.values.subarray(r * WIDTH, (r + 1) * WIDTH)),
  );
  rows.push(new Array<number>(WIDTH).fill(Number.NaN));
  let added = 0;
  for (const tree of model.trees) {
    for (let node = 0; node < tree.left.length && added < boundarySplits; node++) {
      if (tree.left[node] === -1) continue;
      const cut = tree.threshold[node];
      const lightgbm = lightgbmThresholdOf(cut);
      // The cut, the float32 below it, LightGBM's threshold and the double above it.
      for (const value of [cut, previousFloat32(cut), lightgbm, nextDouble(lightgbm)]) {
        const row = [...rows[added % fresh]];
        row[tree.feature[node]] = value;
        rows.push(row);
      }
      added++;
    }
  }
  return rows;
};

/** Our GBDT's margins of double rows, as it predicts (float32 inputs, float32 sums), and as a double sum. */
const oursOf = (model: GbdtModel, rows: readonly number[][]): { f32: number[][]; f64: number[][] } => {
  const values = Float32Array.from(rows.flat());
  const data: TrainingData = {
    rowCount: rows.length,
    featureCount: WIDTH,
    values,
    labels: new Float32Array(rows.length),
    featureNames: model.featureNames,
  };
  const margins = predictMargins(model, data);
  const base = baseMarginOf(model.objective, model.baseScore);
  const k = model.groupCount;
  const f64 = rows.map((_, r) => {
    const sums = new Array<number>(k).fill(0);
    model.trees.forEach((tree, t) => {
      const leaf = tree.leafValue[leafOfRow(tree, values, r * WIDTH)];
      // The written file folds the base margin into the first tree of each class.
      sums[t % k] += t < k ? leaf + base : leaf;
    });
    return sums;
  });
  return { f32: rows.map((_, r) => Array.from(margins.subarray(r * k, (r + 1) * k))), f64 };
};

const transform = (model: GbdtModel, margins: readonly number[]): number[] => {
  if (model.objective === 'reg:squarederror') return [...margins];
  if (model.objective === 'binary:logistic') return [1 / (1 + Math.exp(-margins[0]))];
  const max = Math.max(...margins);
  const exps = margins.map((m) => Math.exp(m - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
};

const maxDiff = (a: readonly number[][], b: readonly number[][]): number => {
  assert.is(a.length, b.length);
  let diff = 0;
  a.forEach((row, r) => {
    assert.is(row.length, b[r].length);
    row.forEach((value, k) => {
      diff = Math.max(diff, Math.abs(value - b[r][k]));
    });
  });
  return diff;
};

const fixtureModel = (testCase: WriterCase): { model: GbdtModel; text: string } => {
  const train = synthetic(testCase.params, 300, 5);
  const model = trainGbdt(train, testCase.params);
  return {
    model,
    text: toLightgbmText(model, undefined, { data: train, learningRate: testCase.params.eta }),
  };
};

const csvCell = (value: number): string => (Number.isNaN(value) ? 'nan' : String(value));

if (process.env.WRITE_LIGHTGBM_FIXTURES === '1') {
  // Step 1 of scripts/lightgbm-writer-fixtures.py: the models and their inputs (LightGBM adds its predictions).
  for (const testCase of FIXTURE_CASES) {
    const { model, text } = fixtureModel(testCase);
    writeFileSync(join(fixtures, `${testCase.name}.txt`), text);
    const rows = inputsOf(model, testCase.params, 16, 4);
    const header = Array.from({ length: WIDTH }, (_, f) => `f${f}`).join(',');
    writeFileSync(
      join(fixtures, `${testCase.name}.csv`),
      `${header}\n${rows.map((row) => row.map(csvCell).join(',')).join('\n')}\n`,
    );
    console.log(`${testCase.name}: ${model.trees.length} trees, ${text.length} bytes, ${rows.length} rows`);
  }
} else {
  test('thresholds: x ≤ T exactly when float32(x) < t, at the edges of float32', () => {
    const prng = createPrng(3);
    const cuts = [
      0,
      -0,
      1,
      -1,
      2 ** -149,
      -(2 ** -149),
      2 ** -126,
      3.4028234663852886e38,
      -3.4028234663852886e38,
    ];
    for (let i = 0; i < 2000; i++)
      cuts.push(f32(prng.normal() * 10 ** prng.int(12) * (prng.next() < 0.5 ? 1e-6 : 1)));
    for (const cut of cuts) {
      const threshold = lightgbmThresholdOf(cut);
      assert.ok(f32(threshold) < f32(cut), `${threshold} should go left of ${cut}`);
      assert.ok(f32(nextDouble(threshold)) >= f32(cut), `${nextDouble(threshold)} should go right of ${cut}`);
    }
    // The example of the format: a cut at 3 (an integer feature) becomes 2.99999988079071 (ties to even).
    assert.is(lightgbmThresholdOf(3), 2.99999988079071);
    assert.is(lightgbmThresholdOf(1), 0.9999999701976775);
  });

  const PARITY_CASES: readonly WriterCase[] = [
    ...FIXTURE_CASES,
    {
      name: 'multiclass',
      params: {
        objective: 'multi:softprob',
        numClass: 3,
        rounds: 25,
        eta: 0.2,
        maxDepth: 4,
        subsample: 0.8,
        seed: 4,
      },
    },
    {
      name: 'binary',
      params: {
        objective: 'binary:logistic',
        rounds: 30,
        eta: 0.2,
        growPolicy: 'lossguide',
        maxDepth: 0,
        maxLeaves: 31,
        minChildWeight: 2,
        baseScore: 0.3,
        seed: 4,
      },
    },
    {
      name: 'regression',
      params: { objective: 'reg:squarederror', rounds: 30, eta: 0.2, maxDepth: 5, seed: 4 },
    },
  ];

  PARITY_CASES.forEach((testCase, i) => {
    const { params } = testCase;
    test(`our reader predicts what our ${testCase.name} GBDT says (${params.growPolicy ?? 'depthwise'}, case ${i})`, () => {
      const train = synthetic(params, 400, 20 + i);
      const model = trainGbdt(train, params);
      const predictor = compileLightgbm(
        parseLightgbmText(toLightgbmText(model, undefined, { data: train }), 'written'),
      );
      const rows = inputsOf(model, params, 200, 40);
      const ours = oursOf(model, rows);
      const margins = rows.map((row) => Array.from(predictor.predictMargin(row)));
      const outputs = rows.map((row) => Array.from(predictor.predict(row)));
      // Same leaves, same double sums: equal to the last bit; our float32 sums differ by rounding only.
      assert.ok(maxDiff(margins, ours.f64) <= 1e-12, `margins ${maxDiff(margins, ours.f64)}`);
      const expected = ours.f64.map((m) => transform(model, m));
      assert.ok(maxDiff(outputs, expected) <= 1e-12, `outputs ${maxDiff(outputs, expected)}`);
      assert.ok(maxDiff(margins, ours.f32) <= 1e-5, `float32 margins ${maxDiff(margins, ours.f32)}`);
    });
  });

  test('the header describes the model and tree_sizes delimit the Tree= blocks', () => {
    const { model, text } = fixtureModel(FIXTURE_CASES[0]);
    const doc = parseLightgbmText(text, 'written');
    assert.is(doc.numClass, 3);
    assert.is(doc.numTreePerIteration, 3);
    assert.is(doc.objective.text, 'multiclass num_class:3');
    assert.equal(doc.featureNames, ['f0', 'f1', 'f2', 'f3']);
    assert.is(doc.trees.length, model.trees.length);
    const sizes = (/^tree_sizes=(.*)$/m.exec(text)?.[1] ?? '').split(' ').map(Number);
    let at = text.indexOf('\nTree=0\n') + 1;
    sizes.forEach((size, t) => {
      assert.ok(text.startsWith(`Tree=${t}\n`, at), `tree ${t} at byte ${at}`);
      at += size;
    });
    assert.ok(text.startsWith('end of trees\n', at));
    assert.match(text, /\nfeature_importances:\nf\d=\d+\n/);
  });

  test('names LightGBM cannot store are refused, naming the feature', () => {
    const { model } = fixtureModel(FIXTURE_CASES[1]);
    assert.throws(
      () => toLightgbmText(model, ['f0', 'f 1', 'f2', 'f3']),
      (error: Error) => error instanceof UsageError && error.message.includes('"f 1"'),
    );
    assert.throws(
      () => toLightgbmText(model, ['f0', 'f1']),
      (error: Error) =>
        error instanceof UsageError && error.message.includes('2 feature names for a model of 4'),
    );
  });

  const readFixture = (name: string): { rows: number[][]; raw: number[][]; pred: number[][] } => {
    const [header, ...lines] = readFileSync(join(fixtures, `${name}.csv`), 'utf8')
      .trim()
      .split('\n');
    const columns = header.split(',');
    const cells = lines.map((line) =>
      line.split(',').map((cell) => (cell === 'nan' ? Number.NaN : Number(cell))),
    );
    const pick = (prefix: string): number[][] =>
      cells.map((row) => row.filter((_, i) => columns[i].replace(/\d+$/, '') === prefix));
    return { rows: pick('f'), raw: pick('raw'), pred: pick('pred') };
  };

  for (const testCase of FIXTURE_CASES) {
    test(`${testCase.name}: real LightGBM predicts from the written model what ours does (1e-6)`, () => {
      const { model, text } = fixtureModel(testCase);
      assert.fixture(
        readFileSync(join(fixtures, `${testCase.name}.txt`), 'utf8'),
        text,
        'the writer changed: re-run scripts/lightgbm-writer-fixtures.py',
      );
      const expected = readFixture(testCase.name);
      assert.ok(expected.raw[0].length > 0, 'the fixture has LightGBM predictions');
      const predictor = compileLightgbm(parseLightgbmText(text, `${testCase.name}.txt`));
      const reader = expected.rows.map((row) => Array.from(predictor.predictMargin(row)));
      const readerPred = expected.rows.map((row) => Array.from(predictor.predict(row)));
      const ours = oursOf(model, expected.rows);
      const diffs = {
        readerRaw: maxDiff(reader, expected.raw),
        readerPred: maxDiff(readerPred, expected.pred),
        gbdtRaw: maxDiff(ours.f32, expected.raw),
        gbdtPred: maxDiff(
          ours.f32.map((m) => transform(model, m)),
          expected.pred,
        ),
      };
      // The report's numbers: ours against LightGBM, per objective.
      console.log(
        `lightgbm writer ${testCase.name}: ${expected.rows.length} rows, reader |Δraw| ${diffs.readerRaw.toExponential(2)} |Δpred| ${diffs.readerPred.toExponential(2)}; GBDT (float32 sums) |Δraw| ${diffs.gbdtRaw.toExponential(2)} |Δpred| ${diffs.gbdtPred.toExponential(2)}`,
      );
      for (const [what, diff] of Object.entries(diffs)) assert.ok(diff <= 1e-6, `${what} ${diff}`);
      assert.ok(maxDiff(ours.f64, expected.raw) <= 1e-12, 'LightGBM sums our leaves in the same order');
    });
  }

  test.run();
}
