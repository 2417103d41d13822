import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import { QuantumError, UsageError } from '../domain/errors.js';
import { type HealthRow, healthTable, readHealth, STALE_AFTER_MS } from '../services/health.js';
import { startLocalRedis, waitForRedis } from '../services/local-redis.js';
import { closeQuietly, connectFailFast, redisUrlOf, shownUrl } from '../services/redis-client.js';
import { keyspace } from '../services/redis-keys.js';
import { isServiceName, SERVICE_NAMES } from '../services/service-catalog.js';

interface HealthFlags {
  shard?: string;
  json?: boolean;
  staleAfter?: string;
  expect?: string;
}

interface RedisFlags {
  port?: string;
  dir?: string;
}

const DEFAULT_REDIS_PORT = 6379;

/** How long `quantum redis stop` waits for the server to go away after SHUTDOWN. */
const SHUTDOWN_WAIT_MS = 10_000;

/** Whether something answers PING on 127.0.0.1:port right now. */
const answersPing = (port: number): Promise<boolean> =>
  waitForRedis(port, 0).then(
    () => true,
    () => false,
  );

const parsePort = (value: string | undefined): number => {
  if (value === undefined) return DEFAULT_REDIS_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new UsageError(`--port: expected a port 1 … 65535, got "${value}"`);
  }
  return port;
};

const parseStaleAfterMs = (value: string | undefined): number => {
  if (value === undefined) return STALE_AFTER_MS;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--stale-after: expected seconds > 0 (e.g. 120), got "${value}"`);
  }
  return seconds * 1000;
};

/** `--expect all` or `--expect a,b`: services that must have reported (a systemd deployment expects all). */
const expectedServices = (value: string | undefined): string[] => {
  if (value === undefined) return [];
  if (value.trim() === 'all') return [...SERVICE_NAMES];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!isServiceName(name)) {
      throw new UsageError(
        `--expect: unknown service "${name}"; expected all or some of ${SERVICE_NAMES.join(', ')}`,
      );
    }
  }
  return names;
};

const nameOf = (row: HealthRow): string => (row.replica > 0 ? `${row.service}#${row.replica}` : row.service);

/** `quantum health`: prints the rows; exit code 1 when none reported or any is stale. */
const showHealth = async (flags: HealthFlags): Promise<void> => {
  const staleAfterMs = parseStaleAfterMs(flags.staleAfter);
  const expected = expectedServices(flags.expect);
  const url = redisUrlOf();
  const redis = await connectFailFast(url);
  let rows: HealthRow[];
  try {
    rows = await readHealth(redis, keyspace(flags.shard), Date.now(), staleAfterMs);
  } finally {
    closeQuietly(redis);
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length > 0) process.stdout.write(`${healthTable(rows)}\n`);
  if (rows.length === 0) {
    const shard = flags.shard === undefined ? '' : ` (shard ${flags.shard})`;
    process.stderr.write(
      `no service has reported to ${shownUrl(url)}${shard}; start them with quantum run --split or systemd\n`,
    );
    process.exitCode = 1;
    return;
  }
  const missing = expected.filter((service) => !rows.some((row) => row.service === service));
  if (missing.length > 0) {
    process.stderr.write(`missing (never reported): ${missing.join(', ')}\n`);
    process.exitCode = 1;
  }
  const stale = rows.filter((row) => row.stale);
  if (stale.length === 0) return;
  const lines = stale.map(
    (row) => `  ${nameOf(row)}: last beat ${(row.ageMs / 1000).toFixed(1)} s ago (pid ${row.pid})`,
  );
  process.stderr.write(`stale (no heartbeat for more than ${staleAfterMs / 1000} s):\n${lines.join('\n')}\n`);
  process.exitCode = 1;
};

/** `quantum redis start`: a detached loopback redis-server, unless one already answers. */
const startRedis = async (flags: RedisFlags): Promise<void> => {
  const port = parsePort(flags.port);
  const dir = resolve(flags.dir ?? join(homedir(), '.local', 'share', 'quantum', 'redis'));
  const url = `redis://127.0.0.1:${port}`;
  if (await answersPing(port)) {
    process.stdout.write(
      `redis-server already running on 127.0.0.1:${port}; not starting another\nexport REDIS_URL=${url}\n`,
    );
    return;
  }
  const server = await startLocalRedis({ port, dir, detached: true });
  process.stdout.write(
    `redis-server running on 127.0.0.1:${server.port} (data in ${server.dir})\nexport REDIS_URL=${server.url}\n`,
  );
};

/** `quantum redis stop`: SHUTDOWN (the append-only file is flushed), then waits until it is gone. */
const stopRedis = async (flags: RedisFlags): Promise<void> => {
  const port = parsePort(flags.port);
  let redis: Redis;
  try {
    redis = await connectFailFast(`redis://127.0.0.1:${port}`);
  } catch {
    process.stdout.write(`no redis-server answers on 127.0.0.1:${port}; nothing to stop\n`);
    return;
  }
  // A successful SHUTDOWN never answers: the connection just closes. Whether it worked is
  // judged by the server going away, and the command's error is only the reason when it did not.
  let refusal: unknown;
  await redis.shutdown().catch((error: unknown) => {
    refusal = error;
  });
  closeQuietly(redis);
  const deadline = performance.now() + SHUTDOWN_WAIT_MS;
  while (await answersPing(port)) {
    if (performance.now() > deadline) {
      const reason = refusal instanceof Error ? refusal.message : 'it still answers PING';
      throw new QuantumError(
        'QT_REDIS_REFUSED',
        `redis-server on 127.0.0.1:${port} did not shut down (${reason}); stop it with redis-cli -p ${port} shutdown`,
      );
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  process.stdout.write(`redis-server on 127.0.0.1:${port} stopped\n`);
};

/**
 * `quantum health` (every service's last heartbeat from REDIS_URL; exit 1 when one is stale or
 * none has reported) and `quantum redis start|stop` (a local, loopback-only redis-server with
 * append-only persistence for the services).
 */
export const registerHealthCommands = (program: Command): void => {
  program
    .command('health')
    .description(
      "show every service's last heartbeat from Redis (REDIS_URL); exit 1 when any is stale or none reported",
    )
    .option('--shard <tag>', "hash tag of the engine's Redis keys (default: none, the documented names)")
    .option('--json', 'print the rows as JSON instead of a table')
    .option(
      '--expect <list>',
      'services that must have reported: all, or a list such as sizing,execution (exit 1 when one never did)',
    )
    .option(
      '--stale-after <seconds>',
      `a heartbeat older than this is stale (default ${STALE_AFTER_MS / 1000})`,
    )
    .action(showHealth);

  const redis = program
    .command('redis')
    .description('a local redis-server for the services, bound to 127.0.0.1');
  redis
    .command('start')
    .description('start redis-server in the background with append-only persistence (if none answers)')
    .option('--port <n>', `port (default ${DEFAULT_REDIS_PORT})`)
    .option('--dir <path>', 'data folder (default ~/.local/share/quantum/redis)')
    .action(startRedis);
  redis
    .command('stop')
    .description('stop the redis-server on 127.0.0.1:<port> (SHUTDOWN, flushing its data)')
    .option('--port <n>', `port (default ${DEFAULT_REDIS_PORT})`)
    .action(stopRedis);
};
