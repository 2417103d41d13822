// Our GBDT trainer against the real XGBoost: the JSON it saves loads in XGBoost and XGBoost's
// predictions equal ours within 1e-6, and its validation metric is within 2 % of a model the
// XGBoost CLI trains itself on the same data and parameters. Always against the fixtures the CLI
// made (scripts/make-gbdt-fixtures.ts); live against the CLI too when it is installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type GbdtModel,
  predictMargins,
  readTrainingData,
  type TrainingData,
  toXgboostJson,
  trainGbdt,
} from '../../src/models/gbdt/index.js';
import { xgboostCliConf } from '../../src/models/gbdt/synthetic.js';
import { readXgboostJson } from '../../src/models/xgboost-json.js';
import { compileXgboost } from '../../src/models/xgboost-predictor.js';
import { missingXgboost } from '../requirements.js';
import { PARITY_CASES, type ParityCase } from './gbdt-cases.js';

const fixtures = 'test/fixtures/gbdt';
const haveCli = missingXgboost() === undefined;

const numbers = (text: string): number[] => text.trim().split('\n').map(Number);

const trained = new Map<string, { model: GbdtModel; json: string; valid: TrainingData }>();

/** Trains ours on a case's fixture data (once per case); returns the model, its JSON and the validation set. */
const trainCase = (testCase: ParityCase): { model: GbdtModel; json: string; valid: TrainingData } => {
  const cached = trained.get(testCase.name);
  if (cached !== undefined) return cached;
  const train = readTrainingData(join(fixtures, `${testCase.name}-train.libsvm`));
  const valid = readTrainingData(join(fixtures, `${testCase.name}-valid.libsvm`), train.featureCount);
  const model = trainGbdt(train, testCase.params, valid);
  const result = { model, json: toXgboostJson(model), valid };
  trained.set(testCase.name, result);
  return result;
};

/** Our predictions (what `xgboost task=pred` prints: probabilities, or the value) row by row. */
const ourPredictions = (json: string, valid: TrainingData): number[] => {
  const dir = mkdtempSync(join(tmpdir(), 'gbdt-parity-'));
  writeFileSync(join(dir, 'model.json'), json);
  const predictor = compileXgboost(readXgboostJson(join(dir, 'model.json')));
  const out: number[] = [];
  for (let r = 0; r < valid.rowCount; r++) {
    const row = valid.values.subarray(r * valid.featureCount, (r + 1) * valid.featureCount);
    out.push(...predictor.predict(row));
  }
  return out;
};

const maxAbsDiff = (a: number[], b: number[]): number => {
  assert.is(a.length, b.length);
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i])), 0);
};

const xgboost = (cwd: string, args: string[]): string => {
  const run = spawnSync('xgboost', args, { cwd, encoding: 'utf8' });
  assert.is(run.status, 0, `xgboost ${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return `${run.stdout}${run.stderr}`;
};

for (const testCase of PARITY_CASES) {
  const { params } = testCase;
  test(`${params.objective}: XGBoost's predictions from our saved model (fixture) equal ours within 1e-6`, () => {
    const { json, valid } = trainCase(testCase);
    const theirs = numbers(readFileSync(join(fixtures, `${testCase.name}.ours-pred.txt`), 'utf8'));
    const diff = maxAbsDiff(ourPredictions(json, valid), theirs);
    if (process.env.GBDT_VERBOSE) process.stdout.write(`${testCase.name}: max abs diff ${diff}\n`);
    assert.ok(diff <= 1e-6, `max abs diff ${diff}`);
  });

  test(`${params.objective}: the in-memory model predicts what the saved JSON predicts`, () => {
    const { model, json, valid } = trainCase(testCase);
    const margins = predictMargins(model, valid);
    const dir = mkdtempSync(join(tmpdir(), 'gbdt-parity-'));
    writeFileSync(join(dir, 'model.json'), json);
    const predictor = compileXgboost(readXgboostJson(join(dir, 'model.json')));
    for (let r = 0; r < valid.rowCount; r++) {
      const row = valid.values.subarray(r * valid.featureCount, (r + 1) * valid.featureCount);
      const loaded = predictor.predictMargin(row);
      for (let g = 0; g < model.groupCount; g++) assert.is(loaded[g], margins[r * model.groupCount + g]);
    }
  });

  test(`${params.objective}: validation ${testCase.name === 'reg' ? 'rmse' : 'log loss'} within 2 % of the XGBoost CLI's own model (fixture)`, () => {
    const { model } = trainCase(testCase);
    const summary = JSON.parse(readFileSync(join(fixtures, `${testCase.name}.cli.json`), 'utf8')) as {
      cliValidMetric: number;
      oursValidMetric: number;
    };
    const ours = model.validHistory[model.validHistory.length - 1];
    // The fixture was made from this very trainer: a change to it must regenerate the fixtures.
    assert.ok(
      Math.abs(ours - summary.oursValidMetric) < 1e-9,
      `ours ${ours} vs fixture ${summary.oursValidMetric}: run scripts/make-gbdt-fixtures.ts`,
    );
    assert.ok(
      Math.abs(ours / summary.cliValidMetric - 1) <= 0.02,
      `ours ${ours} vs CLI ${summary.cliValidMetric}`,
    );
  });

  if (haveCli) {
    test(`${params.objective}: live — the xgboost CLI loads our model, predicts the same, and its own model's metric is within 2 % of ours`, () => {
      const { json, valid, model } = trainCase(testCase);
      const dir = mkdtempSync(join(tmpdir(), 'gbdt-cli-'));
      writeFileSync(join(dir, 'ours.json'), json);
      for (const file of ['train', 'valid']) {
        writeFileSync(
          join(dir, `${file}.libsvm`),
          readFileSync(join(fixtures, `${testCase.name}-${file}.libsvm`)),
        );
      }
      writeFileSync(join(dir, 'train.conf'), xgboostCliConf(params));
      xgboost(dir, [
        'train.conf',
        'task=pred',
        'model_in=ours.json',
        'test:data=valid.libsvm?format=libsvm',
        'name_pred=ours.pred',
      ]);
      const diff = maxAbsDiff(
        ourPredictions(json, valid),
        numbers(readFileSync(join(dir, 'ours.pred'), 'utf8')),
      );
      assert.ok(diff <= 1e-6, `max abs diff ${diff}`);
      const log = xgboost(dir, ['train.conf']);
      const last =
        log
          .trim()
          .split('\n')
          .filter((line) => line.includes('valid-'))
          .pop() ?? '';
      const cli = Number(/valid-[a-z]+:([-\d.e]+)/.exec(last)?.[1]);
      const ours = model.validHistory[model.validHistory.length - 1];
      assert.ok(Number.isFinite(cli), last);
      assert.ok(Math.abs(ours / cli - 1) <= 0.02, `ours ${ours} vs CLI ${cli}`);
    });
  }
}

test.run();
