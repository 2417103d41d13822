import type { Scalar } from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { createPrng } from '../../src/domain/prng.js';
import type { Network } from '../../src/models/neural/network.js';
import {
  buildNhits,
  coefficientCount,
  interpolationMatrix,
  maxPoolStart,
  nhitsConfig,
} from '../../src/models/neural/nhits.js';
import { loadTf } from '../../src/models/neural/tf.js';
import { evaluateMse, trainNetwork, type WindowData } from '../../src/models/neural/train.js';

// N-HiTS (src/models/neural/nhits.ts): shapes, seeded weights, deterministic forward, the pooling
// and interpolation pieces checked by hand, gradients to every weight, config errors that name the
// key, and an out-of-sample win over the naive forecast on a noisy seasonal series.

const tf = await loadTf();

const SMALL = { poolKernels: [4, 2, 1], downsample: [4, 2, 1], hidden: 16 };

const build = (window: number, horizon: number, config: Record<string, unknown>, seed = 1): Network =>
  buildNhits(tf, { window, horizon, config }, createPrng(seed));

/** A seeded `[batch, window]` input. */
const input = (batch: number, window: number, seed = 7) => {
  const prng = createPrng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: batch * window }, () => prng.normal()),
    [batch, window],
  );
};

const weightData = (network: Network): Float32Array[] =>
  network.weights.map((w) => w.variable.dataSync() as Float32Array);

const closeTo = (actual: ArrayLike<number>, expected: readonly number[], what: string) => {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-6, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
};

test('forward gives [batch, horizon] for a small config and for the defaults at window 120', () => {
  for (const [window, horizon, config] of [
    [24, 4, SMALL],
    [120, 12, {}],
    [120, 1, {}],
  ] as const) {
    const network = build(window, horizon, config);
    const x = input(3, window);
    const y = network.forward(x);
    assert.equal(y.shape, [3, horizon], `window ${window} horizon ${horizon}`);
    assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
    assert.is(network.arch, 'nhits');
    tf.dispose([x, y]);
    network.dispose();
  }
});

test('defaults: 3 stacks, kernels [8, 4, 1], ratios [12, 4, 1], 2 layers of 128; names are unique and readable', () => {
  const config = nhitsConfig.parse({});
  assert.equal(
    { ...config },
    {
      stacks: 3,
      blocksPerStack: 1,
      poolKernels: [8, 4, 1],
      downsample: [12, 4, 1],
      mlpLayers: 2,
      hidden: 128,
      interpolation: 'linear',
      backcast: 'interpolated',
    },
  );
  const network = build(120, 12, {});
  const names = network.weights.map((w) => w.name);
  assert.is(new Set(names).size, names.length);
  assert.ok(names.includes('stack0.block0.mlp1.kernel'), names.join());
  assert.ok(names.includes('stack2.block0.forecast.bias'));
  // The last block's backcast would feed nothing: it has no head.
  assert.ok(names.includes('stack1.block0.backcast.kernel'));
  assert.not.ok(names.includes('stack2.block0.backcast.kernel'));
  // Shapes follow the paper: pooled input ⌈120/8⌉ = 15; θᶠ ⌈12/12⌉ = 1; θᵇ ⌈120/12⌉ = 10.
  const shape = (name: string) => network.weights.find((w) => w.name === name)?.variable.shape;
  assert.equal(shape('stack0.block0.mlp0.kernel'), [15, 128]);
  assert.equal(shape('stack0.block0.forecast.kernel'), [128, 1]);
  assert.equal(shape('stack0.block0.backcast.kernel'), [128, 10]);
  assert.equal(shape('stack1.block0.forecast.kernel'), [128, 3]);
  assert.equal(shape('stack2.block0.mlp0.kernel'), [120, 128]);
  assert.equal(shape('stack2.block0.forecast.kernel'), [128, 12]);
  // The saved config rebuilds the same architecture.
  assert.equal(network.config, { ...config });
  network.dispose();
});

test('the same seed gives byte-identical weights; another seed gives different ones', () => {
  const a = build(24, 4, { ...SMALL, blocksPerStack: 2 }, 42);
  const b = build(24, 4, { ...SMALL, blocksPerStack: 2 }, 42);
  const c = build(24, 4, { ...SMALL, blocksPerStack: 2 }, 43);
  assert.equal(
    a.weights.map((w) => w.name),
    b.weights.map((w) => w.name),
  );
  const [wa, wb, wc] = [weightData(a), weightData(b), weightData(c)];
  wa.forEach((values, i) => {
    assert.equal(Buffer.from(values.buffer), Buffer.from(wb[i].buffer), a.weights[i].name);
  });
  const kernels = a.weights.map((w, i) => [w.name, i] as const).filter(([name]) => name.endsWith('.kernel'));
  for (const [name, i] of kernels) assert.not.equal(Array.from(wa[i]), Array.from(wc[i]), name);
  for (const network of [a, b, c]) network.dispose();
});

test('forward is deterministic and leaks no tensor beyond its output', () => {
  const network = build(24, 4, SMALL);
  const x = input(5, 24);
  const first = network.forward(x);
  const before = tf.memory().numTensors;
  const second = network.forward(x);
  assert.is(tf.memory().numTensors, before + 1);
  assert.equal(Array.from(first.dataSync()), Array.from(second.dataSync()));
  tf.dispose([x, first, second]);
  const variables = tf.memory().numTensors;
  network.dispose();
  assert.ok(tf.memory().numTensors < variables, 'dispose frees the variables');
});

test('max pooling by hand: [1,5,2,3] k2 → [5,3]; a short first window repeats the first value', () => {
  const cases: [number[], number, number[]][] = [
    [[1, 5, 2, 3], 2, [5, 3]],
    [[1, 5, 2], 2, [1, 5]],
    [[4, 1, 2, 9, 0, 3, 8], 3, [4, 9, 8]],
    [[-3, -1, -2], 2, [-3, -1]],
    [[1, 5, 2, 3], 1, [1, 5, 2, 3]],
    [[1, 5, 2, 3], 4, [5]],
  ];
  for (const [values, kernel, expected] of cases) {
    const x = tf.tensor2d(values, [1, values.length]);
    const pooled = maxPoolStart(tf, x, kernel);
    assert.equal(pooled.shape, [1, expected.length]);
    closeTo(pooled.dataSync(), expected, `pool ${values} k${kernel}`);
    tf.dispose([x, pooled]);
  }
  // Batched rows pool independently.
  const x = tf.tensor2d([1, 5, 2, 3, 9, 0, 0, 7], [2, 4]);
  const pooled = maxPoolStart(tf, x, 2);
  closeTo(pooled.dataSync(), [5, 3, 9, 7], 'batch');
  tf.dispose([x, pooled]);
});

test('interpolation by hand: linear 2 → 4 is [a, ¾a+¼b, ¼a+¾b, b]; nearest repeats; same length is the identity', () => {
  // Rows are coefficients, columns are points.
  closeTo(interpolationMatrix(2, 4, 'linear'), [1, 0.75, 0.25, 0, 0, 0.25, 0.75, 1], 'linear 2→4');
  closeTo(interpolationMatrix(2, 4, 'nearest'), [1, 1, 0, 0, 0, 0, 1, 1], 'nearest 2→4');
  closeTo(interpolationMatrix(1, 3, 'linear'), [1, 1, 1], 'constant');
  closeTo(interpolationMatrix(3, 3, 'linear'), [1, 0, 0, 0, 1, 0, 0, 0, 1], 'identity');
  // 3 → 6: points sample (i + ½)/2 − ½ = 0, 0.25, 0.75, 1.25, 1.75, 2.25→2 (clamped).
  closeTo(
    interpolationMatrix(3, 6, 'linear'),
    [1, 0.75, 0.25, 0, 0, 0, 0, 0.25, 0.75, 0.75, 0.25, 0, 0, 0, 0, 0.25, 0.75, 1],
    'linear 3→6',
  );
  const theta = tf.tensor2d([0, 4], [1, 2]);
  const series = tf.matMul(theta, tf.tensor2d(interpolationMatrix(2, 4, 'linear'), [2, 4]));
  closeTo(series.dataSync(), [0, 1, 3, 4], 'θ = [0, 4]');
  tf.dispose([theta, series]);
  assert.is(coefficientCount(4, 12), 1);
  assert.is(coefficientCount(12, 4), 3);
  assert.is(coefficientCount(13, 4), 4);
  assert.is(coefficientCount(120, 1), 120);
});

/**
 * The same network in plain JavaScript, straight from the paper's equations, reading the weights
 * by name: per block, max-pool (short first window), ReLU MLP, θᶠ/θᵇ heads, interpolation, and
 * the doubly residual sum. Independent of nhits.ts except `interpolationMatrix` (checked above).
 */
const referenceForward = (network: Network, row: number[]): number[] => {
  const config = network.config as {
    stacks: number;
    blocksPerStack: number;
    poolKernels: number[];
    mlpLayers: number;
  };
  const weight = (name: string) => {
    const found = network.weights.find((w) => w.name === name);
    return found === undefined ? undefined : { data: found.variable.dataSync(), shape: found.variable.shape };
  };
  const dense = (input: number[], name: string, relu: boolean): number[] => {
    const kernel = weight(`${name}.kernel`);
    const bias = weight(`${name}.bias`);
    if (kernel === undefined || bias === undefined) throw new Error(`no ${name}`);
    const [fanIn, fanOut] = kernel.shape;
    return Array.from({ length: fanOut }, (_, o) => {
      let sum = bias.data[o];
      for (let i = 0; i < fanIn; i++) sum += input[i] * kernel.data[i * fanOut + o];
      return relu ? Math.max(0, sum) : sum;
    });
  };
  const expand = (theta: number[], length: number): number[] => {
    const matrix = interpolationMatrix(theta.length, length, 'linear');
    return Array.from({ length }, (_, i) => theta.reduce((sum, t, k) => sum + t * matrix[k * length + i], 0));
  };
  let residual = [...row];
  const forecast = new Array<number>(network.horizon).fill(0);
  for (let s = 0; s < config.stacks; s++) {
    const kernel = config.poolKernels[s];
    for (let b = 0; b < config.blocksPerStack; b++) {
      const name = `stack${s}.block${b}`;
      const pad = Math.ceil(residual.length / kernel) * kernel - residual.length;
      const padded = [...new Array<number>(pad).fill(residual[0]), ...residual];
      let hidden = Array.from({ length: padded.length / kernel }, (_, p) =>
        Math.max(...padded.slice(p * kernel, (p + 1) * kernel)),
      );
      for (let l = 0; l < config.mlpLayers; l++) hidden = dense(hidden, `${name}.mlp${l}`, true);
      expand(dense(hidden, `${name}.forecast`, false), network.horizon).forEach((v, h) => {
        forecast[h] += v;
      });
      if (weight(`${name}.backcast.kernel`) !== undefined) {
        const backcast = expand(dense(hidden, `${name}.backcast`, false), network.window);
        residual = residual.map((v, t) => v - backcast[t]);
      }
    }
  }
  return forecast;
};

test('forward equals a plain-JavaScript N-HiTS built from the paper (pool, MLP, interpolation, residuals)', () => {
  // Window 22 is not a multiple of the kernels 4 and 3, so the padded first window is exercised too.
  const network = build(
    22,
    5,
    { poolKernels: [4, 3, 1], downsample: [5, 2, 1], hidden: 8, blocksPerStack: 2 },
    9,
  );
  const x = input(3, 22, 4);
  const y = network.forward(x);
  const rows = x.arraySync();
  const actual = y.arraySync();
  rows.forEach((row, r) => {
    const expected = referenceForward(network, row);
    for (let h = 0; h < expected.length; h++) {
      assert.ok(
        Math.abs(actual[r][h] - expected[h]) < 1e-4,
        `row ${r} step ${h}: ${actual[r][h]} vs ${expected[h]}`,
      );
    }
  });
  tf.dispose([x, y]);
  network.dispose();
});

test('gradients of a mean squared error reach every weight', () => {
  for (const config of [SMALL, { ...SMALL, blocksPerStack: 2, mlpLayers: 3, backcast: 'full' }]) {
    const network = build(24, 4, config, 3);
    const x = input(16, 24, 5);
    const y = input(16, 4, 6);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.squaredDifference(network.forward(x), y)) as Scalar,
      network.weights.map((w) => w.variable),
    );
    for (const { name, variable } of network.weights) {
      const grad = grads[variable.name];
      assert.ok(grad !== undefined, `${name}: no gradient`);
      assert.ok(
        Array.from(grad.dataSync()).some((g) => g !== 0),
        `${name}: gradient is all zero`,
      );
    }
    tf.dispose([x, y, value, ...Object.values(grads)]);
    network.dispose();
  }
});

test('a bad config is an error that names the key', () => {
  const cases: [number, Record<string, unknown>, RegExp][] = [
    [24, { poolKernels: [32, 2, 1] }, /poolKernels\[0\].*larger than the window/],
    [24, { hidden: -4 }, /hidden/],
    [24, { hidden: 2.5 }, /hidden/],
    [24, { poolKernels: [4, 1] }, /poolKernels: needs one entry per stack \(3\)/],
    [24, { stacks: 2, poolKernels: [4, 1] }, /downsample: needs one entry per stack \(2\)/],
    [24, { downsample: [4, 0, 1] }, /downsample\[1\]/],
    [24, { interpolation: 'cubic' }, /interpolation/],
    [24, { hiddenSize: 32 }, /^nhits config: hiddenSize: Unrecognized key/],
  ];
  for (const [window, config, message] of cases) {
    try {
      build(window, 4, config).dispose();
      assert.unreachable(`accepted ${JSON.stringify(config)}`);
    } catch (error) {
      assert.instance(error, ModelError, JSON.stringify(config));
      assert.match((error as Error).message, message);
      assert.match((error as Error).message, /^nhits config: /);
    }
  }
  assert.throws(() => buildNhits(tf, { window: 0, horizon: 4, config: {} }, createPrng(1)), /window/);
  const network = build(24, 4, SMALL);
  const wrong = input(2, 23);
  assert.throws(() => network.forward(wrong), /input must be \[batch, 24\]/);
  tf.dispose(wrong);
  network.dispose();
});

/**
 * Windows of a series made scale-free like the forecaster adapter does: each window and its
 * targets minus the window's last value, divided by `scale`.
 */
const windows = (
  series: Float64Array,
  from: number,
  to: number,
  window: number,
  horizon: number,
  scale: number,
) => {
  const count = to - from - window - horizon + 1;
  const x = new Float32Array(count * window);
  const y = new Float32Array(count * horizon);
  for (let i = 0; i < count; i++) {
    const last = series[from + i + window - 1];
    for (let j = 0; j < window; j++) x[i * window + j] = (series[from + i + j] - last) / scale;
    for (let h = 0; h < horizon; h++) y[i * horizon + h] = (series[from + i + window + h] - last) / scale;
  }
  return { x, y, count } satisfies WindowData;
};

test('out of sample, on a noisy seasonal series with a trend, a small N-HiTS beats the last-value forecast', async () => {
  const prng = createPrng(2026);
  const length = 2_400;
  const series = Float64Array.from(
    { length },
    (_, t) => Math.sin((2 * Math.PI * t) / 24) + 0.002 * t + 0.3 * prng.normal(),
  );
  const window = 48;
  const horizon = 4;
  const split = 1_800; // train on the first part, test on the later part only
  const train = windows(series, 0, split, window, horizon, 0.5);
  const later = windows(series, split, length, window, horizon, 0.5);
  const network = build(window, horizon, { poolKernels: [4, 2, 1], downsample: [4, 2, 1], hidden: 32 }, 11);
  const result = await trainNetwork(tf, network, train, {
    epochs: 6,
    batchSize: 32,
    learningRate: 2e-3,
    seed: 5,
  });
  const mse = evaluateMse(tf, network, later);
  // The naive forecast is the last value, which is 0 after the normalization.
  const naive = later.y.reduce((sum, v) => sum + v * v, 0) / later.y.length;
  assert.ok(result.losses[result.losses.length - 1] < result.losses[0], `losses ${result.losses}`);
  // Measured: ≈ 0.27 × naive over 4 series seeds × 2 weight seeds (the noise floor is 0.3² / 0.5² = 0.36
  // against a naive ≈ 1.7), so half the naive MSE is a wide margin that a broken network cannot meet.
  assert.ok(mse < 0.5 * naive, `N-HiTS MSE ${mse.toFixed(4)} vs naive ${naive.toFixed(4)}`);
  network.dispose();
});

test.run();
