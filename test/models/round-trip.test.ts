// Bring-your-own-model round trip: our feature export → the real XGBoost CLI trains and predicts
// → `quantum models import` → our engine model on the vectors of the SAME `featureVectors`
// operator the pipeline runs must give the CLI's predictions, row by row.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FeatureVector } from '../../src/domain/feature-vector.js';
import { DEFAULT_FEATURES } from '../../src/features/feature-names.js';
import { parseLibsvmRows } from '../../src/models/feature-rows.js';
import { importModel, loadModel } from '../../src/models/registry.js';
import { xgboostModelOf } from '../../src/models/xgboost-model.js';
import { formatXgboostFloat } from '../../src/models/xgboost-text-float.js';
import { featureVectors } from '../../src/operators/feature-vector.js';
import { writeFeatureRows } from '../../src/pipeline/feature-export.js';
import { readKlineCsv } from '../../src/streams/kline-csv.js';
import { missingXgboost, requires } from '../requirements.js';
import { missingSharedData, sharedData } from '../shared-data.js';

const dataFile = sharedData('klines/AVAXUSDT-1m-2026-02.csv');
const candleCount = 5000;
const horizon = 5;

const xgboost = (cwd: string, args: string[]): void => {
  const run = spawnSync('xgboost', args, { cwd, encoding: 'utf8' });
  assert.is(run.status, 0, `xgboost ${args.join(' ')}: ${run.stdout}${run.stderr}`);
};

/** Trains with the CLI on `<dir>/<data>`, predicts the same rows, imports the model; returns both sides. */
const trainPredictImport = (dir: string, data: string, features: string[]) => {
  writeFileSync(
    join(dir, `${data}.conf`),
    [
      'booster = gbtree',
      'objective = binary:logistic',
      'eta = 0.3',
      'max_depth = 4',
      'num_round = 30',
      'tree_method = hist',
      'nthread = 1',
      'seed = 1',
      `data = "${data}?format=libsvm"`,
      `model_out = "${data}.json"`,
    ].join('\n'),
  );
  xgboost(dir, [`${data}.conf`]);
  xgboost(dir, [
    `${data}.conf`,
    'task=pred',
    `model_in=${data}.json`,
    `test:data=${data}?format=libsvm`,
    `name_pred=${data}.pred`,
  ]);
  const cliPredictions = readFileSync(join(dir, `${data}.pred`), 'utf8')
    .trim()
    .split('\n')
    .map(Number);
  const root = join(dir, 'models');
  const manifest = importModel({
    file: join(dir, `${data}.json`),
    name: data.replace(/\./g, '-'),
    features,
    root,
    createdTs: 0,
  });
  // allowMissing: the CLI predicts warm-up rows too (absent = missing), so ours must as well.
  const model = xgboostModelOf(loadModel(`${manifest.name}@${manifest.version}`, root), {
    allowMissing: true,
  });
  return { cliPredictions, model };
};

/** Rows where our engine model's P(up) on the operator's vectors is further than 1e-6 from the CLI. */
const rowsBeyond = (
  vectors: readonly FeatureVector[],
  cliPredictions: number[],
  model: ReturnType<typeof xgboostModelOf>,
) => {
  const vote = model.create();
  const beyond: number[] = [];
  let maxAbsDiff = 0;
  for (let i = 0; i < cliPredictions.length; i++) {
    const diff = Math.abs((vote(vectors[i]).probabilities?.BUY ?? Number.NaN) - cliPredictions[i]);
    maxAbsDiff = Math.max(maxAbsDiff, diff);
    if (!(diff <= 1e-6)) beyond.push(i);
  }
  return { beyond, maxAbsDiff };
};

if (requires(missingXgboost(), missingSharedData(dataFile))) {
  const features = [...DEFAULT_FEATURES];
  const klines = readKlineCsv(dataFile).klines.slice(0, candleCount);
  const dir = mkdtempSync(join(tmpdir(), 'byom-'));
  let vectors: FeatureVector[] = [];
  let rows = 0;

  test.before(async () => {
    ({ rows } = await writeFeatureRows(klines, {
      features,
      out: join(dir, 'train.libsvm'),
      label: { horizon, thresholdPct: 0.05 },
    }));
    vectors = await lastValueFrom(from(klines).pipe(featureVectors({ features }), toArray()));
  });

  test('export → CLI train/predict → import → our model on the operator vectors: every row equal to 1e-6', () => {
    // libsvm leaves out the last `horizon` candles (no future close for their label).
    assert.is(rows, candleCount - horizon);
    const { cliPredictions, model } = trainPredictImport(dir, 'train.libsvm', features);
    assert.is(cliPredictions.length, rows);
    // The CLI parses text with dmlc's ParseFloat (not correctly rounded, see xgboost-text-float.ts).
    // Fed the CLI's own parse of the file, our forest equals the CLI on EVERY row…
    const textLines = readFileSync(join(dir, 'train.libsvm'), 'utf8').trim().split('\n');
    const cliRows = parseLibsvmRows(textLines.join('\n'), 'train.libsvm', features.length).rows;
    let maxFromCliParse = 0;
    for (let i = 0; i < rows; i++) {
      maxFromCliParse = Math.max(
        maxFromCliParse,
        Math.abs(model.predictRaw(cliRows[i])[0] - cliPredictions[i]),
      );
    }
    assert.ok(maxFromCliParse <= 1e-6, `from the CLI's parse: ${maxFromCliParse}`);
    // …and fed the operator's doubles, a row can differ only if the CLI read one of its values as
    // another float32 than Math.fround(value) — a value sitting on a split threshold.
    const { beyond, maxAbsDiff } = rowsBeyond(vectors, cliPredictions, model);
    for (const i of beyond) {
      const misread = cliRows[i].some(
        (cliValue, f) => !Object.is(cliValue, Math.fround(vectors[i].values[f])),
      );
      assert.ok(misread, `row ${i} differs without a misread value`);
    }
    // The export writes values with formatXgboostFloat, so the CLI reads our float32s exactly.
    assert.is(beyond.length, 0, `${beyond.length} rows differ by more than 1e-6`);
    process.stdout.write(
      `round-trip (formatXgboostFloat export): ${rows} rows, ${beyond.length} beyond 1e-6 (max ${maxAbsDiff.toExponential(2)}), ` +
        `all explained by the CLI's text parse; max ${maxFromCliParse.toExponential(2)} on the CLI's own parse\n`,
    );
  });

  test('with values written by formatXgboostFloat the CLI reads our float32s exactly: every row within 1e-6', () => {
    const lines = readFileSync(join(dir, 'train.libsvm'), 'utf8').trim().split('\n');
    const exact = lines.map((line, i) => {
      const label = line.slice(0, line.indexOf(' ') < 0 ? line.length : line.indexOf(' '));
      const cells = [label];
      vectors[i].values.forEach((value, f) => {
        if (!Number.isNaN(value)) cells.push(`${f}:${formatXgboostFloat(value)}`);
      });
      return cells.join(' ');
    });
    writeFileSync(join(dir, 'exact.libsvm'), `${exact.join('\n')}\n`);
    const { cliPredictions, model } = trainPredictImport(dir, 'exact.libsvm', features);
    const { beyond, maxAbsDiff } = rowsBeyond(vectors, cliPredictions, model);
    process.stdout.write(
      `round-trip (float32-exact export): ${rows} rows, max |ours − CLI| = ${maxAbsDiff.toExponential(2)}\n`,
    );
    assert.equal(beyond, []);
    assert.ok(maxAbsDiff <= 1e-6);
  });
}

test.run();
