// run.log.jsonl: what a run was made of, in structured lines a user (or a support request) can
// rebuild the run from.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { filesConfig, tempDir } from './harness.js';

const FIXTURE = 'test/fixtures/klines/AVAXUSDT-1m-nan-close.csv';

test('run.log.jsonl names the config by hash, each data file with its sha256, the counts and the timings given', async () => {
  const outDir = tempDir('run-log');
  let clock = 1_000;
  const result = await runBacktest({ config: filesConfig(FIXTURE), outDir, now: () => (clock += 5) });
  assert.is(result.paths?.runLog, join(outDir, 'run.log.jsonl'));
  const lines = readFileSync(join(outDir, 'run.log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(
    lines.map((line) => line.msg),
    ['run', 'data file', 'counts', 'timings'],
  );
  const [run, file, counts, timings] = lines;
  assert.match(String(run.configSha256), /^[0-9a-f]{64}$/);
  assert.equal(run.symbols, ['AVAXUSDT']);
  assert.is(file.path, resolve(FIXTURE));
  assert.is(file.sha256, createHash('sha256').update(readFileSync(FIXTURE)).digest('hex'));
  assert.is(counts.deadLetters, result.deadLetters.length);
  assert.is(counts.trades, result.report.trades.length);
  assert.equal(timings.timingsMs, { load: 5, replay: 5, report: 5 });
});

test('without a clock there are no timings (the engine reads none)', async () => {
  const outDir = tempDir('run-log');
  await runBacktest({ config: filesConfig(FIXTURE), outDir });
  const text = readFileSync(join(outDir, 'run.log.jsonl'), 'utf8');
  assert.not.ok(text.includes('"timings"'));
});

test.run();
