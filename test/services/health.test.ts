// Heartbeats, the watchdog and `quantum health` / `quantum redis start|stop` against a real
// redis-server: a service whose last beat is 3 minutes old is stale, the watchdog reports each
// stale episode once, and the CLI answers with exit codes a script or systemd can act on.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Heartbeat, healthTable, readHealth, writeHeartbeat } from '../../src/services/health.js';
import { freePort, type LocalRedis, startLocalRedis, waitForRedis } from '../../src/services/local-redis.js';
import { connectRedis } from '../../src/services/redis-client.js';
import { keyspace } from '../../src/services/redis-keys.js';
import { startWatchdog } from '../../src/services/watchdog.js';
import { type CliRun, runQuantum } from '../cli-runner.js';
import { tempDir } from '../pipeline/harness.js';
import { missingRedis, requires } from '../requirements.js';

const MINUTE_MS = 60_000;

const quantum = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> => runQuantum(args, env);

/** A running service's heartbeat that beat at `beatMs`. */
const beat = (service: string, beatMs: number): Heartbeat => ({
  service,
  replica: 0,
  pid: 4242,
  status: 'running',
  beatMs,
  startedMs: beatMs - 10 * MINUTE_MS,
  handled: 100,
  errors: 0,
  deadLetters: 0,
  lag: 0,
  metricsPort: 0,
});

const isAnswering = (port: number): Promise<boolean> =>
  waitForRedis(port, 0).then(
    () => true,
    () => false,
  );

if (requires(missingRedis())) {
  const out = tempDir('health');
  const keys = keyspace();
  let server: LocalRedis;
  let redis: Redis;
  // The port `quantum redis start` is tested on (stopped in `after` if a test failed half-way).
  let startedPort: number | undefined;

  test.before(async () => {
    server = await startLocalRedis({ dir: join(out, 'redis') });
    redis = connectRedis(server.url, 'health-test');
  });
  test.before.each(async () => {
    await redis.flushall();
  });
  test.after(async () => {
    if (startedPort !== undefined && (await isAnswering(startedPort))) {
      await quantum({}, 'redis', 'stop', '--port', String(startedPort));
    }
    redis.disconnect();
    await server.stop();
  });

  test('readHealth marks only the heartbeat older than 2 minutes stale', async () => {
    const nowMs = Date.now();
    await writeHeartbeat(redis, keys, beat('risk', nowMs - 1000));
    await writeHeartbeat(redis, keys, beat('sizing', nowMs - 3 * MINUTE_MS));
    const rows = await readHealth(redis, keys, nowMs);
    assert.equal(
      rows.map((row) => [row.service, row.stale]),
      [
        ['risk', false],
        ['sizing', true],
      ],
    );
    const lenient = await readHealth(redis, keys, nowMs, 4 * MINUTE_MS);
    assert.equal(
      lenient.map((row) => row.stale),
      [false, false],
      'a longer staleAfterMs keeps both fresh',
    );
  });

  test('healthTable lists both services and shows the stale one as STALE', async () => {
    const nowMs = Date.now();
    await writeHeartbeat(redis, keys, beat('risk', nowMs - 1000));
    await writeHeartbeat(redis, keys, beat('sizing', nowMs - 3 * MINUTE_MS));
    const table = healthTable(await readHealth(redis, keys, nowMs));
    assert.ok(table.includes('risk'), table);
    assert.match(table, /sizing\s+0\s+STALE\s+180\.0 s ago/);
    assert.not.match(table, /risk\s+0\s+STALE/);
  });

  test('the watchdog reports a stale episode once, and again only after the service was fresh', async () => {
    let nowMs = 1_700_000_000_000;
    await writeHeartbeat(redis, keys, beat('sizing', nowMs));
    const reported: string[] = [];
    const watchdog = startWatchdog({
      redis,
      keys,
      intervalMs: 60 * MINUTE_MS,
      now: () => nowMs,
      onStale: (row) => reported.push(row.service),
    });
    nowMs += 3 * MINUTE_MS;
    await watchdog.check();
    await watchdog.check();
    assert.equal(reported, ['sizing'], 'still stale: not reported twice');
    await writeHeartbeat(redis, keys, beat('sizing', nowMs));
    await watchdog.check();
    assert.equal(reported, ['sizing'], 'fresh again: nothing reported');
    nowMs += 3 * MINUTE_MS;
    await watchdog.check();
    watchdog.stop();
    assert.equal(reported, ['sizing', 'sizing'], 'a new stale episode is reported');
  });

  test('the watchdog passes errors reading Redis to onError and keeps checking', async () => {
    const failing = {
      scan: () => Promise.reject(new Error('Connection is closed.')),
    } as unknown as Redis;
    const errors: string[] = [];
    await new Promise<void>((done) => {
      const watchdog = startWatchdog({
        redis: failing,
        keys,
        intervalMs: 5,
        onStale: () => undefined,
        onError: (error) => {
          errors.push(error instanceof Error ? error.message : String(error));
          if (errors.length === 2) {
            watchdog.stop();
            done();
          }
        },
      });
    });
    assert.equal(errors, ['Connection is closed.', 'Connection is closed.']);
  });

  test('quantum health exits 1 and names the stale service', async () => {
    const nowMs = Date.now();
    await writeHeartbeat(redis, keys, beat('risk', nowMs));
    await writeHeartbeat(redis, keys, beat('sizing', nowMs - 3 * MINUTE_MS));
    const run = await quantum({ REDIS_URL: server.url }, 'health');
    assert.is(run.status, 1, run.stderr);
    assert.match(run.stderr, /stale[^\n]*\n\s+sizing: last beat 18\d\.\d s ago/);
    assert.not.ok(run.stderr.includes('risk'), run.stderr);
    assert.match(run.stdout, /sizing\s+0\s+STALE/);
  });

  test('quantum health exits 0 when every service is fresh, also with --shard and --json', async () => {
    const shardKeys = keyspace('live');
    await writeHeartbeat(redis, shardKeys, beat('risk', Date.now()));
    await writeHeartbeat(redis, shardKeys, beat('sizing', Date.now()));
    const table = await quantum({ REDIS_URL: server.url }, 'health', '--shard', 'live');
    assert.is(table.status, 0, table.stderr);
    assert.match(table.stdout, /risk\s+0\s+running/);
    assert.match(table.stdout, /sizing\s+0\s+running/);
    const json = await quantum({ REDIS_URL: server.url }, 'health', '--shard', 'live', '--json');
    assert.is(json.status, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { service: string; stale: boolean }[];
    assert.equal(
      rows.map((row) => [row.service, row.stale]),
      [
        ['risk', false],
        ['sizing', false],
      ],
    );
  });

  test('quantum health --expect names the services that never reported and exits 1', async () => {
    const shardKeys = keyspace('expect');
    await writeHeartbeat(redis, shardKeys, beat('sizing', Date.now()));
    const some = await quantum(
      { REDIS_URL: server.url },
      'health',
      '--shard',
      'expect',
      '--expect',
      'sizing,execution',
    );
    assert.is(some.status, 1, some.stderr);
    assert.match(some.stderr, /missing \(never reported\): execution$/m);
    const fine = await quantum(
      { REDIS_URL: server.url },
      'health',
      '--shard',
      'expect',
      '--expect',
      'sizing',
    );
    assert.is(fine.status, 0, fine.stderr);
    const all = await quantum({ REDIS_URL: server.url }, 'health', '--shard', 'expect', '--expect', 'all');
    assert.match(
      all.stderr,
      /missing \(never reported\): market-publisher, portfolio, position-monitor, ai-engine, strategy, risk-governor, execution/,
    );
    const bad = await quantum({ REDIS_URL: server.url }, 'health', '--expect', 'rocket');
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /--expect: unknown service "rocket"/);
  });

  test('quantum health exits 1 when no service has reported', async () => {
    const run = await quantum({ REDIS_URL: server.url }, 'health');
    assert.is(run.status, 1, run.stderr);
    assert.ok(
      run.stderr.includes(`no service has reported to ${server.url}; start them with quantum run --split`),
      run.stderr,
    );
  });

  test('quantum health on an unreachable Redis exits 1 with QT_REDIS_UNAVAILABLE instead of waiting for it', async () => {
    const port = await freePort();
    const run = await quantum({ REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` }, 'health');
    assert.is(run.status, 1, run.stderr);
    // A guard against waiting forever (the engine's own connections do), not a timing: start-up alone varies.
    assert.ok(run.ms < 60_000, `took ${run.ms.toFixed(0)} ms`);
    assert.ok(run.stderr.includes('QT_REDIS_UNAVAILABLE'), run.stderr);
    assert.ok(run.stderr.includes(`redis://127.0.0.1:${port}`), run.stderr);
    assert.ok(run.stderr.includes('quantum redis start'), run.stderr);
    assert.not.ok(run.stderr.includes('hunter2'), 'the password is never printed');
  });

  test('quantum redis start runs a server once; quantum redis stop stops it', async () => {
    const port = await freePort();
    startedPort = port;
    const dir = join(out, 'started');
    const start = await quantum({}, 'redis', 'start', '--port', String(port), '--dir', dir);
    assert.is(start.status, 0, start.stderr);
    assert.ok(
      start.stdout.includes(`redis-server running on 127.0.0.1:${port} (data in ${dir})`),
      start.stdout,
    );
    assert.ok(start.stdout.includes(`export REDIS_URL=redis://127.0.0.1:${port}`), start.stdout);
    assert.ok(await isAnswering(port), 'it answers PING after the command exited');
    const again = await quantum({}, 'redis', 'start', '--port', String(port), '--dir', dir);
    assert.is(again.status, 0, again.stderr);
    assert.ok(again.stdout.includes('already running'), again.stdout);
    const stop = await quantum({}, 'redis', 'stop', '--port', String(port));
    assert.is(stop.status, 0, stop.stderr);
    assert.ok(stop.stdout.includes(`127.0.0.1:${port} stopped`), stop.stdout);
    assert.not.ok(await isAnswering(port), 'it no longer answers');
    const stopAgain = await quantum({}, 'redis', 'stop', '--port', String(port));
    assert.is(stopAgain.status, 0, stopAgain.stderr);
    assert.ok(stopAgain.stdout.includes('nothing to stop'), stopAgain.stdout);
  });
}

test.run();
