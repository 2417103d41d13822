// Question (issue #17): what does a neural forecaster add per candle — N-HiTS (window 120) and
// PatchTST (window 30), default configs, on the WebAssembly backend — and what does our ensemble
// member (forecaster-model.ts: each symbol's ring of closes → scaled window → tensor → forward →
// `await data()` → SELL/HOLD/BUY probabilities → vote) add over the bare tfjs call it wraps?
// Targets: single-window inference p50 ≤ 2 ms; and a batch of 222 windows (one per symbol of the
// Binance USDT-M list) far below 222 single calls.
// Baseline: the same network's forward on a prepared tensor and `dataSync()` — tfjs's own floor.
// Ours: the BatchModel's predictor with a full window, one vector per call (as the kernel calls it
// per candle), and one call with 222 vectors. Weights are seeded (the numbers do not depend on them).
// Both paths must agree on the forecast (the vote's probabilities recomputed from the baseline's
// forecast), or the bench throws.
// Prints a JSON line and a table; writes bench/results/forecasters.json.
// Usage: `node --expose-gc --import tsx bench/forecasters.ts [calls=300]`
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureVector, ModelPrediction } from '../src/domain/index.js';
import { createPrng } from '../src/domain/prng.js';
import {
  architectureOf,
  checkForecaster,
  forecasterModelOf,
  loadTf,
  saveForecaster,
} from '../src/models/neural/index.js';
import { tfBackend } from '../src/models/neural/tf.js';
import { forecastProbabilities } from '../src/models/neural/windows.js';

const calls = Number(process.argv[2] ?? 300);
const SYMBOLS = 222;
const tf = await loadTf();
const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
};
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

const kline = (symbol: string, t: number, close: number): FeatureVector => ({
  kind: 'feature-vector',
  symbol,
  ts: (t + 1) * 3_600_000,
  kline: {
    kind: 'kline',
    symbol,
    interval: '1h',
    openTime: t * 3_600_000,
    ts: (t + 1) * 3_600_000,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    quoteVolume: close,
    trades: 1,
    takerBuyVolume: 0.5,
  },
  names: [],
  values: [],
});

const results: Record<string, unknown> = {};
const rows: string[] = [];
for (const [arch, window] of [
  ['nhits', 120],
  ['patchtst', 30],
] as const) {
  const build = architectureOf(arch);
  if (build === undefined) throw new Error(`${arch} not registered`);
  const network = build(tf, { window, horizon: 4, config: {} }, createPrng(1));
  const dir = mkdtempSync(join(tmpdir(), `bench-${arch}-`));
  const scale = 0.01;
  await saveForecaster(tf, network, { scale, sigma: 0.02, thresholdPct: 0.3 }, dir);
  const model = forecasterModelOf({ name: arch, dir, topology: checkForecaster(dir) });
  const predictor = model.createBatch();
  // Seeded random walks, one per symbol, long enough for the window plus every timed call.
  const prng = createPrng(`bench-${arch}`);
  const paths = Array.from({ length: SYMBOLS }, () => {
    let price = 100;
    return Array.from({ length: window + calls + 2 }, () => (price *= Math.exp(0.01 * prng.normal())));
  });
  // Fill every symbol's window (the first full window also loads the weights: untimed).
  for (let t = 0; t < window; t++) await predictor(paths.map((path, s) => kline(`S${s}`, t, path[t])));

  // Baseline: the bare forward of symbol 0's current window.
  const windowOf = (s: number, end: number): Float32Array => {
    const last = Math.log(paths[s][end]);
    return Float32Array.from(
      { length: window },
      (_, k) => (Math.log(paths[s][end - window + 1 + k]) - last) / scale,
    );
  };
  const bare: number[] = [];
  const single: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = window + i;
    const x = windowOf(0, t);
    let start = process.hrtime.bigint();
    const forecast = tf.tidy(() => network.forward(tf.tensor2d(x, [1, window])).dataSync());
    bare.push(ms(start));
    start = process.hrtime.bigint();
    const [vote] = (await predictor([kline('S0', t, paths[0][t])])) as readonly ModelPrediction[];
    single.push(ms(start));
    const expected = forecastProbabilities(forecast[3] * scale, 0.02, 0.3);
    const got = vote.probabilities;
    if (
      got === undefined ||
      Math.abs(got.BUY - expected.BUY) > 1e-6 ||
      Math.abs(got.SELL - expected.SELL) > 1e-6
    ) {
      throw new Error(`${arch}: the model's vote disagrees with the bare forward at call ${i}`);
    }
  }
  // A batch of 222 windows: every symbol's next candle in one call, vs the bare forward of the same batch.
  const batchOurs: number[] = [];
  const batchBare: number[] = [];
  for (let i = 0; i < Math.max(5, Math.floor(calls / 20)); i++) {
    const t = window + calls + (i % 2);
    const x = new Float32Array(SYMBOLS * window);
    for (let s = 0; s < SYMBOLS; s++) x.set(windowOf(s, t), s * window);
    let start = process.hrtime.bigint();
    tf.tidy(() => network.forward(tf.tensor2d(x, [SYMBOLS, window])).dataSync());
    batchBare.push(ms(start));
    start = process.hrtime.bigint();
    await predictor(paths.map((path, s) => kline(`S${s}`, t, path[t])));
    batchOurs.push(ms(start));
  }
  const bareStats = summary(bare);
  const ours = summary(single);
  const batch = summary(batchOurs);
  const batchFloor = summary(batchBare);
  const parameters = network.weights.reduce((n, w) => n + w.variable.size, 0);
  results[arch] = {
    window,
    parameters,
    bare: bareStats,
    ours,
    ratioP50: ours.p50 / bareStats.p50,
    batch222: {
      ours: batch,
      bare: batchFloor,
      perWindowMs: batch.p50 / SYMBOLS,
      vsSingleCalls: (ours.p50 * SYMBOLS) / batch.p50,
    },
    meetsTarget: ours.p50 <= 2,
  };
  rows.push(
    `${arch.padEnd(9)} ${String(window).padStart(6)} ${String(parameters).padStart(7)}  ${bareStats.p50.toFixed(3).padStart(8)}  ${ours.p50.toFixed(3).padStart(8)}  ${ours.p99.toFixed(3).padStart(8)}  ${(ours.p50 / bareStats.p50).toFixed(2).padStart(5)}×  ${batch.p50.toFixed(2).padStart(8)}  ${batchFloor.p50.toFixed(2).padStart(8)}  ${((ours.p50 * SYMBOLS) / batch.p50).toFixed(0).padStart(5)}×`,
  );
  network.dispose();
  rmSync(dir, { recursive: true, force: true });
}
const meetsTarget = Object.values(results).every((r) => (r as { meetsTarget: boolean }).meetsTarget);
const json = { bench: 'forecasters', backend: tfBackend(), calls, symbols: SYMBOLS, ...results, meetsTarget };
console.log(JSON.stringify(json));
console.log(`\nbackend ${tfBackend()}, ${calls} single calls, batches of ${SYMBOLS} windows (ms)`);
console.log('model     window  params  bare p50  ours p50  ours p99  ratio  batch222  bare 222  batch gain');
for (const row of rows) console.log(row);
console.log(`target: single-window p50 ≤ 2 ms: ${meetsTarget ? 'met' : 'MISSED'}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/forecasters.json', `${JSON.stringify(json, null, 2)}\n`);
