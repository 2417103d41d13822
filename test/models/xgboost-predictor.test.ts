import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseLibsvmRows } from '../../src/models/feature-rows.js';
import { parseXgboostJson, readXgboostJson } from '../../src/models/xgboost-json.js';
import { baseMarginOf, compileXgboost, expf32, sigmoid32 } from '../../src/models/xgboost-predictor.js';
import { stumpJson } from './xgboost-stump.js';

const fixtures = 'test/fixtures/xgboost';
const testRows = parseLibsvmRows(readFileSync(join(fixtures, 'test.libsvm'), 'utf8'), 'test.libsvm', 8).rows;
const numbers = (file: string): number[] =>
  readFileSync(join(fixtures, file), 'utf8').trim().split('\n').map(Number);

/**
 * Outputs (row × class) where ours is not bit-identical to the CLI's float32 (it prints %.9g,
 * which reads back as exactly its float32), single-row and batch.
 */
const differingFromCli = (model: string, file: string, mode: 'predict' | 'predictMargin'): number => {
  const predictor = compileXgboost(readXgboostJson(join(fixtures, `${model}.json`)));
  const expected = numbers(file).map(Math.fround);
  assert.is(expected.length, testRows.length * predictor.numGroup, `${file} has one line per row and class`);
  const batch = predictor[mode === 'predict' ? 'predictBatch' : 'predictMarginBatch'](testRows);
  let differing = 0;
  testRows.forEach((row, i) => {
    const out = predictor[mode](row);
    for (let g = 0; g < out.length; g++) {
      const at = i * out.length + g;
      if (out[g] !== expected[at] || batch[at] !== expected[at]) differing++;
    }
  });
  return differing;
};

for (const model of ['binary', 'multi', 'reg', 'dart']) {
  test(`${model}: predictions (single and batch) are bit-identical to the xgboost CLI's pred.txt (incl. missing and edge rows)`, () => {
    assert.is(differingFromCli(model, `${model}.pred.txt`, 'predict'), 0);
  });
  test(`${model}: margins (single and batch) are bit-identical to the CLI's pred_margin=1 output`, () => {
    assert.is(differingFromCli(model, `${model}.margin.txt`, 'predictMargin'), 0);
  });
}

test('expf32 is glibc expf, also where Math.fround(Math.exp(x)) is one float32 step off', () => {
  // [x, glibc 2.36 expf(x)] (float32 values), from a C program calling expf; Math.exp misses each.
  const glibc = [
    [0.00045235652942210436, 1.0004525184631348],
    [0.5015763640403748, 1.651322364807129],
    [0.5303111672401428, 1.6994609832763672],
    [-0.6362772583961487, 0.5292590856552124],
    [-0.7009739279747009, 0.49610191583633423],
  ];
  for (const [x, expected] of glibc) {
    assert.is(expf32(Math.fround(x)), expected, `expf(${x})`);
    assert.is.not(Math.fround(Math.exp(Math.fround(x))), expected, `Math.exp already right at ${x}`);
  }
  assert.is(expf32(0), 1);
  assert.is(expf32(Number.NEGATIVE_INFINITY), 0);
  assert.is(expf32(-110), 0);
  assert.is(expf32(89), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(expf32(Number.NaN)));
});

test('batch predictions equal single-row ones for every objective (random rows with NaN)', () => {
  const rows = testRows.map((row, i) => row.map((value, f) => ((i + f) % 7 === 0 ? Number.NaN : value)));
  for (const model of ['binary', 'multi', 'reg', 'dart', 'softmax']) {
    const predictor = compileXgboost(readXgboostJson(join(fixtures, `${model}.json`)));
    const batch = predictor.predictBatch(rows);
    const single = rows.flatMap((row) => Array.from(predictor.predict(row)));
    assert.equal(Array.from(batch), single, model);
  }
});

test('multi:softmax: the argmax of our probabilities is the class the CLI predicts', () => {
  const predictor = compileXgboost(readXgboostJson(join(fixtures, 'softmax.json')));
  const classes = numbers('softmax.pred.txt');
  testRows.forEach((row, i) => {
    const p = predictor.predict(row);
    const argmax = p.indexOf(Math.max(...p));
    assert.is(argmax, classes[i], `row ${i}`);
    assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-6);
  });
});

test('CSV-style float64 input differs from the CLI only where its text parser is not correctly rounded', () => {
  // The CLI reads "1.8662524859233933" as 1.86625230 (dmlc ParseFloat); fround gives 1.86625254,
  // one float32 step up. Edge rows built on a split threshold make that visible.
  const predictor = compileXgboost(readXgboostJson(join(fixtures, 'multi.json')));
  const lines = readFileSync(join(fixtures, 'test.libsvm'), 'utf8').trim().split('\n');
  const expected = numbers('multi.margin.txt');
  let differing = 0;
  lines.forEach((line, i) => {
    const row = new Float64Array(8).fill(Number.NaN);
    for (const cell of line.split(' ').slice(1)) {
      const [index, value] = cell.split(':');
      row[Number(index)] = Number(value);
    }
    const out = predictor.predictMargin(row);
    if ([0, 1, 2].some((g) => Math.abs(out[g] - expected[i * 3 + g]) > 1e-6)) differing++;
  });
  assert.ok(differing > 0, 'the edge rows expose the parser difference');
  assert.ok(differing < 20, `${differing} rows differ`);
});

const stump = stumpJson;

test('split rule: float32(value) < threshold goes left; a double just below the float32 threshold goes right', () => {
  const predictor = compileXgboost(parseXgboostJson(stump('reg:squarederror', '5E-1', 1), 'stump'));
  const threshold = Math.fround(0.1);
  assert.is(predictor.predict([0.09])[0], 0);
  assert.is(predictor.predict([threshold])[0], 0.75);
  // 0.1 as a double is above 0.1f's neighbour below and rounds to 0.1f: equal, so right.
  const justBelow = threshold - 2 ** -30;
  assert.ok(justBelow < threshold && Math.fround(justBelow) === threshold);
  assert.is(predictor.predict([justBelow])[0], 0.75);
  assert.is(predictor.predict([Math.fround(threshold - 2 ** -27)])[0], 0);
});

test('missing (NaN, or past the end of the row) follows default_left', () => {
  const left = compileXgboost(parseXgboostJson(stump('reg:squarederror', '5E-1', 1), 'stump'));
  const right = compileXgboost(parseXgboostJson(stump('reg:squarederror', '5E-1', 0), 'stump'));
  assert.is(left.predict([Number.NaN])[0], 0);
  assert.is(left.predict([])[0], 0);
  assert.is(right.predict([Number.NaN])[0], 0.75);
});

test('binary:logistic: margin starts at logit(base_score), output is sigmoid(margin) (hand-computed)', () => {
  const predictor = compileXgboost(parseXgboostJson(stump('binary:logistic', '2E-1', 1), 'stump'));
  // logit(0.2) = ln(0.25) = −1.3862944; + 0.25 = −1.1362944; sigmoid = 1/(1 + e^1.1362944) = 0.2430014
  assert.ok(Math.abs(baseMarginOf('binary:logistic', Math.fround(0.2)) - Math.log(0.25)) < 1e-6);
  const margin = predictor.predictMargin([1])[0];
  assert.ok(Math.abs(margin - (Math.log(0.25) + 0.25)) < 1e-6, `margin ${margin}`);
  const p = predictor.predict([1])[0];
  assert.ok(Math.abs(p - 1 / (1 + Math.exp(-(Math.log(0.25) + 0.25)))) < 1e-6, `p ${p}`);
  assert.ok(Math.abs(p - 0.2430014) < 1e-6);
  assert.is(sigmoid32(0), 0.5);
});

test('binary:logitraw returns the margin; count:poisson returns exp(margin) from log(base_score)', () => {
  const raw = compileXgboost(parseXgboostJson(stump('binary:logitraw', '5E-1', 1), 'stump'));
  assert.is(raw.predict([1])[0], 0.25);
  const poisson = compileXgboost(parseXgboostJson(stump('count:poisson', '5E-1', 1), 'stump'));
  assert.ok(Math.abs(poisson.predict([1])[0] - 0.5 * Math.exp(0.25)) < 1e-6);
});

test('multi:softprob: softmax over the class margins (hand-computed)', () => {
  const predictor = compileXgboost(parseXgboostJson(stump('multi:softprob', '5E-1', 1, 3), 'stump'));
  // right leaves 0.25, 0.5, 0.75 on base 0.5: margins 0.75, 1, 1.25
  const margins = [0.75, 1, 1.25];
  const sum = margins.reduce((a, m) => a + Math.exp(m), 0);
  const p = predictor.predict([1]);
  for (let g = 0; g < 3; g++) assert.ok(Math.abs(p[g] - Math.exp(margins[g]) / sum) < 1e-6, `class ${g}`);
  assert.equal(Array.from(predictor.predictMargin([1])), margins);
});

test('the linked layout (deep trees) predicts exactly like the complete layout', () => {
  for (const model of ['binary', 'multi', 'reg', 'dart']) {
    const doc = readXgboostJson(join(fixtures, `${model}.json`));
    const complete = compileXgboost(doc, 'complete');
    const linked = compileXgboost(doc, 'linked');
    for (const row of testRows) {
      assert.equal(Array.from(linked.predictMargin(row)), Array.from(complete.predictMargin(row)), model);
    }
  }
});

test('predict can write into a caller buffer (no allocation)', () => {
  const predictor = compileXgboost(readXgboostJson(join(fixtures, 'multi.json')));
  const out = new Float64Array(3);
  assert.is(predictor.predict(testRows[0], out), out);
  assert.equal(Array.from(out), Array.from(predictor.predict(testRows[0])));
});

test.run();
