import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { type BacktestOptions, type BacktestResult, runWithReplay } from '../pipeline/backtest.js';
import { deadLetterOf } from '../pipeline/market-source.js';
import { createLogger } from '../sinks/logger.js';
import { createAlerter } from './alerts.js';
import { outcomeFromJournal } from './journal.js';
import { closeQuietly, connectFailFast, connectRedis } from './redis-client.js';
import { type Keyspace, keyspace } from './redis-keys.js';
import { PARTITIONABLE_SERVICES, STAGE_SERVICES } from './service-catalog.js';
import { type ChildSpec, Supervisor, type SupervisorOptions } from './supervisor.js';
import { startWatchdog } from './watchdog.js';

export interface SplitRunOptions extends BacktestOptions {
  /** Redis (`REDIS_URL`). */
  readonly url: string;
  /** Hash tag of the run's keys; default `replay` (`quantum:{replay}:…`). */
  readonly shard?: string;
  /** Replay speed (market time per wall time); default as fast as the stages answer. */
  readonly speed?: number;
  /** Replicas per partitionable service (the ai-engine); default 1. */
  readonly replicas?: Readonly<Record<string, number>>;
  /** Where each service's log goes (`<dir>/<service>.log`); default `<out>/services`, or none. */
  readonly logDir?: string;
  /** How the services are started and restarted. */
  readonly supervisor?: Omit<SupervisorOptions, 'logDir' | 'env'>;
  /** A service without a heartbeat for this long is restarted (default 120 s, the seed's rule). */
  readonly staleAfterMs?: number;
  /** Heartbeat period of the services (default 5 s; must be well under `staleAfterMs`). */
  readonly heartbeatMs?: number;
  /** Where alerts go besides the log (`QUANTUM_ALERT_WEBHOOK`); the same alert at most once per `alertIntervalMs`. */
  readonly alertWebhook?: string;
  readonly alertIntervalMs?: number;
  /** Hears how the split went: restarts per service, starts of the publisher, cascade latency. */
  readonly onSplitDone?: (info: SplitRunInfo) => void;
  /** Sees the supervisor once every service is started (chaos tests kill children through it). */
  readonly onStarted?: (supervisor: Supervisor) => void;
}

/** What a finished split run tells besides its report. */
export interface SplitRunInfo {
  readonly restarts: Readonly<Record<string, number>>;
  /** Per market event, ms from release (or due time) to the quiescence of its cascade. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** Deletes every key of the run's keyspace (a split replay starts from a clean slate in its own keys). */
export const clearKeyspace = async (redis: Redis, keys: Keyspace): Promise<number> => {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000);
    if (batch.length > 0) deleted += await redis.del(...batch);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
};

/** The children of a split run: the publisher (one-shot) and every stage service with its replicas. */
export const splitChildren = (
  common: readonly string[],
  publisherArgs: readonly string[],
  replicas: Readonly<Record<string, number>>,
): ChildSpec[] => {
  const children: ChildSpec[] = [
    {
      name: 'market-publisher',
      args: ['service', 'market-publisher', ...common, ...publisherArgs],
      oneShot: true,
    },
  ];
  for (const service of STAGE_SERVICES) {
    const count = PARTITIONABLE_SERVICES.has(service) ? Math.max(1, replicas[service] ?? 1) : 1;
    for (let replica = 0; replica < count; replica++) {
      children.push({
        name: count > 1 ? `${service}#${replica}` : service,
        args: ['service', service, ...common, '--replica', String(replica)],
      });
    }
  }
  return children;
};

/**
 * `quantum run --split`: the run as separate processes over Redis — the market-publisher (the
 * conductor) and every stage service, supervised and restarted when they die — with the same
 * checks before and the same report files after as `quantum backtest`, made from the run's journal.
 * The effective config (seed included) is handed to the services as a JSON file, so they run
 * exactly this pipeline; progress comes from the run hash.
 */
export const runSplit = (options: SplitRunOptions): Promise<BacktestResult> =>
  runWithReplay(options, async ({ market, seed }) => {
    // Redis missing is a clear error now, not a run that waits forever for it.
    closeQuietly(await connectFailFast(options.url));
    const keys = keyspace(options.shard ?? 'replay');
    const redis = connectRedis(options.url, 'quantum-run');
    const workDir = mkdtempSync(join(tmpdir(), 'quantum-split-'));
    const configFile = join(workDir, 'pipeline.json');
    writeFileSync(configFile, JSON.stringify({ ...options.config, seed }), { mode: 0o600 });
    const baseDir = resolve(options.configPath === undefined ? '.' : dirname(options.configPath));
    const replicas = options.replicas ?? {};
    const replicaSpec = Object.entries(replicas)
      .map(([stage, n]) => `${stage}=${n}`)
      .join(',');
    const common = [
      '--config',
      configFile,
      '--base-dir',
      baseDir,
      '--shard',
      options.shard ?? 'replay',
      ...(replicaSpec === '' ? [] : ['--replicas', replicaSpec]),
    ];
    const publisherArgs = [
      ...(options.dataPath === undefined ? [] : ['--data', resolve(options.dataPath)]),
      ...(options.symbol === undefined ? [] : ['--symbol', options.symbol]),
      ...(options.from === undefined ? [] : ['--from', String(options.from)]),
      ...(options.to === undefined ? [] : ['--to', String(options.to)]),
      ...(options.speed === undefined ? [] : ['--speed', String(options.speed)]),
    ];
    const logDir =
      options.logDir ?? (typeof options.outDir === 'string' ? join(options.outDir, 'services') : undefined);
    if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
    const log = createLogger('supervisor');
    const alerter = createAlerter({
      log,
      ...(options.alertWebhook === undefined ? {} : { webhookUrl: options.alertWebhook }),
      ...(options.alertIntervalMs === undefined ? {} : { intervalMs: options.alertIntervalMs }),
    });
    const supervisor = new Supervisor({
      ...options.supervisor,
      logDir,
      onRestart: (name, reason) => {
        options.supervisor?.onRestart?.(name, reason);
        void alerter.alert(`restart:${name}`, `service ${name} stopped (${reason}); restarting`);
      },
      env: {
        ...process.env,
        REDIS_URL: options.url,
        QUANTUM_LOG_LEVEL: process.env.QUANTUM_LOG_LEVEL ?? 'info',
        ...(options.heartbeatMs === undefined ? {} : { QUANTUM_HEARTBEAT_MS: String(options.heartbeatMs) }),
      },
    });
    // A service that is alive but silent (hung, stopped) is killed; the supervisor starts it again.
    const staleAfterMs = options.staleAfterMs ?? 120_000;
    const watchdog = startWatchdog({
      redis,
      keys,
      staleAfterMs,
      intervalMs: Math.max(250, Math.min(10_000, staleAfterMs / 4)),
      expected: () =>
        supervisor.running().map(({ name, sinceMs }) => {
          const [service, replica] = name.split('#');
          return { service, replica: Number(replica ?? 0), sinceMs };
        }),
      onStale: (row) => {
        const names = supervisor.names();
        const replicaName = `${row.service}#${row.replica}`;
        const name = names.includes(replicaName) ? replicaName : row.service;
        void alerter.alert(
          `stale:${name}`,
          `service ${name} sent no heartbeat for ${Math.round(row.ageMs / 1000)} s; restarting it`,
        );
        supervisor.kill(name, 'SIGKILL');
      },
      onError: (error) => log.warn({ err: String(error) }, 'watchdog'),
    });
    let progress: ReturnType<typeof setInterval> | undefined;
    try {
      await clearKeyspace(redis, keys);
      supervisor.start(splitChildren(common, publisherArgs, replicas));
      options.onStarted?.(supervisor);
      const total = market.klines.length;
      progress = setInterval(() => {
        redis.hget(keys.run, 'released').then(
          (released) => options.onProgress?.(Math.min(total, Number(released ?? 0)), total),
          () => undefined,
        );
      }, 500);
      await supervisor.done('market-publisher');
      clearInterval(progress);
      options.onProgress?.(total, total);
      const run = await redis.hgetall(keys.run);
      options.onSplitDone?.({
        restarts: supervisor.restarts(),
        latencyMs: {
          p50: Number(run.latencyP50Ms),
          p99: Number(run.latencyP99Ms),
          max: Number(run.latencyMaxMs),
        },
      });
      return await outcomeFromJournal(
        redis,
        keys.journal,
        market.intervalMs,
        market.issues.map(deadLetterOf),
      );
    } finally {
      clearInterval(progress);
      watchdog.stop();
      await supervisor.stop();
      await redis.quit().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
    }
  });
