// Question: how fast is our compiled XGBoost predictor (flat typed arrays, float32-exact) on one
// row — the per-candle cost a model adds — and in batch, compared with the naive way of running a
// JSON model: walking the parsed JSON tree objects (`trees[t].left_children[node]` …) directly?
// Model: 500 trees of depth 6 (binary:logistic, 16 features) trained here by the real XGBoost CLI
// into a temp dir (too big to commit); without `xgboost` on PATH it falls back to the 120-tree
// fixture and says so. Rows: 10,000 seeded rows with 5 % missing values. Both predictors must
// agree (≤ 1e-6), and ours must equal the CLI's own predictions, or the bench fails.
// Prints a JSON line and a table; writes bench/results/models.json.
// Usage: `node --expose-gc --import tsx bench/models.ts [rows=10000]`
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng } from '../src/domain/prng.js';
import { parseXgboostJson } from '../src/models/xgboost-json.js';
import { compileXgboost, sigmoid32 } from '../src/models/xgboost-predictor.js';
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

// Both must agree, and ours must equal the CLI.
const out = new Float64Array(1);
let maxVsNaive = 0;
let maxVsCli = 0;
rows.forEach((row, i) => {
  const p = ours.predict(row, out)[0];
  maxVsNaive = Math.max(maxVsNaive, Math.abs(p - naivePredict(row)));
  if (cliPredictions !== undefined) maxVsCli = Math.max(maxVsCli, Math.abs(p - cliPredictions[i]));
});
if (maxVsNaive > 1e-6 || maxVsCli > 1e-6) {
  throw new Error(`bench/models.ts: predictions disagree (vs naive ${maxVsNaive}, vs CLI ${maxVsCli})`);
}

type Predict = (row: Float64Array) => number;
const oursPredict: Predict = (row) => ours.predict(row, out)[0];

const batch = (predict: Predict) => {
  (globalThis as { gc?: () => void }).gc?.();
  let checksum = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i++) checksum += predict(rows[i]);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { rowsPerSec: Math.round((rows.length / elapsedMs) * 1000), checksum };
};
const latency = (predict: Predict) => {
  const samplesNs = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const t0 = process.hrtime.bigint();
    predict(rows[i]);
    samplesNs[i] = Number(process.hrtime.bigint() - t0);
  }
  samplesNs.sort();
  const q = (p: number) => Number((samplesNs[Math.floor(p * (samplesNs.length - 1))] / 1000).toFixed(2));
  return { p50Us: q(0.5), p99Us: q(0.99) };
};

// Warm up the JIT, then keep the best of 3 rounds for each.
batch(oursPredict);
batch(naivePredict);
let bestOurs = batch(oursPredict);
let bestNaive = batch(naivePredict);
for (let r = 0; r < 2; r++) {
  const o = batch(oursPredict);
  const n = batch(naivePredict);
  if (o.rowsPerSec > bestOurs.rowsPerSec) bestOurs = o;
  if (n.rowsPerSec > bestNaive.rowsPerSec) bestNaive = n;
}
const oursLatency = latency(oursPredict);
const naiveLatency = latency(naivePredict);

const result = {
  bench: 'models',
  question:
    'single-row and batch predict speed of the compiled XGBoost predictor vs walking the parsed JSON trees',
  model: { source: modelSource, trees: doc.trees.length, maxDepth: doc.maxDepth, features: doc.numFeature },
  rows: rowCount,
  node: process.version,
  loadMs: Number(loadMs.toFixed(1)),
  maxAbsDiffVsCli: cliPredictions === undefined ? null : maxVsCli,
  compiled: { rowsPerSec: bestOurs.rowsPerSec, ...oursLatency },
  naiveJson: { rowsPerSec: bestNaive.rowsPerSec, ...naiveLatency },
  ratioCompiledOverNaive: Number((bestOurs.rowsPerSec / bestNaive.rowsPerSec).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
console.table({
  'compiled (ours)': {
    'rows/s': bestOurs.rowsPerSec,
    'p50 µs': oursLatency.p50Us,
    'p99 µs': oursLatency.p99Us,
    ratio: result.ratioCompiledOverNaive,
  },
  'naive JSON walk (baseline)': {
    'rows/s': bestNaive.rowsPerSec,
    'p50 µs': naiveLatency.p50Us,
    'p99 µs': naiveLatency.p99Us,
    ratio: 1,
  },
});
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/models.json', `${JSON.stringify(result, null, 2)}\n`);
