// Acceptance of the services split (issue: services over Redis streams): the bundled real data
// (7 symbols × 672 1h candles) through `quantum backtest`, `quantum run` (one process, in-memory
// bus), `quantum run --split` (each service its own process over a real redis-server) and the split
// with two ai-engine replicas gives byte-identical trades.csv and equity.csv — spawned as a user
// runs them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type LocalRedis, startLocalRedis } from '../../src/services/local-redis.js';
import { type CliRun, runQuantum } from '../cli-runner.js';
import { tempDir } from '../pipeline/harness.js';
import { missingRedis, requires } from '../requirements.js';

const CONFIG = 'examples/real-data.yaml';

const quantum = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> =>
  runQuantum(args, { QUANTUM_LOG_LEVEL: 'info', ...env });

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');

if (requires(missingRedis())) {
  let redis: LocalRedis;
  const out = tempDir('split-eq');

  test.before(async () => {
    redis = await startLocalRedis({ dir: join(out, 'redis') });
  });
  test.after(async () => {
    await redis.stop();
  });

  test('backtest, run, run --split and run --split with 2 ai-engine replicas write byte-identical trades', async () => {
    const env = { REDIS_URL: redis.url };
    // Each way of running, by its output folder.
    const ways: [dir: string, args: string[]][] = [
      ['backtest', ['backtest']],
      ['run', ['run']],
      ['split', ['run', '--split']],
      ['replicas', ['run', '--split', '--replicas', 'ai-engine=2']],
    ];
    for (const [dir, args] of ways) {
      const result = await quantum(env, ...args, '-c', CONFIG, '--no-progress', '--out', join(out, dir));
      assert.is(result.status, 0, `${dir}: ${result.stderr}`);
      if (dir === 'split')
        assert.ok(result.stdout.includes('Trades'), 'the split run prints the same summary');
    }
    const trades = read(join(out, 'backtest'), 'trades.csv');
    assert.ok(trades.split('\n').length > 50, 'the real data trades');
    for (const dir of ['run', 'split', 'replicas']) {
      assert.is(read(join(out, dir), 'trades.csv'), trades, `${dir}: trades.csv`);
      assert.is(
        read(join(out, dir), 'equity.csv'),
        read(join(out, 'backtest'), 'equity.csv'),
        `${dir}: equity.csv`,
      );
    }
    // Each replica handled some of the symbols: its log says it served its own partition.
    const replicaLogs = ['ai-engine-0.log', 'ai-engine-1.log'].map((file) =>
      read(join(out, 'replicas', 'services'), file),
    );
    assert.ok(replicaLogs[0].includes('quantum:{replay}:inbox:ai-engine:0'));
    assert.ok(replicaLogs[1].includes('quantum:{replay}:inbox:ai-engine:1'));
  });

  test('run --split refuses replicas of a stage that keeps state across symbols (exit 2, the flag and the fix)', async () => {
    const run = await quantum(
      { REDIS_URL: redis.url },
      'run',
      '--split',
      '--replicas',
      'sizing=2',
      '-c',
      CONFIG,
      '--no-progress',
      '--out',
      join(out, 'bad-replicas'),
    );
    assert.is(run.status, 2, run.stderr);
    assert.match(
      run.stderr,
      /--replicas: sizing keeps state across symbols and runs as one replica; replicas are for ai-engine$/m,
    );
  });

  test('run --split without a Redis says so at once, naming the URL and the fix', async () => {
    const run = await quantum(
      { REDIS_URL: 'redis://127.0.0.1:1' },
      'run',
      '--split',
      '-c',
      CONFIG,
      '--no-progress',
      '--out',
      join(out, 'no-redis'),
    );
    assert.is(run.status, 1);
    assert.match(
      run.stderr,
      /QT_REDIS_UNAVAILABLE: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*quantum redis start/,
    );
    // A guard against waiting forever for Redis, not a timing.
    assert.ok(run.ms < 60_000, `answered in ${run.ms.toFixed(0)} ms`);
  });
}

test.run();
