/**
 * Makes the XGBoost fixtures under test/fixtures/xgboost/ with the REAL XGBoost CLI (1.7.4,
 * Debian package `xgboost`), so the loader is checked against XGBoost itself, not against our
 * own idea of it. Run: `node --import tsx scripts/make-xgboost-fixtures.ts [outDir]`.
 *
 * What it writes (all deterministic: data come from `createPrng`, XGBoost runs single-threaded
 * with a fixed seed):
 * - `train-{binary,multi,reg}.libsvm`: 1,000 rows × 8 features, ~12 % of the entries absent
 *   (libsvm has no NaN; an absent entry is XGBoost's "missing"), so trees learn default directions.
 * - `{binary,multi,softmax,reg,dart}.conf` + `.json`: the CLI's train configs and the JSON models
 *   (`model_out` ending in `.json` makes 1.7 write the JSON format; any other extension gives the
 *   binary format).
 * - `test.libsvm`: 300 fresh rows with missing entries, plus "edge" rows whose value sits exactly on
 *   a split threshold, or a hair below it in float64 but equal to it in float32 (this is where a
 *   float64 comparison would take the wrong branch).
 * - `<model>.pred.txt`: the CLI's predictions on test.libsvm (`task=pred`), `<model>.margin.txt`
 *   with `pred_margin=1` (raw margins before the objective's transform).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPrng } from '../src/domain/prng.js';

const outDir = resolve(process.argv[2] ?? 'test/fixtures/xgboost');
const featureCount = 8;
const trainRows = 1000;
const testRows = 300;
const missingRate = 0.12;

mkdirSync(outDir, { recursive: true });
const prng = createPrng('xgboost-fixtures');

/** One row of features, NaN = missing. */
const makeRow = (): number[] => {
  const row: number[] = [];
  for (let f = 0; f < featureCount; f++) {
    const value = f === 7 ? prng.int(5) : prng.normal() * (1 + f / 4);
    row.push(prng.next() < missingRate ? Number.NaN : value);
  }
  return row;
};
const at = (row: number[], f: number): number => (Number.isNaN(row[f]) ? 0 : row[f]);
const binaryLabel = (row: number[]): number =>
  1.5 * at(row, 0) - at(row, 1) + at(row, 2) * at(row, 3) + 0.5 * prng.normal() > 0 ? 1 : 0;
const multiLabel = (row: number[]): number => {
  const score = at(row, 0) + 0.5 * at(row, 4) - 0.3 * at(row, 7) + 0.4 * prng.normal();
  return score < -0.5 ? 0 : score > 0.5 ? 2 : 1;
};
const regLabel = (row: number[]): number =>
  Math.sin(at(row, 0)) + at(row, 1) * at(row, 2) * 0.5 - 0.2 * at(row, 5) + 0.1 * prng.normal();

/** libsvm line with the shortest decimal that round-trips the double (absent = missing). */
const libsvmLine = (label: number, row: number[], format: (v: number) => string = String): string => {
  const cells = [String(label)];
  for (let f = 0; f < row.length; f++) if (!Number.isNaN(row[f])) cells.push(`${f}:${format(row[f])}`);
  return cells.join(' ');
};

const train = Array.from({ length: trainRows }, makeRow);
const writeTrain = (name: string, labelOf: (row: number[]) => number): void =>
  writeFileSync(
    join(outDir, `train-${name}.libsvm`),
    `${train.map((r) => libsvmLine(labelOf(r), r)).join('\n')}\n`,
  );
writeTrain('binary', binaryLabel);
writeTrain('multi', multiLabel);
writeTrain('reg', regLabel);

const xgboost = (args: string[]): void => {
  const run = spawnSync('xgboost', args, { cwd: outDir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`xgboost ${args.join(' ')} failed:\n${run.stdout}${run.stderr}`);
};

const models: Record<string, string[]> = {
  // base_score 0.3 (not the default 0.5) so the logit(base_score) start of the margin is exercised.
  binary: [
    'objective=binary:logistic',
    'base_score=0.3',
    'num_round=120',
    'max_depth=6',
    'data=train-binary',
  ],
  multi: ['objective=multi:softprob', 'num_class=3', 'num_round=40', 'max_depth=6', 'data=train-multi'],
  softmax: ['objective=multi:softmax', 'num_class=3', 'num_round=20', 'max_depth=4', 'data=train-multi'],
  reg: ['objective=reg:squarederror', 'num_round=100', 'max_depth=6', 'data=train-reg'],
  // dart: each tree's output is scaled by its weight_drop at prediction time.
  dart: [
    'booster=dart',
    'objective=binary:logistic',
    'rate_drop=0.1',
    'num_round=30',
    'max_depth=4',
    'data=train-binary',
  ],
};
for (const [name, params] of Object.entries(models)) {
  const lines = [
    ...(params.some((p) => p.startsWith('booster=')) ? [] : ['booster = gbtree']),
    'eta = 0.1',
    'seed = 7',
    'nthread = 1',
    'tree_method = hist',
    ...params.map((p) => {
      const [key, value] = p.split('=');
      return key === 'data' ? `data = "${value}.libsvm?format=libsvm"` : `${key} = ${value}`;
    }),
    `model_out = "${name}.json"`,
  ];
  writeFileSync(join(outDir, `${name}.conf`), `${lines.join('\n')}\n`);
  xgboost([`${name}.conf`]);
}

// Edge rows: a feature exactly on a split threshold (9 significant digits round-trip a float32),
// and a value just below the threshold in float64 that still rounds to it in float32.
const test = Array.from({ length: testRows }, makeRow);
const edgeLines: string[] = [];
type TreeJson = { split_indices: number[]; split_conditions: number[]; left_children: number[] };
for (const name of Object.keys(models)) {
  const doc = JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8'));
  const booster = doc.learner.gradient_booster;
  const trees: TreeJson[] = (booster.model ?? booster.gbtree.model).trees;
  for (let t = 0; t < trees.length; t += Math.max(1, Math.floor(trees.length / 25))) {
    const tree = trees[t];
    const row = makeRow();
    const feature = tree.split_indices[0];
    const threshold = tree.split_conditions[0];
    if (tree.left_children[0] === -1) continue;
    const onThreshold = [...row];
    onThreshold[feature] = threshold;
    edgeLines.push(
      libsvmLine(0, onThreshold, (v) => (v === threshold ? Math.fround(v).toPrecision(9) : String(v))),
    );
    const below = [...row];
    // A quarter of a float32 ulp below: float64 says "less", float32 says "equal".
    const ulp32 = Math.abs(Math.fround(threshold) * 2 ** -23) || 2 ** -149;
    below[feature] = Math.fround(threshold) - ulp32 / 4;
    if (Math.fround(below[feature]) === Math.fround(threshold)) {
      edgeLines.push(libsvmLine(0, below, (v) => (v === below[feature] ? v.toPrecision(17) : String(v))));
    }
  }
}
writeFileSync(
  join(outDir, 'test.libsvm'),
  `${[...test.map((r) => libsvmLine(0, r)), ...edgeLines].join('\n')}\n`,
);

for (const name of Object.keys(models)) {
  const common = [
    `${name}.conf`,
    'task=pred',
    `model_in=${name}.json`,
    'test:data=test.libsvm?format=libsvm',
  ];
  xgboost([...common, `name_pred=${name}.pred.txt`]);
  xgboost([...common, 'pred_margin=1', `name_pred=${name}.margin.txt`]);
}
process.stdout.write(`fixtures written to ${outDir}\n`);
