// Question: how long does our GBDT trainer (TypeScript, histogram boosting, src/models/gbdt/)
// take to train a model, compared with the real XGBoost CLI (`tree_method=hist`) on the same data
// and parameters in the same run — and is the model as good (validation metric of both)?
// Target: ≤ 5× the CLI's time, validation log loss within 2 %.
// Data: seeded synthetic binary set (`syntheticLibsvm`, 16 features, ~10 % missing), 20,000
// training and 5,000 validation rows, written as libsvm to a temp dir; both sides read the files.
// Params: binary:logistic, 100 rounds, depth 6, eta 0.1. The CLI runs single-threaded, like ours
// (with more threads it is faster on an idle machine, but noisy on a shared one). Without `xgboost` on
// PATH the CLI half is skipped with a note. Prints a JSON line and a table; writes
// bench/results/gbdt-train.json. Usage: `node --import tsx bench/gbdt-train.ts [trainRows=20000]`
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrng } from '../src/domain/prng.js';
import { evaluateModel, readTrainingData, toXgboostJson, trainGbdt } from '../src/models/gbdt/index.js';
import { syntheticLibsvm, xgboostCliConf } from '../src/models/gbdt/synthetic.js';
import type { GbdtParams } from '../src/models/gbdt/train.js';

const trainRows = Number(process.argv[2] ?? 20_000);
const validRows = Math.round(trainRows / 4);
const params: GbdtParams = { objective: 'binary:logistic', rounds: 100, eta: 0.1, maxDepth: 6, seed: 1 };
const dir = mkdtempSync(join(tmpdir(), 'gbdt-bench-'));
const prng = createPrng('gbdt-bench');
writeFileSync(join(dir, 'train.libsvm'), syntheticLibsvm(params.objective, trainRows, prng, 16));
writeFileSync(join(dir, 'valid.libsvm'), syntheticLibsvm(params.objective, validRows, prng, 16));

/** Ours: read both files, train, write the JSON — what `quantum models train` does. */
const trainOurs = (): { seconds: number; validLogloss: number } => {
  const started = performance.now();
  const train = readTrainingData(join(dir, 'train.libsvm'));
  const valid = readTrainingData(join(dir, 'valid.libsvm'), train.featureCount);
  const model = trainGbdt(train, params, valid);
  writeFileSync(join(dir, 'ours.json'), toXgboostJson(model));
  const seconds = (performance.now() - started) / 1000;
  return { seconds, validLogloss: evaluateModel(model, valid) };
};

/** The CLI: the same files and parameters; its last `valid-logloss` line. */
const trainCli = (threads: number): { seconds: number; validLogloss: number } | undefined => {
  writeFileSync(join(dir, `cli-${threads}.conf`), xgboostCliConf(params, `cli-${threads}.json`, threads));
  const started = performance.now();
  const run = spawnSync('xgboost', [`cli-${threads}.conf`], { cwd: dir, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.error !== undefined || run.status !== 0) return undefined;
  const last =
    `${run.stdout}${run.stderr}`
      .trim()
      .split('\n')
      .filter((line) => line.includes('valid-'))
      .pop() ?? '';
  return { seconds, validLogloss: Number(/valid-logloss:([-\d.e]+)/.exec(last)?.[1]) };
};

// One warm-up run of ours (JIT), then the best of three for each side.
trainOurs();
const best = <T extends { seconds: number }>(runs: T[]): T =>
  runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const ours = best([trainOurs(), trainOurs(), trainOurs()]);
const cliRuns = [trainCli(1), trainCli(1), trainCli(1)];
const cli = cliRuns.every((run) => run !== undefined)
  ? best(cliRuns as { seconds: number; validLogloss: number }[])
  : undefined;

const ratio = cli === undefined ? Number.NaN : ours.seconds / cli.seconds;
const loglossRatio = cli === undefined ? Number.NaN : ours.validLogloss / cli.validLogloss;
const result = {
  bench: 'gbdt-train',
  trainRows,
  validRows,
  features: 16,
  params,
  ours,
  cli: cli ?? null,
  ratioOursOverCli: ratio,
  validLoglossRatio: loglossRatio,
  targetRatio: 5,
  meetsTarget: cli === undefined ? null : ratio <= 5 && Math.abs(loglossRatio - 1) <= 0.02,
  note:
    cli === undefined ? 'xgboost CLI not on PATH (apt-get install -y xgboost): CLI half skipped' : undefined,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
const row = (name: string, run: { seconds: number; validLogloss: number } | undefined): string =>
  run === undefined
    ? `${name.padEnd(28)} skipped`
    : `${name.padEnd(28)} ${run.seconds.toFixed(3)} s   valid logloss ${run.validLogloss.toFixed(5)}`;
process.stdout.write(
  `${[
    `GBDT training, ${trainRows} rows × 16 features, ${params.rounds} rounds depth ${params.maxDepth}`,
    row('ours (TypeScript)', ours),
    row('xgboost CLI hist, 1 thread', cli),
    cli === undefined
      ? result.note
      : `ours / CLI: ${ratio.toFixed(2)}× time (target ≤ 5×), log loss ratio ${loglossRatio.toFixed(4)} (target within 2 %)`,
  ].join('\n')}\n`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/gbdt-train.json', `${JSON.stringify(result, null, 2)}\n`);
