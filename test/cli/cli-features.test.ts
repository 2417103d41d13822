// End-to-end tests of the `quantum` command line (see cli-harness.ts) on real candles: `features`
// on a slice of AVAXUSDT 1m, and the bring-your-own-model flow with the real `xgboost` CLI.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { needXgboost } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { quantum, tmp } from './cli-harness.js';

const AVAX = sharedData('klines/AVAXUSDT-1m-2026-02.csv');
const hasAvax = needSharedData(AVAX);
const hasXgboost = needXgboost();

/** The first `rows` candles of real AVAXUSDT 1m into `dir` under a name the readers understand. */
const avaxSlice = (dir: string, rows: number): string => {
  const lines = readFileSync(AVAX, 'utf8').split('\n');
  const path = join(dir, 'AVAXUSDT-1m-2026-02.csv');
  writeFileSync(path, `${lines.slice(0, rows + 1).join('\n')}\n`);
  return path;
};

if (hasAvax) {
  test('features on a real slice: CSV with warm-up blanks, TA-Lib-seeded EMA, forward labels; libsvm without', async () => {
    const dir = tmp('features');
    const data = avaxSlice(dir, 300);
    const closes = readFileSync(data, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[4]));
    const args = [
      '--data',
      data,
      '--features',
      'ema_12,rsi_14,atr_14',
      '--label-horizon',
      '3',
      '--no-progress',
    ];
    const csvRun = await quantum('features', ...args, '--out', join(dir, 'f.csv'));
    assert.is(csvRun.status, 0, csvRun.stderr);
    assert.is(csvRun.stdout, `300 rows × 3 features → ${join(dir, 'f.csv')}\n`);
    const rows = readFileSync(join(dir, 'f.csv'), 'utf8').trim().split('\n');
    assert.is(rows[0], 'ts,symbol,ema_12,rsi_14,atr_14,label');
    assert.is(rows.length, 301);
    const cells = rows.slice(1).map((row) => row.split(','));
    // EMA 12 is first defined on the 12th candle, as the mean of the first 12 closes (TA-Lib's seed).
    assert.is(cells[10][2], '');
    const seed = closes.slice(0, 12).reduce((sum, close) => sum + close, 0) / 12;
    assert.ok(Math.abs(Number(cells[11][2]) - seed) < 1e-9, `${cells[11][2]} vs ${seed}`);
    // …then ema = prev + 2/13 (close − prev).
    const next = seed + (2 / 13) * (closes[12] - seed);
    assert.ok(Math.abs(Number(cells[12][2]) - next) < 1e-9);
    // RSI 14 and ATR 14 need 15 candles (a previous close for the first change / true range).
    assert.is(cells[13][3], '');
    assert.ok(Number(cells[14][3]) > 0 && Number(cells[14][3]) < 100);
    assert.ok(Number(cells[14][4]) > 0);
    // label: close 3 candles ahead above this close; the last 3 rows have no future close.
    for (let i = 0; i < 297; i++) assert.is(cells[i][5], closes[i + 3] > closes[i] ? '1' : '0', `row ${i}`);
    assert.equal(
      cells.slice(297).map((c) => c[5]),
      ['', '', ''],
    );

    const svmRun = await quantum('features', ...args, '--out', join(dir, 'f.libsvm'));
    assert.is(svmRun.status, 0, svmRun.stderr);
    const lines = readFileSync(join(dir, 'f.libsvm'), 'utf8').trim().split('\n');
    assert.is(lines.length, 297);
    assert.is(lines[0], cells[0][5]);
    assert.match(lines[11], new RegExp(`^${cells[11][5]} 0:[0-9.]+$`));
    assert.match(lines[20], /^[01] 0:[0-9.]+ 1:[0-9.]+ 2:[0-9.]+$/);
    assert.ok(Math.abs(Number(lines[20].split(' ')[1].slice(2)) - Number(cells[20][2])) < 1e-5);
  });
}

if (hasAvax && hasXgboost) {
  test('bring your own model, all through the CLI: features → xgboost → import → predict → backtest', async () => {
    const dir = tmp('byom');
    const data = avaxSlice(dir, 6000);
    const xgboost = (...args: string[]): void => {
      const run = spawnSync('xgboost', args, { cwd: dir, encoding: 'utf8' });
      assert.is(run.status, 0, `xgboost ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    };
    // 1. training rows (libsvm, labels 5 candles ahead) and the CSV export whose header names the features
    const svm = await quantum(
      'features',
      '--data',
      data,
      '--label-horizon',
      '5',
      '--out',
      join(dir, 'train.libsvm'),
    );
    assert.is(svm.status, 0, svm.stderr);
    assert.is(svm.stdout, `5995 rows × 18 features → ${join(dir, 'train.libsvm')}\n`);
    const csv = await quantum('features', '--data', data, '--out', join(dir, 'train.csv'), '--no-progress');
    assert.is(csv.status, 0, csv.stderr);
    // 2. the real XGBoost CLI trains and predicts
    writeFileSync(
      join(dir, 'train.conf'),
      [
        'booster = gbtree',
        'objective = binary:logistic',
        'eta = 0.3',
        'max_depth = 4',
        'num_round = 30',
        'tree_method = hist',
        'nthread = 1',
        'seed = 1',
        'data = "train.libsvm?format=libsvm"',
        'model_out = "m.json"',
      ].join('\n'),
    );
    xgboost('train.conf');
    const test = 'test:data=train.libsvm?format=libsvm';
    xgboost('train.conf', 'task=pred', 'model_in=m.json', test, 'name_pred=pred.txt');
    xgboost('train.conf', 'task=pred', 'model_in=m.json', test, 'name_pred=margin.txt', 'pred_margin=1');
    // 3. import with the feature names from the export's header
    const root = join(dir, 'models');
    const imported = await quantum(
      'models',
      'import',
      join(dir, 'm.json'),
      '--name',
      'byom',
      '--features-from',
      join(dir, 'train.csv'),
      '--root',
      root,
    );
    assert.is(imported.status, 0, imported.stderr);
    assert.ok(imported.stdout.startsWith('imported byom@1 (binary:logistic, 18 features)'), imported.stdout);
    const listed = await quantum('models', 'list', '--root', root, '--json');
    assert.is(JSON.parse(listed.stdout)[0].features[17], 'volz_20');
    // 4. our predictions of the same rows. Margins: text-identical to the CLI's.
    const margins = await quantum(
      'models',
      'predict',
      '--model',
      'byom',
      '--root',
      root,
      '--data',
      join(dir, 'train.libsvm'),
      '--margin',
    );
    assert.is(margins.status, 0, margins.stderr);
    assert.is(margins.stdout, readFileSync(join(dir, 'margin.txt'), 'utf8'));
    // Probabilities: equal within 1e-6; a few rows may print one float32 step apart, because the CLI's
    // sigmoid uses glibc expf, which is not correctly rounded everywhere (see the report).
    const predicted = await quantum(
      'models',
      'predict',
      '--model',
      'byom',
      '--root',
      root,
      '--data',
      join(dir, 'train.libsvm'),
    );
    assert.is(predicted.status, 0, predicted.stderr);
    const ours = predicted.stdout.trim().split('\n');
    const cli = readFileSync(join(dir, 'pred.txt'), 'utf8').trim().split('\n');
    assert.is(ours.length, 5995);
    assert.is(cli.length, ours.length);
    let textDiffs = 0;
    for (let i = 0; i < cli.length; i++) {
      if (ours[i] !== cli[i]) textDiffs++;
      assert.ok(Math.abs(Number(ours[i]) - Number(cli[i])) <= 1e-6, `row ${i}: ${ours[i]} vs ${cli[i]}`);
    }
    assert.ok(textDiffs <= cli.length / 1000, `${textDiffs} rows print differently`);
    // 5. the model in a pipeline: a backtest over the same candles, its votes in report.json
    writeFileSync(
      join(dir, 'byom.yaml'),
      [
        'name: byom',
        'data:',
        '  source: files',
        '  path: AVAXUSDT-1m-2026-02.csv',
        '  policy: fail',
        'models:',
        '  - type: xgboost',
        '    model: byom',
        '    root: models',
        'output:',
        '  progress: false',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const backtest = await quantum('backtest', '--config', join(dir, 'byom.yaml'), '--out', out);
    assert.is(backtest.status, 0, backtest.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const votes = report.extra.modelVotes.byom;
    assert.ok(votes, JSON.stringify(report.extra));
    // The pipeline's BUY/SELL signals are exactly the warm rows where `models predict` says
    // P(up) ≥ 0.55 / ≤ 0.45 (the config's default thresholds): same features, same forest.
    const rowPredictions = await quantum(
      'models',
      'predict',
      '--model',
      'byom',
      '--root',
      root,
      '--data',
      join(dir, 'train.csv'),
    );
    const probabilities = rowPredictions.stdout.trim().split('\n').map(Number);
    const warm = readFileSync(join(dir, 'train.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => !row.split(',').slice(2).includes(''));
    let buys = 0;
    let sells = 0;
    probabilities.forEach((p, i) => {
      if (!warm[i]) return;
      if (p >= 0.55) buys++;
      else if (p <= 0.45) sells++;
    });
    assert.ok(buys > 100 && sells > 100, `${buys} / ${sells}`);
    assert.equal(votes, { BUY: buys, SELL: sells, HOLD: 0, abstain: 0 });
    assert.is(report.extra.counts['signals.BUY'], buys);
    assert.ok(report.metrics.trades > 0);
  });
}

test.run();
