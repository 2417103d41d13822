import type { Scalar } from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { createPrng } from '../../src/domain/prng.js';
import type { Network } from '../../src/models/neural/network.js';
import { buildPatchtst } from '../../src/models/neural/patchtst.js';
import {
  multiHeadSelfAttention,
  patchify,
  revinDenormalize,
  revinNormalize,
  scaledDotProductAttention,
} from '../../src/models/neural/patchtst-ops.js';
import { loadTf } from '../../src/models/neural/tf.js';
import { evaluateMse, trainNetwork, type WindowData } from '../../src/models/neural/train.js';

// PatchTST (src/models/neural/patchtst.ts): shapes, seeded weights, the hand-checkable pieces
// (patching, RevIN, attention), gradients to every weight, config errors, and that a small trained
// network beats the naive last-value forecast out of sample on a noisy seasonal series.

const tf = await loadTf();

const SMALL = { dModel: 16, nHeads: 4, nLayers: 2, ffDim: 32 };

const build = (config: Record<string, unknown>, seed = 1, window = 30, horizon = 4): Network =>
  buildPatchtst(tf, { window, horizon, config }, createPrng(seed));

/** `rows × cols` seeded standard-normal values. */
const randomMatrix = (rows: number, cols: number, seed: number): number[][] => {
  const prng = createPrng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => prng.normal()));
};

const weightBytes = (network: Network): Map<string, number[]> =>
  new Map(network.weights.map((w) => [w.name, Array.from(w.variable.dataSync())]));

const closeTo = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

const allCloseTo = (
  actual: readonly number[],
  expected: readonly number[],
  tolerance: number,
  what: string,
): void => {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) closeTo(actual[i], expected[i], tolerance, `${what}[${i}]`);
};

test('forward maps [batch, window] to [batch, horizon] for a small config and the defaults', () => {
  for (const config of [SMALL, { ...SMALL, nLayers: 1 }, {}]) {
    const network = build(config);
    const x = tf.tensor2d(randomMatrix(3, 30, 7));
    const y = network.forward(x);
    assert.equal(y.shape, [3, 4], JSON.stringify(config));
    assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
    // forward tidies: only its output outlives it.
    const before = tf.memory().numTensors;
    network.forward(x).dispose();
    assert.is(tf.memory().numTensors, before);
    x.dispose();
    y.dispose();
    network.dispose();
  }
});

test('weights have unique readable names, the config comes back with its defaults, dispose frees them', () => {
  const network = build({ nLayers: 1 });
  const names = network.weights.map((w) => w.name);
  assert.is(new Set(names).size, names.length);
  for (const name of [
    'revin.weight',
    'embed.pos',
    'layer0.attn.wq',
    'layer0.attn.wo',
    'layer0.ff.w1',
    'head.w',
  ]) {
    assert.ok(names.includes(name), name);
  }
  assert.equal(network.config, {
    patchLen: 6,
    stride: 3,
    dModel: 32,
    nHeads: 4,
    nLayers: 1,
    ffDim: 64,
    revin: true,
    revinAffine: true,
    padEnd: true,
  });
  // 10 patches of dModel 32 flatten into the head.
  assert.equal(network.weights.find((w) => w.name === 'head.w')?.variable.shape, [320, 4]);
  const before = tf.memory().numTensors;
  network.dispose();
  assert.is(tf.memory().numTensors, before - network.weights.length, 'dispose frees every variable');
});

test('same seed ⇒ identical weights and forecasts; another seed ⇒ other weights', () => {
  const a = build(SMALL, 42);
  const b = build(SMALL, 42);
  const c = build(SMALL, 43);
  assert.equal(weightBytes(a), weightBytes(b));
  assert.not.equal(weightBytes(a), weightBytes(c));
  const x = tf.tensor2d(randomMatrix(5, 30, 3));
  const first = Array.from(a.forward(x).dataSync());
  assert.equal(Array.from(a.forward(x).dataSync()), first);
  assert.equal(Array.from(b.forward(x).dataSync()), first);
  for (const network of [a, b, c]) network.dispose();
});

test('a row is forecast the same alone or in a batch (channel independence, no batch statistics)', () => {
  const network = build(SMALL);
  const rows = randomMatrix(4, 30, 9);
  const batched = network.forward(tf.tensor2d(rows)).arraySync();
  const alone = network.forward(tf.tensor2d([rows[2]])).arraySync()[0];
  allCloseTo(alone, batched[2], 1e-5, 'row 2');
  network.dispose();
});

test('patchify: window 8, patchLen 4, stride 2, end padding repeats the last value', () =>
  tf.tidy(() => {
    const x = tf.tensor2d([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [10, 20, 30, 40, 50, 60, 70, 80],
    ]);
    const padded = patchify(tf, x, { patchLen: 4, stride: 2, padEnd: true }).arraySync();
    assert.equal(padded[0], [
      [1, 2, 3, 4],
      [3, 4, 5, 6],
      [5, 6, 7, 8],
      [7, 8, 8, 8],
    ]);
    assert.equal(padded[1][3], [70, 80, 80, 80]);
    const unpadded = patchify(tf, x, { patchLen: 4, stride: 2, padEnd: false }).arraySync();
    assert.equal(unpadded[0], [
      [1, 2, 3, 4],
      [3, 4, 5, 6],
      [5, 6, 7, 8],
    ]);
  }));

test('RevIN: each row normalized to mean 0, std 1; denormalize gives the input back', () =>
  tf.tidy(() => {
    const rows = [
      [1, 2, 3, 4],
      [100, 102, 98, 104],
    ];
    const x = tf.tensor2d(rows);
    const { normalized, stats } = revinNormalize(tf, x);
    // Row 0 by hand: mean 2.5, population variance 1.25.
    const std0 = Math.sqrt(1.25 + 1e-5);
    allCloseTo(
      normalized.arraySync()[0],
      rows[0].map((value) => (value - 2.5) / std0),
      1e-6,
      'row 0',
    );
    for (const row of normalized.arraySync()) {
      const mean = row.reduce((a, b) => a + b, 0) / row.length;
      const std = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length);
      closeTo(mean, 0, 1e-6, 'mean');
      closeTo(std, 1, 1e-4, 'std');
    }
    const affine = { weight: tf.scalar(1.7), bias: tf.scalar(-0.3) };
    const withAffine = revinNormalize(tf, x, affine);
    const back = revinDenormalize(tf, withAffine.normalized, withAffine.stats, affine).arraySync();
    back.forEach((row, i) => {
      allCloseTo(row, rows[i], 1e-4, `affine row ${i}`);
    });
    const plainBack = revinDenormalize(tf, normalized, stats).arraySync();
    plainBack.forEach((row, i) => {
      allCloseTo(row, rows[i], 1e-4, `plain row ${i}`);
    });
  }));

test('scaled dot-product attention: softmax rows sum to 1 and the output matches a hand computation', () =>
  tf.tidy(() => {
    // One batch, one head, two tokens of dimension 2.
    const q = tf.tensor4d([
      [
        [
          [1, 0],
          [0, 2],
        ],
      ],
    ]);
    const k = tf.tensor4d([
      [
        [
          [1, 0],
          [0, 1],
        ],
      ],
    ]);
    const v = tf.tensor4d([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    const { output, weights } = scaledDotProductAttention(tf, q, k, v);
    // scores = q kᵀ / √2 = [[1/√2, 0], [0, 2/√2]]
    const softmax2 = (a: number, b: number): [number, number] => [
      Math.exp(a) / (Math.exp(a) + Math.exp(b)),
      Math.exp(b) / (Math.exp(a) + Math.exp(b)),
    ];
    const expectedWeights = [softmax2(1 / Math.SQRT2, 0), softmax2(0, 2 / Math.SQRT2)];
    const gotWeights = weights.arraySync()[0][0];
    gotWeights.forEach((row, i) => {
      closeTo(row[0] + row[1], 1, 1e-6, `row ${i} sum`);
      allCloseTo(row, expectedWeights[i], 1e-6, `weights row ${i}`);
    });
    const gotOutput = output.arraySync()[0][0];
    expectedWeights.forEach(([w0, w1], i) => {
      closeTo(gotOutput[i][0], w0 * 1 + w1 * 3, 1e-5, `output ${i},0`);
      closeTo(gotOutput[i][1], w0 * 2 + w1 * 4, 1e-5, `output ${i},1`);
    });
  }));

test('multi-head self-attention splits dModel into heads that attend separately', () =>
  tf.tidy(() => {
    // Identity projections, dModel 4, 2 heads: head h attends with columns 2h, 2h+1 only.
    const eye = tf.eye(4);
    const zero = tf.zeros([4]);
    const projections = { wq: eye, bq: zero, wk: eye, bk: zero, wv: eye, bv: zero, wo: eye, bo: zero };
    const tokens = [
      [1, 0, 0, 1],
      [0, 1, 2, 0],
      [1, 1, -1, 0],
    ];
    const got = multiHeadSelfAttention(tf, tf.tensor3d([tokens]), projections, 2).arraySync()[0];
    for (let h = 0; h < 2; h++) {
      const cols = [2 * h, 2 * h + 1];
      tokens.forEach((query, i) => {
        const scores = tokens.map((key) => cols.reduce((s, c) => s + query[c] * key[c], 0) / Math.SQRT2);
        const exps = scores.map(Math.exp);
        const total = exps.reduce((a, b) => a + b, 0);
        for (const c of cols) {
          const expected = tokens.reduce((s, value, j) => s + (exps[j] / total) * value[c], 0);
          closeTo(got[i][c], expected, 1e-5, `head ${h} token ${i} col ${c}`);
        }
      });
    }
  }));

test('every weight gets a non-zero gradient from an MSE loss', () => {
  const network = build(SMALL, 5);
  const x = tf.tensor2d(randomMatrix(8, 30, 11));
  const target = tf.tensor2d(randomMatrix(8, 4, 12));
  const { value, grads } = tf.variableGrads(
    () => tf.mean(tf.squaredDifference(network.forward(x, true), target)) as Scalar,
    network.weights.map((w) => w.variable),
  );
  assert.ok(Number.isFinite(value.dataSync()[0]));
  for (const weight of network.weights) {
    const gradient = grads[weight.variable.name];
    assert.ok(gradient !== undefined, `${weight.name}: no gradient`);
    assert.ok(
      Array.from(gradient.dataSync()).some((g) => g !== 0 && Number.isFinite(g)),
      `${weight.name}: all-zero gradient`,
    );
  }
  network.dispose();
});

test('a bad config is a ModelError naming the key', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ dModel: 16, nHeads: 3 }, 'nHeads'],
    [{ patchLen: 40 }, 'patchLen'],
    [{ patchLen: 4, stride: 5 }, 'stride'],
    [{ dModel: 'wide' }, 'dModel'],
    [{ dropout: 0.1 }, 'dropout'],
  ];
  for (const [config, key] of cases) {
    try {
      build(config);
      assert.unreachable(`${key}: no error`);
    } catch (error) {
      assert.instance(error, ModelError, key);
      assert.match((error as Error).message, key);
    }
  }
});

/** A noisy seasonal series: sin of period 12, a slow trend, seeded gaussian noise. */
const seasonalSeries = (length: number, seed: number): Float64Array => {
  const prng = createPrng(seed);
  return Float64Array.from(
    { length },
    (_, t) => Math.sin((2 * Math.PI * t) / 12) + 0.004 * t + 0.2 * prng.normal(),
  );
};

/** Windows of `window` values ending at each t in [from, to), with the next `horizon` values as targets. */
const windowsOf = (
  series: Float64Array,
  from: number,
  to: number,
  window: number,
  horizon: number,
): WindowData => {
  const ends: number[] = [];
  for (let end = Math.max(from, window - 1); end < to && end + horizon < series.length; end++) ends.push(end);
  const x = new Float32Array(ends.length * window);
  const y = new Float32Array(ends.length * horizon);
  ends.forEach((end, row) => {
    x.set(series.subarray(end - window + 1, end + 1), row * window);
    y.set(series.subarray(end + 1, end + 1 + horizon), row * horizon);
  });
  return { x, y, count: ends.length };
};

test('out of sample, a trained small PatchTST beats the naive last-value forecast', async () => {
  const window = 30;
  const horizon = 4;
  const series = seasonalSeries(900, 2026);
  // Train on windows whose targets end before 600; test on windows entirely after 640.
  const train = windowsOf(series, 0, 600 - horizon, window, horizon);
  const outOfSample = windowsOf(series, 640 + window - 1, series.length, window, horizon);
  const network = build({ dModel: 16, nHeads: 4, nLayers: 1, ffDim: 32 }, 7, window, horizon);
  await trainNetwork(tf, network, train, { epochs: 5, batchSize: 32, learningRate: 3e-3, seed: 1 });
  const modelMse = evaluateMse(tf, network, outOfSample);
  let naiveSum = 0;
  for (let row = 0; row < outOfSample.count; row++) {
    const last = outOfSample.x[row * window + window - 1];
    for (let j = 0; j < horizon; j++) naiveSum += (outOfSample.y[row * horizon + j] - last) ** 2;
  }
  const naiveMse = naiveSum / (outOfSample.count * horizon);
  assert.ok(modelMse < naiveMse, `PatchTST MSE ${modelMse} vs naive ${naiveMse}`);
  // It learned the season, not just the level: the naive error is mostly the seasonal swing.
  assert.ok(modelMse < 0.5 * naiveMse, `PatchTST MSE ${modelMse} is not below half the naive ${naiveMse}`);
  network.dispose();
});

test.run();
