import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import type { ModelPrediction } from '../../src/domain/index.js';
import { createPrng } from '../../src/domain/prng.js';
import type { BatchModel } from '../../src/models/model.js';
import {
  architectureOf,
  checkForecaster,
  forecasterModelOf,
  loadForecaster,
  loadTf,
  saveForecaster,
  trainNetwork,
} from '../../src/models/neural/index.js';
import {
  forecastProbabilities,
  logCloses,
  normalCdf,
  returnScale,
  windowIsComplete,
  windowsAt,
} from '../../src/models/neural/windows.js';
import { vector } from '../builders.js';

// The forecaster plumbing shared by N-HiTS and PatchTST: windows, the vote's probabilities, save →
// load (identical predictions), reproducible training, refusal of corrupt files, and the model the
// ensemble runs (warm-up, bad closes, one batch per call).

const tf = await loadTf();
const SMALL = {
  nhits: { poolKernels: [4, 2, 1], downsample: [4, 2, 1], hidden: 16 },
  patchtst: { patchLen: 4, stride: 2, dModel: 16, nHeads: 2, nLayers: 1, ffDim: 16 },
} as const;

const build = (arch: 'nhits' | 'patchtst', seed = 3, window = 16, horizon = 2) =>
  (architectureOf(arch) as NonNullable<ReturnType<typeof architectureOf>>)(
    tf,
    { window, horizon, config: SMALL[arch] },
    createPrng(seed),
  );

const series = (n: number, seed = 5): number[] => {
  const rng = createPrng(seed);
  return Array.from(
    { length: n },
    (_, t) => 100 * Math.exp(0.01 * Math.sin((2 * Math.PI * t) / 8) + 0.001 * rng.normal()),
  );
};

const tmp = (): string => mkdtempSync(join(tmpdir(), 'quantum-forecaster-'));

test('windows are log returns against the last close, in units of the scale', () => {
  const logs = logCloses([100, 110, 121, 0, 133.1]);
  assert.ok(Number.isNaN(logs[3]), 'a non-positive close is NaN');
  assert.ok(windowIsComplete(logs, 2, 3, 0));
  assert.not.ok(windowIsComplete(logs, 2, 3, 1), 'its target is the bad close');
  assert.not.ok(windowIsComplete(logs, 1, 3, 0), 'not enough history');
  const data = windowsAt([logs], [{ series: 0, end: 2 }], 3, 0, 0.5);
  const step = Math.log(1.1) / 0.5;
  assert.ok(Math.abs(data.x[0] + 2 * step) < 1e-6 && Math.abs(data.x[1] + step) < 1e-6 && data.x[2] === 0);
  assert.equal(data.y.length, 0);
  // Constant returns have no spread: the scale's floor.
  assert.is(returnScale([logCloses([100, 110, 121, 133.1])]), 1e-4);
});

test('the vote: normal CDF and SELL/HOLD/BUY probabilities', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-9);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 2e-7);
  assert.ok(Math.abs(normalCdf(-1) - 0.158655254) < 2e-7);
  // Forecast +1%, error 1%, threshold 0.5%: BUY = 1 − Φ((ln 1.005 − 0.01)/0.01) ≈ 0.6915.
  const p = forecastProbabilities(0.01, 0.01, 0.5);
  assert.ok(Math.abs(p.BUY - (1 - normalCdf((Math.log(1.005) - 0.01) / 0.01))) < 1e-12);
  assert.ok(Math.abs(p.SELL + p.HOLD + p.BUY - 1) < 1e-12);
  assert.ok(p.BUY > p.HOLD && p.HOLD > p.SELL);
  const flat = forecastProbabilities(0, 0.001, 1);
  assert.ok(flat.HOLD > 0.99, 'a flat forecast with a small error is HOLD');
});

for (const arch of ['nhits', 'patchtst'] as const) {
  test(`${arch}: save → load predicts identically; corrupt files are refused, naming the file`, async () => {
    const dir = tmp();
    try {
      const network = build(arch);
      await saveForecaster(tf, network, { scale: 0.01, sigma: 0.02, thresholdPct: 0.3 }, dir);
      const x = tf.tensor2d(
        Float32Array.from({ length: 3 * 16 }, (_, i) => Math.sin(i)),
        [3, 16],
      );
      const before = network.forward(x).dataSync();
      const { network: loaded, topology } = await loadForecaster(tf, dir);
      assert.equal([...loaded.forward(x).dataSync()], [...before]);
      assert.is(topology.arch, arch);
      assert.is(topology.sigma, 0.02);
      // A truncated weights file.
      const weights = join(dir, 'weights.bin');
      const bytes = readFileSync(weights);
      truncateSync(weights, bytes.length - 4);
      assert.throws(
        () => checkForecaster(dir),
        (e: Error) => e instanceof ModelError && e.message.includes('weights.bin'),
      );
      writeFileSync(weights, bytes);
      // An unknown architecture.
      const json = readFileSync(join(dir, 'model.json'), 'utf8');
      writeFileSync(join(dir, 'model.json'), json.replace(`"arch": "${arch}"`, '"arch": "lstm"'));
      assert.throws(() => checkForecaster(dir), /unknown architecture "lstm"/);
      // Not JSON at all.
      writeFileSync(join(dir, 'model.json'), '{"format": ');
      assert.throws(() => checkForecaster(dir), /model\.json: cannot read the model/);
      network.dispose();
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${arch}: the same data, options and seed train the same weights`, async () => {
    const logs = logCloses(series(200));
    const at = Array.from({ length: 150 }, (_, i) => ({ series: 0, end: 20 + i }));
    const data = windowsAt([logs], at, 16, 2, returnScale([logs]));
    const train = async () => {
      const network = build(arch, 9);
      const result = await trainNetwork(tf, network, data, {
        epochs: 2,
        batchSize: 32,
        learningRate: 1e-3,
        seed: 4,
      });
      const values = network.weights.map((w) => [...w.variable.dataSync()]);
      network.dispose();
      return { values, losses: result.losses };
    };
    const first = await train();
    const second = await train();
    assert.equal(second.losses, first.losses);
    assert.equal(second.values, first.values);
    assert.ok(first.losses[1] < first.losses[0], 'the loss falls');
  });
}

const modelOf = async (dir: string): Promise<BatchModel> => {
  const network = build('nhits');
  await saveForecaster(tf, network, { scale: 0.01, sigma: 0.02, thresholdPct: 0.3 }, dir);
  network.dispose();
  return forecasterModelOf({ name: 'nh', dir, topology: checkForecaster(dir) });
};

const answer = async (
  predictor: ReturnType<BatchModel['createBatch']>,
  vectors: Parameters<typeof predictor>[0],
) => (await predictor(vectors)) as readonly ModelPrediction[];

test('the ensemble member: abstains while warming up and after a bad close, votes once the window is full', async () => {
  const dir = tmp();
  try {
    const model = await modelOf(dir);
    assert.is(model.warmup, 16);
    assert.equal(model.features, []);
    const predictor = model.createBatch();
    const closes = series(40);
    const votes: ModelPrediction[] = [];
    for (let t = 0; t < 20; t++)
      votes.push(...(await answer(predictor, [vector({}, { ts: (t + 1) * 60_000, close: closes[t] })])));
    assert.ok(votes.slice(0, 15).every((v) => v.action === null && v.abstainReason === 'warm-up'));
    assert.ok(votes.slice(15).every((v) => v.action !== null && v.probabilities !== undefined));
    const bad = await answer(predictor, [vector({}, { ts: 21 * 60_000, close: Number.NaN })]);
    assert.is(bad[0].abstainReason, 'bad close');
    const after = await answer(predictor, [vector({}, { ts: 22 * 60_000, close: closes[21] })]);
    assert.is(after[0].abstainReason, 'warm-up', 'a bad close restarts the window');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the ensemble member: a batch of symbols answers what each would answer alone', async () => {
  const dir = tmp();
  try {
    const model = await modelOf(dir);
    const symbols = ['AAA', 'BBB', 'CCC'];
    const closes = symbols.map((_, i) => series(20, 11 + i));
    const together = model.createBatch();
    const alone = symbols.map(() => model.createBatch());
    let last: readonly ModelPrediction[] = [];
    const single: ModelPrediction[] = [];
    for (let t = 0; t < 20; t++) {
      const vectors = symbols.map((symbol, i) =>
        vector({}, { symbol, ts: (t + 1) * 60_000, close: closes[i][t] }),
      );
      last = await answer(together, vectors);
      for (let i = 0; i < symbols.length; i++) {
        const vote = await answer(alone[i], [vectors[i]]);
        if (t === 19) single.push(vote[0]);
      }
    }
    assert.equal(
      last.map((v) => [v.symbol, v.action, v.confidence]),
      single.map((v) => [v.symbol, v.action, v.confidence]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
