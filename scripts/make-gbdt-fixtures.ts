/**
 * Makes the GBDT trainer's fixtures under test/fixtures/gbdt/ with the REAL XGBoost CLI (1.7.4,
 * Debian package `xgboost`), so test/models/gbdt-parity.test.ts checks our trainer against XGBoost
 * itself even on a machine without the CLI. Run after any change to the trainer or the data:
 * `node --import tsx scripts/make-gbdt-fixtures.ts [outDir]`.
 *
 * What it writes (deterministic: data from `createPrng`, XGBoost single-threaded, fixed seed):
 * - `<case>-{train,valid}.libsvm` for each case of test/models/gbdt-cases.ts (binary, multi, reg,
 *   leafwise): seeded synthetic sets (2,000 / 600 rows × 8 features, ~10 % of the entries absent
 *   = missing), labels from a noisy non-linear rule;
 * - `<case>.ours-pred.txt`: the CLI's predictions (`task=pred`) on the validation rows for
 *   the model OUR trainer makes with the case's parameters (what the test compares its model against);
 * - `<case>.cli.json`: the validation metric of the model the CLI trains itself with the same
 *   parameters (`tree_method=hist`), and ours, for the "within 2 %" check.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPrng } from '../src/domain/prng.js';
import { readTrainingData } from '../src/models/gbdt/dataset.js';
import { syntheticLibsvm, xgboostCliConf } from '../src/models/gbdt/synthetic.js';
import { evaluateModel, trainGbdt } from '../src/models/gbdt/train.js';
import { toXgboostJson } from '../src/models/gbdt/xgboost-writer.js';
import { PARITY_CASES } from '../test/models/gbdt-cases.js';

const outDir = resolve(process.argv[2] ?? 'test/fixtures/gbdt');
mkdirSync(outDir, { recursive: true });

const xgboost = (cwd: string, args: string[]): string => {
  const run = spawnSync('xgboost', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`xgboost ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return `${run.stdout}${run.stderr}`;
};

for (const testCase of PARITY_CASES) {
  const prng = createPrng(`gbdt-fixtures-${testCase.name}`);
  writeFileSync(
    join(outDir, `${testCase.name}-train.libsvm`),
    syntheticLibsvm(testCase.params.objective, 2000, prng),
  );
  writeFileSync(
    join(outDir, `${testCase.name}-valid.libsvm`),
    syntheticLibsvm(testCase.params.objective, 600, prng),
  );
  const train = readTrainingData(join(outDir, `${testCase.name}-train.libsvm`));
  const valid = readTrainingData(join(outDir, `${testCase.name}-valid.libsvm`), train.featureCount);
  const ours = trainGbdt(train, testCase.params, valid);
  const dir = mkdtempSync(join(tmpdir(), 'gbdt-fixtures-'));
  writeFileSync(join(dir, 'ours.json'), toXgboostJson(ours));
  for (const file of ['train', 'valid']) {
    writeFileSync(join(dir, `${file}.libsvm`), readFileSync(join(outDir, `${testCase.name}-${file}.libsvm`)));
  }
  writeFileSync(join(dir, 'train.conf'), xgboostCliConf(testCase.params));
  xgboost(dir, [
    'train.conf',
    'task=pred',
    'model_in=ours.json',
    'test:data=valid.libsvm?format=libsvm',
    'name_pred=ours.pred',
  ]);
  writeFileSync(join(outDir, `${testCase.name}.ours-pred.txt`), readFileSync(join(dir, 'ours.pred')));
  const log = xgboost(dir, ['train.conf']);
  const lines = log
    .trim()
    .split('\n')
    .filter((line) => line.includes('valid-'));
  const cliValid = Number(/valid-[a-z]+:([-\d.e]+)/.exec(lines[lines.length - 1] ?? '')?.[1]);
  const summary = {
    cliValidMetric: cliValid,
    oursValidMetric: evaluateModel(ours, valid),
    metric: ours.metric,
  };
  writeFileSync(join(outDir, `${testCase.name}.cli.json`), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${testCase.name}: ${JSON.stringify(summary)}\n`);
}
