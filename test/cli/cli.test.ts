// End-to-end tests of the `quantum` command line, spawned as a user runs it (`node --import tsx
// src/cli.ts …` from the repository root): exit codes, what reaches stdout and stderr, the files
// written, and the bring-your-own-model flow with the real `xgboost` CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CONFIG_YAML } from '../../src/pipeline/default-config.js';
import { runQuantum } from '../cli-runner.js';
import { needXgboost } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FIXTURES = join(REPO, 'test', 'fixtures');
const NAN_FIXTURE = 'test/fixtures/klines/AVAXUSDT-1m-nan-close.csv';
const SMALL_CONFIG = 'test/fixtures/pipeline/small-synthetic.yaml';
const AVAX = sharedData('klines/AVAXUSDT-1m-2026-02.csv');
const hasAvax = needSharedData(AVAX);
const hasXgboost = needXgboost();

/** What a finished `quantum` process left: its exit code and its output. */
interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Each spawn costs ~0.5 s of Node + tsx start-up, mostly waiting on one core: run a few at once.
const MAX_RUNNING = availableParallelism() + 1;
let running = 0;
const waiting: (() => void)[] = [];

/** Spawns `quantum …args` from the repository root (logs silent, no colours, no debug stacks). */
const spawnQuantum = (args: readonly string[]): Promise<CliRun> =>
  new Promise<CliRun>((resolveRun, reject) => {
    const start = (): void => {
      running++;
      runQuantum(args).then((run) => {
        running--;
        waiting.shift()?.();
        resolveRun(run);
      }, reject);
    };
    if (running < MAX_RUNNING) start();
    else waiting.push(start);
  });

/** Runs started ahead of their test (see `prestart`), by their argument list. */
const started = new Map<string, Promise<CliRun>>();

/**
 * Starts these commands now, in parallel; the test that later calls `quantum` with the same
 * arguments gets that run. Only for commands whose result does not depend on earlier tests.
 */
const prestart = (...commands: readonly (readonly string[])[]): void => {
  for (const args of commands) started.set(args.join('\0'), spawnQuantum(args));
};

/** `quantum …args`: the prestarted run of these arguments, or a new one. */
const quantum = (...args: string[]): Promise<CliRun> => {
  const key = args.join('\0');
  const early = started.get(key);
  started.delete(key);
  return early ?? spawnQuantum(args);
};

/** A user error: exit 2, one `error QT_…:` message on stderr containing `expected`, no stack trace. */
const assertUserError = (run: CliRun, expected: string | RegExp): void => {
  const where = `stdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.is(run.status, 2, where);
  assert.match(run.stderr, /^error QT_[A-Z_]+: /, where);
  if (typeof expected === 'string') assert.ok(run.stderr.includes(expected), where);
  else assert.match(run.stderr, expected, where);
  assert.not.ok(run.stderr.includes('    at '), `a stack trace reached the user:\n${run.stderr}`);
};

let tmpCount = 0;
const tmpRoot = mkdtempSync(join(tmpdir(), 'quantum-cli-'));
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

/** Output folders of the runs below (made by the CLI itself, or never when the run must fail). */
const OUT = {
  strict: join(tmpRoot, 'strict'),
  relative: join(tmpRoot, 'relative'),
  nan: join(tmpRoot, 'nan', 'f.csv'),
  rsx: join(tmpRoot, 'rsx', 'f.csv'),
  ema0: join(tmpRoot, 'ema0', 'f.csv'),
  backtest: join(tmpRoot, 'backtest'),
  window: join(tmpRoot, 'window'),
  badRows: join(tmpRoot, 'bad-rows'),
  refused: join(tmpRoot, 'refused', 'report'),
};

// Data that holds no candle, each for its own reason.
const NO_SYMBOL = join(tmpRoot, 'mydata.csv');
writeFileSync(NO_SYMBOL, readFileSync(NAN_FIXTURE, 'utf8'));
const EMPTY_FOLDER = join(tmpRoot, 'empty-folder');
mkdirSync(EMPTY_FOLDER);
const HEADER_ONLY = join(tmpRoot, 'header-only');
mkdirSync(HEADER_ONLY);
writeFileSync(join(HEADER_ONLY, 'BTCUSDT-1m-2026-01.csv'), 'open_time,open,high,low,close,volume\n');
const TRADES = join(tmpRoot, 'ETHUSDT-trades-2023-02-02.csv');
writeFileSync(TRADES, 'timestamp_ms,id,side,price,amount\n1675296000123,1,buy,1640.5,0.1\n');

// A folder mixing a USDT pair with a BTC-quoted one.
const MIXED_QUOTES = join(tmpRoot, 'mixed-quotes');
mkdirSync(MIXED_QUOTES);
writeFileSync(join(MIXED_QUOTES, 'AVAXUSDT-1m-2026-02.csv'), readFileSync(NAN_FIXTURE, 'utf8'));
writeFileSync(join(MIXED_QUOTES, 'ETHBTC-1m-2026-02.csv'), readFileSync(NAN_FIXTURE, 'utf8'));

// A file where a folder is expected, for the output checks.
const A_FILE = join(tmpRoot, 'a-file');
writeFileSync(A_FILE, 'not a folder\n');

/** The commands whose runs do not depend on each other: all started at once, asserted one per test. */
const RUN = {
  badConfig: ['backtest', '--config', 'test/fixtures/pipeline/bad-risk.yaml', '--no-progress'],
  badYaml: ['config', 'check', 'test/fixtures/pipeline/bad-yaml.yaml'],
  missingConfig: ['backtest', '--config', 'test/fixtures/pipeline/no-such.yaml'],
  checkOk: ['config', 'check', SMALL_CONFIG],
  checkDefault: ['config', 'check'],
  checkBad: ['config', 'check', 'test/fixtures/pipeline/bad-risk.yaml'],
  print: ['config', 'print'],
  graph: ['config', 'graph'],
  noSymbol: ['backtest', '--data', NO_SYMBOL, '--no-progress', '--out', join(tmpRoot, 'no-symbol')],
  noSymbolGiven: [
    'backtest',
    '--data',
    NO_SYMBOL,
    '--symbol',
    'AVAXUSDT',
    '--no-progress',
    '--out',
    join(tmpRoot, 'symbol-given'),
  ],
  emptyFolder: ['backtest', '--data', EMPTY_FOLDER, '--no-progress'],
  mixedQuotes: ['backtest', '--data', MIXED_QUOTES, '--no-progress', '--out', join(tmpRoot, 'mixed')],
  headerOnly: ['backtest', '--data', HEADER_ONLY, '--no-progress'],
  tradesAsKlines: ['features', '--data', TRADES, '--out', join(tmpRoot, 'trades', 'f.csv')],
  checkMissingModel: ['config', 'check', 'test/fixtures/pipeline/missing-model.yaml'],
  missingData: ['backtest', '--data', 'no/such/klines.csv', '--out', OUT.refused, '--no-progress'],
  missingFeaturesData: ['features', '--data', 'no-such.csv', '--out', join(tmpRoot, 'f', 'x.csv')],
  missingDataPath: [
    'backtest',
    '--config',
    'test/fixtures/pipeline/missing-data-path.yaml',
    '--out',
    OUT.refused,
  ],
  outIsFile: ['backtest', '--config', SMALL_CONFIG, '--out', A_FILE, '--no-progress'],
  outUnderFile: ['backtest', '--config', SMALL_CONFIG, '--out', join(A_FILE, 'sub'), '--no-progress'],
  outInProc: ['backtest', '--config', SMALL_CONFIG, '--out', '/proc/quantum-no-such', '--no-progress'],
  featuresOutIsFolder: ['features', '--data', NAN_FIXTURE, '--policy', 'skip', '--out', tmpRoot],
  featuresOutUnderFile: [
    'features',
    '--data',
    NAN_FIXTURE,
    '--policy',
    'skip',
    '--out',
    join(A_FILE, 'f.csv'),
  ],
  graphBad: ['config', 'graph', 'test/fixtures/pipeline/bad-risk.yaml'],
  strictNan: [
    'backtest',
    '--config',
    'test/fixtures/pipeline/strict-files.yaml',
    '--data',
    NAN_FIXTURE,
    '--out',
    OUT.strict,
  ],
  strictRelative: ['backtest', '--config', 'test/fixtures/pipeline/strict-files.yaml', '--out', OUT.relative],
  featuresNan: ['features', '--data', NAN_FIXTURE, '--out', OUT.nan, '--no-progress'],
  // The data file has a gap, which would also fail: the feature list must be checked first.
  featuresRsx: [
    'features',
    '--data',
    'test/fixtures/klines/AVAXUSDT-1m-gap.csv',
    '--features',
    'ema_12,rsx_14',
    '--out',
    OUT.rsx,
  ],
  featuresEma0: ['features', '--data', NAN_FIXTURE, '--features', 'ema_0', '--out', OUT.ema0],
  badFrom: ['backtest', '--from', 'yesterday'],
  badTo: ['backtest', '--to', '2026-13-45'],
  fromAfterTo: ['backtest', '--from', '2026-02-10', '--to', '2026-02-01'],
  badSeed: ['backtest', '--seed', 'abc'],
  hugeSeed: ['backtest', '--seed', '99999999999999999999'],
  version: ['--version'],
  seedOnRecorded: [
    'backtest',
    '--data',
    NAN_FIXTURE,
    '--seed',
    '3',
    '--no-progress',
    '--out',
    join(tmpRoot, 'seed-recorded'),
  ],
  unknownOption: ['backtest', '--frobnicate'],
  backtest: ['backtest', '--config', SMALL_CONFIG, '--seed', '7', '--out', OUT.backtest, '--no-progress'],
  window: [
    'backtest',
    '--config',
    SMALL_CONFIG,
    '--from',
    '2026-01-01T10:00Z',
    '--to',
    '2026-01-01T20:00Z',
    '--out',
    OUT.window,
    '--no-progress',
  ],
  // The default config skips bad rows (policy skip) and reports them.
  badRows: [
    'backtest',
    '--data',
    'test/fixtures/klines/AVAXUSDT-1m-bad-values.csv',
    '--out',
    OUT.badRows,
    '--no-progress',
  ],
} as const satisfies Record<string, readonly string[]>;
prestart(...Object.values(RUN));

// ——— config errors ———

test('backtest with an invalid config file: exit 2, every bad path named, no stack trace', async () => {
  const run = await quantum(...RUN.badConfig);
  assertUserError(
    run,
    'error QT_CONFIG_INVALID: test/fixtures/pipeline/bad-risk.yaml: invalid pipeline config',
  );
  assert.ok(run.stderr.includes('risk.maxLeverage: expected a number'), run.stderr);
  assert.ok(run.stderr.includes('got "ten"'), run.stderr);
  assert.ok(run.stderr.includes('risk.foo: unknown key'), run.stderr);
  assert.is(run.stdout, '');
});

test('a YAML syntax error names file:line:col and quotes the line with a caret', async () => {
  const run = await quantum(...RUN.badYaml);
  assertUserError(run, /bad-yaml\.yaml:3:\d+: /);
  assert.match(run.stderr, /\n {4,}maxLeverage: 5\n {4,}\^/);
});

test('a missing config file: exit 2 naming the path and ENOENT', async () => {
  assertUserError(
    await quantum(...RUN.missingConfig),
    'test/fixtures/pipeline/no-such.yaml: cannot read the config file (ENOENT)',
  );
});

test('config check: ok line for a good file (exit 0), exit 2 for a bad one; config graph shows the declared order; config print is the default', async () => {
  const ok = await quantum(...RUN.checkOk);
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stdout, `${SMALL_CONFIG}: ok — pipeline "small-synthetic", 2 models, 18 features\n`);
  const fallback = await quantum(...RUN.checkDefault);
  assert.is(fallback.status, 0, fallback.stderr);
  assert.ok(fallback.stdout.startsWith('(default config): ok'), fallback.stdout);
  assertUserError(await quantum(...RUN.checkBad), 'risk.maxLeverage');
  const graph = await quantum(...RUN.graph);
  assert.is(graph.status, 0, graph.stderr);
  // The declared order, read from the kernel itself.
  assert.match(graph.stdout, /^ {2}market\.klines +venue → portfolio → position-monitor → ai-engine$/m);
  assert.match(graph.stdout, /^ {2}portfolio\.snapshot_updated +kill-switch → sizing → risk-governor$/m);
  assert.match(graph.stdout, /^ +80 {2}execution +governor\.execution, execution\.result$/m);
  assertUserError(await quantum(...RUN.graphBad), 'risk.maxLeverage');
  // A model file that is not there fails the check, not the run.
  assertUserError(await quantum(...RUN.checkMissingModel), 'models[1]: no model named "never-imported"');
  const printed = await quantum(...RUN.print);
  assert.is(printed.status, 0);
  assert.is(printed.stdout, DEFAULT_CONFIG_YAML);
});

// ——— data errors ———

test('backtest --data <NaN fixture> under a config with data.policy fail: exit 2 with file:line', async () => {
  assertUserError(
    await quantum(...RUN.strictNan),
    `error QT_DATA_INVALID: ${NAN_FIXTURE}:4: close is "NaN", expected a positive number`,
  );
  assert.not.ok(existsSync(OUT.strict), 'a failed run wrote a report');
});

test('a relative data.path resolves against the config file: the strict config fails in its own fixture', async () => {
  assertUserError(
    await quantum(...RUN.strictRelative),
    `${join(FIXTURES, 'klines', 'AVAXUSDT-1m-gap.csv')}:4: gap: 3 missing 1m candle(s)`,
  );
});

test('features --data <NaN fixture>: exit 2 with file:line (policy fail is the default)', async () => {
  assertUserError(await quantum(...RUN.featuresNan), `${NAN_FIXTURE}:4: close is "NaN"`);
});

// ——— usage errors ———

test('features --features rsx_14: exit 2 naming the flag entry and the name, before reading any data', async () => {
  assertUserError(await quantum(...RUN.featuresRsx), '--features[1]: unknown feature "rsx_14"; known: ema_N');
});

test('features --features ema_0: exit 2 (a period below the minimum)', async () => {
  assertUserError(
    await quantum(...RUN.featuresEma0),
    '--features[0]: "ema_0": period must be an integer ≥ 2, got "0"',
  );
});

test('backtest: bad --from, --to, --seed and --from after --to all exit 2; unknown options exit 2', async () => {
  assertUserError(await quantum(...RUN.badFrom), '--from: expected a date like 2026-02-01');
  assertUserError(await quantum(...RUN.badTo), '--to: expected a date');
  assertUserError(await quantum(...RUN.fromAfterTo), '--from must be before --to');
  assertUserError(
    await quantum(...RUN.badSeed),
    '--seed: expected an integer between -9007199254740991 and 9007199254740991, got "abc"',
  );
  const unknown = await quantum(...RUN.unknownOption);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
});

// ——— happy paths ———

test('backtest --seed 7 --out dir: the four report files and dead-letters.jsonl, and the summary table', async () => {
  const out = OUT.backtest;
  const run = await quantum(...RUN.backtest);
  assert.is(run.status, 0, run.stderr);
  assert.equal(readdirSync(out).sort(), [
    'dead-letters.jsonl',
    'equity.csv',
    'report.html',
    'report.json',
    'run.log.jsonl',
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

test('backtest --from/--to cut the synthetic market to [from, to) by candle close', async () => {
  const run = await quantum(...RUN.window);
  assert.is(run.status, 0, run.stderr);
  const report = JSON.parse(readFileSync(join(OUT.window, 'report.json'), 'utf8'));
  // 10 hours of 1m candles, 3 symbols: closes 10:00 … 19:59 are in, 20:00 is not.
  assert.is(report.extra.klines, 3 * 600);
  assert.is(report.run.toIso, '2026-01-01T19:59:00.000Z');
});

test('backtest under policy skip: exit 0, skipped rows and gap notices counted apart, dead-letters.jsonl', async () => {
  const run = await quantum(...RUN.badRows);
  assert.is(run.status, 0, run.stderr);
  assert.ok(
    run.stdout.includes(
      '3 bad input rows skipped, 1 gap/repair notices (see dead-letters.jsonl), first: ' +
        'test/fixtures/klines/AVAXUSDT-1m-bad-values.csv:3: high 10 is below low 10.2\n',
    ),
    run.stdout,
  );
  const letters = readFileSync(join(OUT.badRows, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
  assert.equal(
    letters.map((line) => JSON.parse(line).origin),
    [3, 4, 5, 6].map((line) => `test/fixtures/klines/AVAXUSDT-1m-bad-values.csv:${line}`),
  );
});

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

test('a data path that does not exist: exit 2 naming the flag or key and the path, before any output is written', async () => {
  assertUserError(
    await quantum(...RUN.missingData),
    'error QT_DATA_INVALID: --data no/such/klines.csv: no such file or folder',
  );
  assertUserError(
    await quantum(...RUN.missingDataPath),
    /data\.path \.\.\/no-such-folder \(resolved to .*no-such-folder\): no such file or folder/,
  );
  const features = await quantum(...RUN.missingFeaturesData);
  assertUserError(features, '--data no-such.csv: no such file or folder');
  // `features` cannot run without data: no hint to leave the flag out.
  assert.not.ok(features.stderr.includes('leave it out'), features.stderr);
  assert.not.ok(existsSync(OUT.refused), 'a refused run writes nothing');
});

test('an output folder that cannot take the report: exit 2 at once, naming --out and why', async () => {
  assertUserError(await quantum(...RUN.outIsFile), `--out ${A_FILE}: ${A_FILE} is a file, not a folder`);
  assertUserError(
    await quantum(...RUN.outUnderFile),
    `--out ${join(A_FILE, 'sub')}: ${A_FILE} is a file, not a folder`,
  );
  // A recursive mkdir spun for minutes here; now one level at a time, refused at once.
  assertUserError(
    await quantum(...RUN.outInProc),
    '--out /proc/quantum-no-such: cannot create /proc/quantum-no-such',
  );
  assertUserError(
    await quantum(...RUN.featuresOutIsFolder),
    `--out ${tmpRoot}: is a folder; name the file to write`,
  );
  assertUserError(
    await quantum(...RUN.featuresOutUnderFile),
    `--out ${join(A_FILE, 'f.csv')}: ${A_FILE} is a file, not a folder`,
  );
});

test('data that holds no candle says why, per file, and points at the real fix', async () => {
  assertUserError(
    await quantum(...RUN.noSymbol),
    'needs --symbol (data.symbol), or a name like AVAXUSDT-1m-2026-02.csv',
  );
  const given = await quantum(...RUN.noSymbolGiven);
  assert.is(given.status, 0, given.stderr);
  assert.match(given.stdout, /AVAXUSDT/);
  assertUserError(
    await quantum(...RUN.emptyFolder),
    `${EMPTY_FOLDER}: no .csv, .json or .jsonl data files there`,
  );
  const headerOnly = await quantum(...RUN.headerOnly);
  assertUserError(headerOnly, 'no candles (empty, a header only, or none inside the window)');
  assert.not.ok(headerOnly.stderr.includes('check --from/--to'), 'not the window: the file has no candle');
  // A BTC-quoted pair would be valued as if its prices were USDT.
  assertUserError(
    await quantum(...RUN.mixedQuotes),
    'ETHBTC (quoted in BTC) is not quoted in USDT; positions, fees and PnL are valued in USDT',
  );
  // features used to write "0 rows" and exit 0 for a trades file.
  assertUserError(
    await quantum(...RUN.tradesAsKlines),
    'not a kline CSV (header timestamp_ms,id,side,price,amount)',
  );
});

test('--version prints the package version; --seed must be a safe integer and is reported as unused on recorded data', async () => {
  const version = await quantum(...RUN.version);
  assert.is(version.status, 0, version.stderr);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.is(version.stdout.trim(), pkg.version);
  assertUserError(await quantum(...RUN.hugeSeed), '--seed: expected an integer between');
  const recorded = await quantum(...RUN.seedOnRecorded);
  assert.is(recorded.status, 0, recorded.stderr);
  assert.ok(recorded.stderr.includes('note: --seed changes nothing on recorded data'), recorded.stderr);
});

test.run();
