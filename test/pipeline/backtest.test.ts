import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { loadPipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { syntheticConfig } from './harness.js';

// runBacktest as a caller sees it: where relative paths resolve, what it writes, what it refuses.

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures');
const workDir = mkdtempSync(join(tmpdir(), 'quantum-backtest-'));

test('data.path is resolved against the config file folder, not the working directory', async () => {
  const configPath = join(FIXTURES, 'pipeline', 'relative-data.yaml');
  const result = await runBacktest({ config: loadPipelineConfig(configPath), configPath, outDir: null });
  assert.is(result.report.run.dataSource, join(FIXTURES, 'klines', 'AVAXUSDT-1m-duplicate.csv'));
  assert.equal(result.report.run.symbols, ['AVAXUSDT']);
  // 5 rows, line 4 repeats line 3: skipped, one dead letter
  assert.is((result.report.extra as { klines: number }).klines, 4);
  assert.is(result.deadLetters.length, 1);
  assert.match(result.deadLetters[0].origin, /AVAXUSDT-1m-duplicate\.csv:4$/);
});

test('outDir null writes nothing but still returns the report and the summary table', async () => {
  const config = parsePipelineConfig({
    data: { synthetic: { count: 300 } },
    output: { dir: join(workDir, 'never') },
  });
  const result = await runBacktest({ config, outDir: null });
  assert.is(result.paths, undefined);
  assert.not.ok(existsSync(join(workDir, 'never')));
  assert.match(result.summary, /Final equity/);
  assert.is((result.report.extra as { klines: number }).klines, 900);
});

test('the files land in outDir: report.json, trades.csv, equity.csv, report.html, dead-letters.jsonl', async () => {
  const outDir = join(workDir, 'files');
  const config = parsePipelineConfig({ data: { synthetic: { count: 300 } } });
  const result = await runBacktest({ config, outDir });
  assert.equal(readdirSync(outDir).sort(), [
    'dead-letters.jsonl',
    'equity.csv',
    'report.html',
    'report.json',
    'run.log.jsonl',
    'trades.csv',
  ]);
  assert.is(result.paths?.deadLettersJsonl, join(outDir, 'dead-letters.jsonl'));
});

test('progress is reported as the replay advances and ends at the total', async () => {
  const config = parsePipelineConfig({ data: { synthetic: { count: 10_000 } } });
  const calls: [number, number][] = [];
  await runBacktest({ config, outDir: null, onProgress: (done, total) => calls.push([done, total]) });
  // 30,000 klines in chunks of 20,000: one call per chunk.
  assert.equal(calls, [
    [20_000, 30_000],
    [30_000, 30_000],
  ]);
});

test('a market that may not fit in the heap is a warning before the replay, naming the numbers and what to do', async () => {
  const config = parsePipelineConfig({ data: { synthetic: { count: 1_000 } } });
  const heard: string[] = [];
  let warnedBeforeReplay = false;
  // 3,000 candles at ~550 B: 1.65 MB, over 80 % of a 2 MB limit.
  await runBacktest({
    config,
    outDir: null,
    heapLimitBytes: 2_000_000,
    onWarning: (message) => heard.push(message),
    onProgress: () => {
      warnedBeforeReplay ||= heard.length === 1;
    },
  });
  assert.is(heard.length, 1);
  assert.ok(warnedBeforeReplay, 'the warning comes before the replay');
  assert.match(heard[0], /^3,000 candles need about 0\.0 GB of memory .* heap limit here is 0\.0 GB/);
  assert.match(heard[0], /NODE_OPTIONS=--max-old-space-size=1024\) or backtest fewer symbols or months/);
  // Node's own limit: this run fits, nothing said.
  const quiet: string[] = [];
  await runBacktest({ config, outDir: null, onWarning: (message) => quiet.push(message) });
  assert.equal(quiet, []);
});

test('a window without candles is a DataError naming the data and the window, not a metrics failure', async () => {
  const config = parsePipelineConfig({ data: { synthetic: { count: 300 } } });
  const from = Date.parse('2030-01-01T00:00:00Z');
  try {
    await runBacktest({ config, from, outDir: null });
    assert.unreachable('expected a DataError');
  } catch (error) {
    assert.instance(error, DataError);
    assert.is(
      (error as Error).message,
      'synthetic:seed=42: no candles to replay from 2030-01-01T00:00:00.000Z; check --from/--to (data.from/data.to) against data.synthetic (start and count)',
    );
  }
  // The config's own window counts too.
  const configured = parsePipelineConfig({ data: { synthetic: { count: 300 }, to: '2020-01-01' } });
  try {
    await runBacktest({ config: configured, outDir: null });
    assert.unreachable('expected a DataError');
  } catch (error) {
    assert.match((error as Error).message, 'no candles to replay to 2020-01-01T00:00:00.000Z');
  }
});

test.after(() => rmSync(workDir, { recursive: true, force: true }));

test('the report period starts where the engine first acts: the close of the first candle in the window', async () => {
  const config = syntheticConfig(600);
  const klines = loadMarketReplay(config).klines;
  const from = klines[300].ts;
  const result = await runBacktest({ config, outDir: null, from });
  assert.is(result.report.run.from, from);
  assert.is(result.report.run.to, klines[klines.length - 1].ts);
});

test.run();
