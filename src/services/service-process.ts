import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { buildModels } from '../pipeline/build-models.js';
import type { PipelineConfig } from '../pipeline/config.js';
import type { MarketReplay } from '../pipeline/market-source.js';
import { Conductor } from './conductor.js';
import { type Heartbeat, writeHeartbeat } from './health.js';
import { hostedService } from './hosted-stages.js';
import { groupLag } from './inbox-reader.js';
import { connectRedis } from './redis-client.js';
import type { Keyspace } from './redis-keys.js';
import type { ServiceName } from './service-catalog.js';
import { ServiceMetrics } from './service-metrics.js';
import { StageHost } from './stage-host.js';

export interface ServiceProcessOptions {
  readonly service: ServiceName;
  /** The pipeline with the run's seed. */
  readonly config: PipelineConfig;
  /** Folder that relative model paths resolve against. */
  readonly baseDir: string;
  readonly url: string;
  readonly keys: Keyspace;
  readonly replica: number;
  /** Replicas per stage (the publisher routes by them; a replica owns its partition). */
  readonly replicas: Readonly<Record<string, number>>;
  /** `/metrics` port (0: any free one; undefined: none). */
  readonly metricsPort?: number;
  readonly heartbeatMs?: number;
  readonly log: Logger;
  /** The market-publisher's replay speed (market time per wall time; absent: as fast as the barrier allows). */
  readonly speed?: number;
  /** ai-engine: follow registry models to their newest version (production; never in a replay). */
  readonly followModels?: boolean;
  /** The market-publisher's market (loaded by the caller with the backtest's checks). */
  readonly market?: () => MarketReplay;
}

/**
 * One service's life (`quantum service <name>`): metrics and heartbeats, then either the
 * market-publisher's replay through the conductor (returns when it is done) or a stage host serving
 * its inboxes until `stop` aborts (SIGTERM). Redis errors are logged, not fatal: the connection
 * comes back and the work resumes where it stopped.
 */
export const runServiceProcess = async (options: ServiceProcessOptions, stop: AbortSignal): Promise<void> => {
  const { service, replica, keys, log } = options;
  const metrics = new ServiceMetrics(service, replica);
  const metricsPort = options.metricsPort === undefined ? 0 : await metrics.listen(options.metricsPort);
  const redis = connectRedis(options.url, `${service}#${replica}:health`, (error) =>
    log.warn({ err: error.message }, 'redis connection'),
  );
  const startedMs = Date.now();
  let status: Heartbeat['status'] = 'starting';
  const inboxes: string[] = [];
  const beat = async (): Promise<void> => {
    let lag = 0;
    for (const inbox of inboxes) lag += await groupLag(redis, inbox);
    if (inboxes.length > 0) metrics.lag.set({ inbox: inboxes.join(',') }, lag);
    await writeHeartbeat(redis, keys, {
      service,
      replica,
      pid: process.pid,
      status,
      beatMs: Date.now(),
      startedMs,
      ...metrics.totals,
      lag,
      metricsPort,
    });
  };
  const heartbeat = setInterval(
    () => {
      beat().catch((error: unknown) => log.warn({ err: String(error) }, 'heartbeat'));
    },
    options.heartbeatMs ?? (Number(process.env.QUANTUM_HEARTBEAT_MS) || 5000),
  );
  const onRedisError = (error: Error): void => log.warn({ err: error.message }, 'redis connection');
  try {
    await beat();
    if (service === 'market-publisher') {
      const market = options.market?.();
      if (market === undefined) throw new Error('market-publisher needs a market');
      const conductor = new Conductor({
        url: options.url,
        keys,
        config: options.config,
        replicas: options.replicas,
        ...(options.speed === undefined ? {} : { speed: options.speed }),
        onRedisError,
        onSlowStage: (stage, ms) => log.warn({ stage, waitedMs: Math.round(ms) }, 'waiting for a stage'),
      });
      status = 'running';
      const summary = await conductor.replay(market);
      await conductor.close();
      log.info(summary, 'replay done');
      status = 'done';
    } else {
      const models =
        service === 'ai-engine'
          ? buildModels(options.config, options.baseDir, {
              followLatest: options.followModels === true,
              onSwap: (model, swap) =>
                swap.error === undefined
                  ? log.info({ model, from: swap.from, to: swap.to }, 'model version switched')
                  : log.warn(
                      { model, from: swap.from, refused: swap.to, err: swap.error },
                      'model version refused',
                    ),
            })
          : [];
      const { stages, chains } = hostedService(service, options.config, models, {
        replica,
        replicas: options.replicas[service] ?? 1,
      });
      for (const { stage, partitions } of stages)
        for (const p of partitions) inboxes.push(keys.inbox(stage.name, p));
      const host = new StageHost({
        url: options.url,
        keys,
        stages,
        chains,
        consumer: `${service}#${replica}@${hostname()}:${process.pid}`,
        clockKind: 'event-time',
        observer: {
          ...metrics.observer(),
          rebuilt: (stage, entries) => log.info({ stage, entries }, 'state rebuilt from the inbox'),
        },
        onRedisError,
      });
      await host.start();
      status = 'running';
      await beat();
      log.info({ inboxes }, 'serving');
      // Until SIGTERM — or until serving fails (the process exits non-zero and is restarted).
      await Promise.race([
        host.done,
        new Promise<void>((resolve) => {
          if (stop.aborted) resolve();
          else stop.addEventListener('abort', () => resolve(), { once: true });
        }),
      ]);
      status = 'stopping';
      await host.stop();
    }
    await beat();
  } finally {
    clearInterval(heartbeat);
    await metrics.close();
    await redis.quit().catch(() => undefined);
  }
};
