// End-to-end tests of the `quantum` command line, spawned as a user runs it (`node --import tsx
// src/cli.ts …` from the repository root): exit codes, what reaches stdout and stderr, the files
// written, and the bring-your-own-model flow with the real `xgboost` CLI.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CONFIG_YAML } from '../../src/pipeline/default-config.js';
import { hasSharedData, sharedData } from '../shared-data.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(REPO, 'src', 'cli.ts');
const FIXTURES = join(REPO, 'test', 'fixtures');
const NAN_FIXTURE = 'test/fixtures/klines/AVAXUSDT-1m-nan-close.csv';
const SMALL_CONFIG = 'test/fixtures/pipeline/small-synthetic.yaml';
const AVAX = sharedData('klines/AVAXUSDT-1m-2026-02.csv');
const hasAvax = hasSharedData() && existsSync(AVAX);
const hasXgboost = spawnSync('xgboost', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs `quantum …args` from the repository root, logs silent, no colours, no debug stacks. */
const quantum = (...args: string[]): SpawnSyncReturns<string> => {
  const env: NodeJS.ProcessEnv = { ...process.env, QUANTUM_LOG_LEVEL: 'silent', FORCE_COLOR: '0' };
  delete env.QUANTUM_DEBUG;
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
};

/** A user error: exit 2, one `error QT_…:` message on stderr containing `expected`, no stack trace. */
const assertUserError = (run: SpawnSyncReturns<string>, expected: string | RegExp): void => {
  const where = `stdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.is(run.status, 2, where);
  if (typeof expected === 'string') assert.ok(run.stderr.includes(expected), where);
  else assert.match(run.stderr, expected, where);
  assert.not.ok(run.stderr.includes('    at '), `a stack trace reached the user:\n${run.stderr}`);
};

let tmpCount = 0;
const tmpRoot = (() => {
  const root = join(
    process.env.TMPDIR ?? '/tmp',
    `quantum-cli-${process.pid}-${process.hrtime.bigint().toString(36)}`,
  );
  mkdirSync(root, { recursive: true });
  return root;
})();
/** A fresh folder under this run's temporary root. */
const tmp = (name: string): string => {
  const dir = join(tmpRoot, `${++tmpCount}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** The first `rows` candles of real AVAXUSDT 1m into `dir` under a name the readers understand. */
const avaxSlice = (dir: string, rows: number): string => {
  const lines = readFileSync(AVAX, 'utf8').split('\n');
  const path = join(dir, 'AVAXUSDT-1m-2026-02.csv');
  writeFileSync(path, `${lines.slice(0, rows + 1).join('\n')}\n`);
  return path;
};

// ——— config errors ———

test('backtest with an invalid config file: exit 2, every bad path named, no stack trace', () => {
  const run = quantum('backtest', '--config', 'test/fixtures/pipeline/bad-risk.yaml', '--no-progress');
  assertUserError(
    run,
    'error QT_CONFIG_INVALID: test/fixtures/pipeline/bad-risk.yaml: invalid pipeline config',
  );
  assert.ok(run.stderr.includes('risk.maxLeverage: expected a number'), run.stderr);
  assert.ok(run.stderr.includes('got "ten"'), run.stderr);
  assert.ok(run.stderr.includes('risk.foo: unknown key'), run.stderr);
  assert.is(run.stdout, '');
});

test('a YAML syntax error names file:line:col', () => {
  assertUserError(
    quantum('config', 'check', 'test/fixtures/pipeline/bad-yaml.yaml'),
    /bad-yaml\.yaml:3:\d+: /,
  );
});

test('a missing config file: exit 2 naming the path and ENOENT', () => {
  assertUserError(
    quantum('backtest', '--config', 'test/fixtures/pipeline/no-such.yaml'),
    'test/fixtures/pipeline/no-such.yaml: cannot read the config file (ENOENT)',
  );
});

test('config check: ok line for a good file (exit 0), exit 2 for a bad one; config print is the default', () => {
  const ok = quantum('config', 'check', SMALL_CONFIG);
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stdout, `${SMALL_CONFIG}: ok — pipeline "small-synthetic", 2 models, 18 features\n`);
  const fallback = quantum('config', 'check');
  assert.is(fallback.status, 0, fallback.stderr);
  assert.ok(fallback.stdout.startsWith('(default config): ok'), fallback.stdout);
  assertUserError(quantum('config', 'check', 'test/fixtures/pipeline/bad-risk.yaml'), 'risk.maxLeverage');
  const printed = quantum('config', 'print');
  assert.is(printed.status, 0);
  assert.is(printed.stdout, DEFAULT_CONFIG_YAML);
});

// ——— data errors ———

test('backtest --data <NaN fixture> under a config with data.policy fail: exit 2 with file:line', () => {
  const run = quantum(
    'backtest',
    '--config',
    'test/fixtures/pipeline/strict-files.yaml',
    '--data',
    NAN_FIXTURE,
    '--out',
    tmp('strict'),
  );
  assertUserError(run, `error QT_DATA_INVALID: ${NAN_FIXTURE}:4: close is "NaN", expected a positive number`);
});

test('a relative data.path resolves against the config file: the strict config fails in its own fixture', () => {
  const run = quantum(
    'backtest',
    '--config',
    'test/fixtures/pipeline/strict-files.yaml',
    '--out',
    tmp('rel'),
  );
  assertUserError(run, `${join(FIXTURES, 'klines', 'AVAXUSDT-1m-gap.csv')}:4: gap: 3 missing 1m candle(s)`);
});

test('features --data <NaN fixture>: exit 2 with file:line (policy fail is the default)', () => {
  const run = quantum('features', '--data', NAN_FIXTURE, '--out', join(tmp('nan'), 'f.csv'), '--no-progress');
  assertUserError(run, `${NAN_FIXTURE}:4: close is "NaN"`);
});

// ——— usage errors ———

test('features --features rsx_14: exit 2 naming the flag entry and the name, before reading any data', () => {
  // The data file has a gap, which would also fail: the feature list must be checked first.
  const run = quantum(
    'features',
    '--data',
    'test/fixtures/klines/AVAXUSDT-1m-gap.csv',
    '--features',
    'ema_12,rsx_14',
    '--out',
    join(tmp('rsx'), 'f.csv'),
  );
  assertUserError(run, '--features[1]: unknown feature "rsx_14"; known: ema_N');
});

test('features --features ema_0: exit 2 (a period below the minimum)', () => {
  const run = quantum(
    'features',
    '--data',
    NAN_FIXTURE,
    '--features',
    'ema_0',
    '--out',
    join(tmp('ema0'), 'f.csv'),
  );
  assertUserError(run, '--features[0]: "ema_0": period must be an integer ≥ 2, got "0"');
});

test('backtest: bad --from, --to, --seed and --from after --to all exit 2; unknown options exit 2', () => {
  assertUserError(quantum('backtest', '--from', 'yesterday'), '--from: expected a date like 2026-02-01');
  assertUserError(quantum('backtest', '--to', '2026-13-45'), '--to: expected a date');
  assertUserError(
    quantum('backtest', '--from', '2026-02-10', '--to', '2026-02-01'),
    '--from must be before --to',
  );
  assertUserError(quantum('backtest', '--seed', 'abc'), '--seed: expected an integer, got "abc"');
  const unknown = quantum('backtest', '--frobnicate');
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
});

// ——— happy paths ———

test('backtest --seed 7 --out dir: the four report files and dead-letters.jsonl, and the summary table', () => {
  const out = tmp('backtest');
  const run = quantum('backtest', '--config', SMALL_CONFIG, '--seed', '7', '--out', out, '--no-progress');
  assert.is(run.status, 0, run.stderr);
  assert.equal(readdirSync(out).sort(), [
    'dead-letters.jsonl',
    'equity.csv',
    'report.html',
    'report.json',
    'trades.csv',
  ]);
  assert.ok(
    run.stdout.includes('small-synthetic: BTCUSDT, ETHUSDT, SOLUSDT · synthetic:seed=7 · seed 7'),
    run.stdout,
  );
  for (const row of ['Total return', 'Sharpe', 'Max drawdown', 'Win rate', 'Trades', 'Fees', 'Final equity'])
    assert.match(run.stdout, new RegExp(`\\| ${row} +\\|`));
  assert.ok(run.stdout.includes(`report: ${join(out, 'report.html')}`), run.stdout);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.is(report.run.seed, 7);
  assert.is(report.extra.klines, 3 * 2000);
  // The table's trade count is the report's, and trades.csv has one row per trade.
  const trades = report.metrics.trades as number;
  assert.ok(trades > 0);
  assert.match(run.stdout, new RegExp(`\\| Trades +\\| +${trades} \\(`));
  assert.is(readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n').length, trades + 1);
  assert.is(readFileSync(join(out, 'dead-letters.jsonl'), 'utf8'), '');
  // report.json carries the wall-clock time it was made; trades.csv never does (tested in determinism).
  assert.match(report.generatedAt, /^\d{4}-\d{2}-\d{2}T/);
});

test('backtest --from/--to cut the synthetic market to [from, to) by candle close', () => {
  const out = tmp('window');
  const run = quantum(
    'backtest',
    '--config',
    SMALL_CONFIG,
    '--from',
    '2026-01-01T10:00Z',
    '--to',
    '2026-01-01T20:00Z',
    '--out',
    out,
    '--no-progress',
  );
  assert.is(run.status, 0, run.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  // 10 hours of 1m candles, 3 symbols: closes 10:00 … 19:59 are in, 20:00 is not.
  assert.is(report.extra.klines, 3 * 600);
  assert.is(report.run.toIso, '2026-01-01T19:59:00.000Z');
});

if (hasAvax) {
  test('features on a real slice: CSV with warm-up blanks, TA-Lib-seeded EMA, forward labels; libsvm without', () => {
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
    const csvRun = quantum('features', ...args, '--out', join(dir, 'f.csv'));
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

    const svmRun = quantum('features', ...args, '--out', join(dir, 'f.libsvm'));
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
  test('bring your own model, all through the CLI: features → xgboost → import → predict → backtest', () => {
    const dir = tmp('byom');
    const data = avaxSlice(dir, 6000);
    const xgboost = (...args: string[]): void => {
      const run = spawnSync('xgboost', args, { cwd: dir, encoding: 'utf8' });
      assert.is(run.status, 0, `xgboost ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    };
    // 1. training rows (libsvm, labels 5 candles ahead) and the CSV export whose header names the features
    const svm = quantum(
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
    const csv = quantum('features', '--data', data, '--out', join(dir, 'train.csv'), '--no-progress');
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
    const imported = quantum(
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
    const listed = quantum('models', 'list', '--root', root, '--json');
    assert.is(JSON.parse(listed.stdout)[0].features[17], 'volz_20');
    // 4. our predictions of the same rows. Margins: text-identical to the CLI's.
    const margins = quantum(
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
    const predicted = quantum(
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
    const backtest = quantum('backtest', '--config', join(dir, 'byom.yaml'), '--out', out);
    assert.is(backtest.status, 0, backtest.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const votes = report.extra.modelVotes.byom;
    assert.ok(votes, JSON.stringify(report.extra));
    // The pipeline's BUY/SELL signals are exactly the warm rows where `models predict` says
    // P(up) ≥ 0.55 / ≤ 0.45 (the config's default thresholds): same features, same forest.
    const rowPredictions = quantum(
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
