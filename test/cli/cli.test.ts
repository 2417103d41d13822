// End-to-end tests of the `quantum` command line, spawned as a user runs it (see cli-harness.ts):
// config errors and `config check/graph/print`, the backtest's happy paths, `--version` and `--seed`.
// Data and usage errors are in cli-errors.test.ts, `features` and bring-your-own-model in
// cli-features.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CONFIG_YAML } from '../../src/pipeline/default-config.js';
import {
  assertUserError,
  NAN_FIXTURE,
  prestart,
  quantum,
  REPO,
  SMALL_CONFIG,
  tmpRoot,
} from './cli-harness.js';

/** Output folders of the runs below (made by the CLI itself, or never when the run must fail). */
const OUT = {
  backtest: join(tmpRoot, 'backtest'),
  window: join(tmpRoot, 'window'),
  badRows: join(tmpRoot, 'bad-rows'),
};

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
  checkMissingModel: ['config', 'check', 'test/fixtures/pipeline/missing-model.yaml'],
  graphBad: ['config', 'graph', 'test/fixtures/pipeline/bad-risk.yaml'],
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
