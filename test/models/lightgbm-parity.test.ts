import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileLightgbm } from '../../src/models/lightgbm/lightgbm-predictor.js';
import { readLightgbmText } from '../../src/models/lightgbm/lightgbm-text.js';

// Fixtures made by real LightGBM 4.7.0 (scripts/lightgbm-fixtures.py): each CSV holds the inputs
// (NaN rows, zeros, ±1e-36, ±50, odd categories) and LightGBM's raw and transformed predictions.
const fixtures = 'test/fixtures/lightgbm';
const TOLERANCE = 1e-6;

interface Expected {
  readonly rows: Float64Array[];
  readonly raw: number[][];
  readonly pred: number[][];
}

const readExpected = (name: string): Expected => {
  const [header, ...lines] = readFileSync(join(fixtures, `${name}.csv`), 'utf8')
    .trim()
    .split('\n');
  const columns = header.split(',');
  const pick = (cells: number[], prefix: string): number[] =>
    cells.filter((_, i) => columns[i].replace(/\d+$/, '') === prefix);
  const parsed = lines.map((line) =>
    line.split(',').map((cell) => (cell === 'nan' ? Number.NaN : Number(cell))),
  );
  return {
    rows: parsed.map((cells) => Float64Array.from(pick(cells, 'f'))),
    raw: parsed.map((cells) => pick(cells, 'raw')),
    pred: parsed.map((cells) => pick(cells, 'pred')),
  };
};

/** Largest |ours − LightGBM's| over every row and output, for raw scores and predictions. */
const maxDiffs = (model: string, expectedName = model): { raw: number; pred: number; rows: number } => {
  const predictor = compileLightgbm(readLightgbmText(join(fixtures, `${model}.txt`)));
  const expected = readExpected(expectedName);
  let raw = 0;
  let pred = 0;
  expected.rows.forEach((row, r) => {
    const margin = predictor.predictMargin(row);
    const output = predictor.predict(row);
    assert.is(margin.length, expected.raw[r].length);
    margin.forEach((value, k) => {
      raw = Math.max(raw, Math.abs(value - expected.raw[r][k]));
    });
    output.forEach((value, k) => {
      pred = Math.max(pred, Math.abs(value - expected.pred[r][k]));
    });
  });
  return { raw, pred, rows: expected.rows.length };
};

const cases: [model: string, what: string, expected?: string][] = [
  ['binary', 'binary sigmoid:0.7, NaN missing type'],
  ['multiclass', 'multiclass, 3 classes'],
  ['regression', 'regression'],
  ['categorical', 'categorical bitset splits with unseen, negative, fractional and NaN categories'],
  ['zero-as-missing', 'zero_as_missing (missing type Zero)'],
  ['no-missing', 'use_missing=false (missing type None: NaN is 0)'],
  ['random-forest', 'random forest (average_output)'],
  ['dart', 'DART multiclass'],
  ['binary-v3', 'the binary model under a v3 header', 'binary'],
  ['binary-v2', 'the binary model under a v2 header (no is_linear, no tree_sizes)', 'binary'],
];

for (const [model, what, expected] of cases) {
  test(`${model}: ${what} matches LightGBM within 1e-6`, () => {
    const diff = maxDiffs(model, expected);
    // The report of the parity numbers, one line per fixture.
    console.log(
      `lightgbm parity ${model}: ${diff.rows} rows, max |Δraw| ${diff.raw.toExponential(2)}, max |Δpred| ${diff.pred.toExponential(2)}`,
    );
    assert.ok(diff.raw <= TOLERANCE, `raw ${diff.raw}`);
    assert.ok(diff.pred <= TOLERANCE, `pred ${diff.pred}`);
  });
}

test('the fixtures exercise every decision type: categorical, default left, missing None/Zero/NaN', () => {
  const types = new Set<number>();
  for (const [model] of cases) {
    for (const tree of readLightgbmText(join(fixtures, `${model}.txt`)).trees) {
      for (const type of tree.decisionType) types.add(type);
    }
  }
  assert.ok(types.has(1), 'categorical');
  assert.ok(
    [...types].some((t) => (t & 2) !== 0),
    'default left',
  );
  for (const missing of [0, 1, 2])
    assert.ok(
      [...types].some((t) => (t & 1) === 0 && t >> 2 === missing),
      `missing ${missing}`,
    );
});

test.run();
