// Question: how fast is our compiled XGBoost predictor (the flat forest of flat-forest.ts,
// float32-exact) on one row — the per-candle cost a model adds; target ≤ 10 µs for 500 trees of
// depth 6 — and in batch (`predictBatch`, tree-major), compared with the naive way of running a
// JSON model: walking the parsed JSON tree objects (`trees[t].left_children[node]` …) directly?
// Also shown: the previous compiled walk (same complete-tree arrays, but "go right" as a
// conditional plus a NaN test per split), to show what the branch-free walk buys.
// Model: 500 trees of depth 6 (binary:logistic, 16 features) trained here by the real XGBoost CLI
// into a temp dir (too big to commit); without `xgboost` on PATH it falls back to the 120-tree
// fixture and says so. Rows: 10,000 seeded rows with 5 % missing values. All predictors must
// agree (≤ 1e-6), and ours must equal the CLI's own predictions bit for bit (its pred.txt prints
// float32 exactly, %.9g), or the bench fails.
// Prints a JSON line and a table; writes bench/results/models.json.
// Usage: `node --expose-gc --import tsx bench/models.ts [rows=10000]`
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng } from '../src/domain/prng.js';
import { parseXgboostJson } from '../src/models/xgboost-json.js';
import { baseMarginOf, compileXgboost, sigmoid32 } from '../src/models/xgboost-predictor.js';
import { formatXgboostFloat } from '../src/models/xgboost-text-float.js';

const rowCount = Number(process.argv[2] ?? 10_000);
const featureCount = 16;
const prng = createPrng('models-bench');

const makeRow = (): Float64Array => {
  const row = new Float64Array(featureCount);
  for (let f = 0; f < featureCount; f++) row[f] = prng.next() < 0.05 ? Number.NaN : prng.normal();
  return row;
};
const libsvm = (rows: readonly Float64Array[], label: (row: Float64Array) => number): string =>
  `${rows
    .map((row) => {
      const cells = [String(label(row))];
      row.forEach((value, f) => {
        if (!Number.isNaN(value)) cells.push(`${f}:${formatXgboostFloat(value)}`);
      });
      return cells.join(' ');
    })
    .join('\n')}\n`;
const at = (row: Float64Array, f: number): number => (Number.isNaN(row[f]) ? 0 : row[f]);

const rows = Array.from({ length: rowCount }, makeRow);
const hasXgboost = spawnSync('xgboost', ['--version']).status === 0;
let modelPath = 'test/fixtures/xgboost/binary.json';
let cliPredictions: number[] | undefined;
let modelSource = 'fixture test/fixtures/xgboost/binary.json (xgboost not on PATH)';
if (hasXgboost) {
  const dir = mkdtempSync(join(tmpdir(), 'models-bench-'));
  const train = Array.from({ length: 20_000 }, makeRow);
  const label = (row: Float64Array) =>
    at(row, 0) * at(row, 1) - at(row, 2) + Math.sin(3 * at(row, 3)) + 0.5 * prng.normal() > 0 ? 1 : 0;
  writeFileSync(join(dir, 'train.libsvm'), libsvm(train, label));
  writeFileSync(
    join(dir, 'rows.libsvm'),
    libsvm(rows, () => 0),
  );
  const conf = [
    'objective=binary:logistic',
    'eta=0.05',
    'max_depth=6',
    'min_child_weight=0',
    'num_round=500',
    'tree_method=hist',
    'nthread=2',
    'seed=1',
    'data=train.libsvm?format=libsvm',
    'model_out=bench.json',
  ];
  const run = (args: string[]) => {
    const result = spawnSync('xgboost', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`bench/models.ts: xgboost ${args.join(' ')} failed: ${result.stderr}`);
  };
  run(['/dev/null', ...conf]);
  run([
    '/dev/null',
    ...conf,
    'task=pred',
    'model_in=bench.json',
    'test:data=rows.libsvm?format=libsvm',
    'name_pred=pred.txt',
  ]);
  modelPath = join(dir, 'bench.json');
  cliPredictions = readFileSync(join(dir, 'pred.txt'), 'utf8').trim().split('\n').map(Number);
  modelSource = `trained now by xgboost CLI (${(statSync(modelPath).size / 1e6).toFixed(1)} MB JSON)`;
}

const text = readFileSync(modelPath, 'utf8');
const loadStarted = process.hrtime.bigint();
const doc = parseXgboostJson(text, modelPath);
const ours = compileXgboost(doc);
if (ours.forest.kind !== 'complete') throw new Error('bench/models.ts: expected complete trees');
const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;

// Baseline: the parsed JSON objects, walked as they are (still float32-exact comparisons).
interface JsonTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: number[];
}
const jsonTrees: JsonTree[] = JSON.parse(text).learner.gradient_booster.model.trees;
const baseMargin = Math.log(doc.baseScore / (1 - doc.baseScore));
const naivePredict = (row: Float64Array): number => {
  let margin = baseMargin;
  for (const tree of jsonTrees) {
    let node = 0;
    while (tree.left_children[node] !== -1) {
      const value = row[tree.split_indices[node]];
      const goLeft = Number.isNaN(value)
        ? tree.default_left[node] === 1
        : Math.fround(value) < Math.fround(tree.split_conditions[node]);
      node = goLeft ? tree.left_children[node] : tree.right_children[node];
    }
    margin += tree.split_conditions[node];
  }
  return sigmoid32(margin);
};

// The previous compiled walk, on the same padded complete trees: per split a float32 row value,
// "go right" as a conditional, and a NaN test choosing the default direction.
const { depth, treeCount, numFeature } = { ...ours.forest, numFeature: doc.numFeature };
const internal = (1 << depth) - 1;
const features = Int32Array.from(ours.forest.slots, (slot) => slot % numFeature);
const defaultRight = Int32Array.from(ours.forest.slots, (slot) => (slot >= numFeature ? 1 : 0));
const { thresholds, leaves } = ours.forest;
const previousBase = baseMarginOf(doc.objective, doc.baseScore);
const row32 = new Float32Array(numFeature);
const previousPredict = (row: Float64Array): number => {
  for (let f = 0; f < numFeature; f++) row32[f] = row[f];
  let margin = previousBase;
  for (let t = 0; t < treeCount; t++) {
    const base = t * internal;
    let node = 0;
    for (let level = 0; level < depth; level++) {
      const at = base + node;
      const value = row32[features[at]];
      const goRight = (value >= thresholds[at] ? 1 : 0) | (Number.isNaN(value) ? defaultRight[at] : 0);
      node = 2 * node + 1 + goRight;
    }
    margin = Math.fround(margin + leaves[t * (internal + 1) + node - internal]);
  }
  return sigmoid32(margin);
};

// All must agree; ours (single and batch) must equal the CLI bit for bit.
const out = new Float64Array(1);
const batchOut = ours.predictBatch(rows);
let maxVsNaive = 0;
let maxVsPrevious = 0;
let rowsDifferingFromCli = 0;
let batchDiffers = 0;
rows.forEach((row, i) => {
  const p = ours.predict(row, out)[0];
  if (batchOut[i] !== p) batchDiffers++;
  maxVsNaive = Math.max(maxVsNaive, Math.abs(p - naivePredict(row)));
  maxVsPrevious = Math.max(maxVsPrevious, Math.abs(p - previousPredict(row)));
  if (cliPredictions !== undefined && p !== Math.fround(cliPredictions[i])) rowsDifferingFromCli++;
});
if (maxVsNaive > 1e-6 || maxVsPrevious > 1e-6 || rowsDifferingFromCli > 0 || batchDiffers > 0) {
  throw new Error(
    `bench/models.ts: predictions disagree (vs naive ${maxVsNaive}, vs previous ${maxVsPrevious}, ` +
      `${rowsDifferingFromCli} rows differ from the CLI, ${batchDiffers} batch rows differ)`,
  );
}

// Each contender has its own timing loops, not one helper taking a callback: a call site that
// sees several predictors stops V8 from inlining them there, and the figure then depends on which
// contender ran first (ours measured 7 µs in its own loop and 17 µs through a shared one). The
// engine calls one model's `predict` from one place, like these loops.
const rate = (started: bigint): number =>
  Math.round((rows.length / Number(process.hrtime.bigint() - started)) * 1e9);
const samplesNs = new Float64Array(rows.length);
const quantiles = () => {
  samplesNs.sort();
  const q = (p: number) => Number((samplesNs[Math.floor(p * (samplesNs.length - 1))] / 1000).toFixed(2));
  return { p50Us: q(0.5), p99Us: q(0.99) };
};
const throughput = {
  flat: () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i++) ours.predict(rows[i], out);
    return rate(started);
  },
  previous: () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i++) previousPredict(rows[i]);
    return rate(started);
  },
  naive: () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < rows.length; i++) naivePredict(rows[i]);
    return rate(started);
  },
  // The batch path: all rows in one call.
  batch: () => {
    const started = process.hrtime.bigint();
    ours.predictBatch(rows, batchOut);
    return rate(started);
  },
};
const latency = {
  flat: () => {
    for (let i = 0; i < rows.length; i++) {
      const t0 = process.hrtime.bigint();
      ours.predict(rows[i], out);
      samplesNs[i] = Number(process.hrtime.bigint() - t0);
    }
    return quantiles();
  },
  previous: () => {
    for (let i = 0; i < rows.length; i++) {
      const t0 = process.hrtime.bigint();
      previousPredict(rows[i]);
      samplesNs[i] = Number(process.hrtime.bigint() - t0);
    }
    return quantiles();
  },
  naive: () => {
    for (let i = 0; i < rows.length; i++) {
      const t0 = process.hrtime.bigint();
      naivePredict(rows[i]);
      samplesNs[i] = Number(process.hrtime.bigint() - t0);
    }
    return quantiles();
  },
};

// Warm up the JIT, then keep the best of 5 rounds for each, the rounds interleaved so a busy
// machine slows every contender alike (best-of is the figure least disturbed by other load).
const bestOf = { flat: 0, previous: 0, naive: 0, batch: 0 };
for (let round = 0; round < 6; round++) {
  for (const name of ['flat', 'previous', 'naive', 'batch'] as const) {
    (globalThis as { gc?: () => void }).gc?.();
    const rowsPerSec = throughput[name]();
    if (round > 0) bestOf[name] = Math.max(bestOf[name], rowsPerSec);
  }
}
const {
  flat: oursRowsPerSec,
  previous: previousRowsPerSec,
  naive: naiveRowsPerSec,
  batch: batchRowsPerSec,
} = bestOf;
const oursLatency = latency.flat();
const previousLatency = latency.previous();
const naiveLatency = latency.naive();
const targetUs = 10;

const ratio = (rowsPerSec: number): number => Number((rowsPerSec / naiveRowsPerSec).toFixed(2));
const result = {
  bench: 'models',
  question:
    'single-row and batch predict speed of the flat-forest XGBoost predictor vs walking the parsed JSON trees',
  model: { source: modelSource, trees: doc.trees.length, maxDepth: doc.maxDepth, features: doc.numFeature },
  rows: rowCount,
  node: process.version,
  loadMs: Number(loadMs.toFixed(1)),
  rowsDifferingFromCli: cliPredictions === undefined ? null : rowsDifferingFromCli,
  flat: {
    rowsPerSec: oursRowsPerSec,
    meanUs: Number((1e6 / oursRowsPerSec).toFixed(2)),
    ...oursLatency,
  },
  flatBatch: { rowsPerSec: batchRowsPerSec, meanUs: Number((1e6 / batchRowsPerSec).toFixed(2)) },
  previousCompiled: {
    rowsPerSec: previousRowsPerSec,
    meanUs: Number((1e6 / previousRowsPerSec).toFixed(2)),
    ...previousLatency,
  },
  naiveJson: {
    rowsPerSec: naiveRowsPerSec,
    meanUs: Number((1e6 / naiveRowsPerSec).toFixed(2)),
    ...naiveLatency,
  },
  ratioFlatOverNaive: ratio(oursRowsPerSec),
  ratioBatchOverNaive: ratio(batchRowsPerSec),
  // Load-independent: both walks timed in the same run (p50 of single calls). The previous walk
  // measured 23 µs on a quiet machine, so this ratio ≥ 2.3 means ≤ 10 µs there.
  speedupP50OverPrevious: Number((previousLatency.p50Us / oursLatency.p50Us).toFixed(2)),
  singleRowTargetUs: targetUs,
  // Judged on the best of 5 rounds' mean µs per call (the figure least disturbed by other load
  // on this shared 2-core host); the p50 of individually timed calls is printed beside it and
  // varies more from run to run (6.8–10.8 µs in three runs where the mean was 6.4–6.7 µs).
  singleRowTargetMet: 1e6 / oursRowsPerSec <= targetUs,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
console.table({
  'flat forest, single row (ours)': {
    'rows/s': oursRowsPerSec,
    'µs/row (mean)': result.flat.meanUs,
    'p50 µs': oursLatency.p50Us,
    'p99 µs': oursLatency.p99Us,
    ratio: result.ratioFlatOverNaive,
  },
  'flat forest, predictBatch (ours)': {
    'rows/s': batchRowsPerSec,
    'µs/row (mean)': result.flatBatch.meanUs,
    'p50 µs': '',
    'p99 µs': '',
    ratio: result.ratioBatchOverNaive,
  },
  'previous compiled walk': {
    'rows/s': previousRowsPerSec,
    'µs/row (mean)': result.previousCompiled.meanUs,
    'p50 µs': previousLatency.p50Us,
    'p99 µs': previousLatency.p99Us,
    ratio: ratio(previousRowsPerSec),
  },
  'naive JSON walk (baseline)': {
    'rows/s': naiveRowsPerSec,
    'µs/row (mean)': result.naiveJson.meanUs,
    'p50 µs': naiveLatency.p50Us,
    'p99 µs': naiveLatency.p99Us,
    ratio: 1,
  },
});
console.log(
  `single row ${result.flat.meanUs} µs (best-of-5 mean; p50 ${oursLatency.p50Us} µs): target ≤ ${targetUs} µs ${result.singleRowTargetMet ? 'met' : 'NOT met'}; ` +
    `rows differing from the CLI: ${result.rowsDifferingFromCli ?? 'n/a (no xgboost)'}`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/models.json', `${JSON.stringify(result, null, 2)}\n`);
