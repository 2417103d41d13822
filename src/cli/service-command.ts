import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import { type BacktestOptions, loadTradableMarket, runBacktest } from '../pipeline/backtest.js';
import { loadPipelineConfig } from '../pipeline/config.js';
import { redisUrlOf } from '../services/redis-client.js';
import { keyspace } from '../services/redis-keys.js';
import { isServiceName, SERVICE_NAMES } from '../services/service-catalog.js';
import { runServiceProcess } from '../services/service-process.js';
import { runSplit } from '../services/split-run.js';
import { createLogger } from '../sinks/logger.js';
import { printRunResult } from './backtest-command.js';
import { type DataFlags, dataOptionsOf, parseSeed, withDataOptions } from './data-options.js';
import type { LiveRunFlags } from './live-run.js';
import { createProgress } from './progress.js';
import { checkReplicasFitConfig, parseReplicasFlag, parseStageReplicasFlag } from './replicas-flag.js';
import { REQUEST_BUDGET_HELP } from './request-budget-help.js';

interface RunFlags extends DataFlags, Omit<LiveRunFlags, 'mode' | 'out'> {
  mode: string;
  speed?: string;
  out?: string;
  progress: boolean;
  split?: boolean;
  replicas?: string;
  shard?: string;
}

interface ServiceFlags extends DataFlags {
  speed?: string;
  baseDir?: string;
  replica: string;
  replicas?: string;
  shard?: string;
  metricsPort?: string;
  followModels?: boolean;
}

/** `--speed 60`: market time per wall time, > 0. */
const parseSpeed = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new UsageError(
      `--speed: expected market time per wall time > 0 (60 = an hour of candles per minute), got "${value}"`,
    );
  }
  return speed;
};

const parsePort = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag}: expected a port 0 … 65535 (0: any free one), got "${value}"`);
  }
  return port;
};

/** `quantum run` (in one process, or `--split` into services over Redis) and `quantum service <name>`. */
export const registerServiceCommands = (program: Command): void => {
  withDataOptions(
    program
      .command('run')
      .description(
        'run the engine over recorded or synthetic data: in one process, or --split into services over Redis (REDIS_URL); same report as backtest',
      ),
  )
    .option('-o, --out <dir>', 'output folder (default: output.dir of the config)')
    .option('--split', 'run each service as its own process over Redis, supervised and restarted')
    .option('--replicas <list>', 'with --split: replicas of the ai-engine, e.g. ai-engine=2')
    .option('--shard <tag>', "with --split: hash tag of the run's Redis keys (default replay)")
    .option(
      '--speed <x>',
      'with --split: replay at x times market speed (default: as fast as the stages answer)',
    )
    .option('--no-progress', 'no progress bar')
    .option(
      '--mode <mode>',
      'backtest (recorded data), paper (live data, simulated venue), testnet, live',
      'backtest',
    )
    .option('--symbols <list>', 'paper/testnet/live: symbols to trade, e.g. BTCUSDT,ETHUSDT')
    .option('--interval <i>', 'paper/testnet/live: candle interval (default 1m)')
    .option(
      '--base-url <url>',
      'paper/testnet/live: another Binance USDⓈ-M server (e.g. quantum fake-binance)',
    )
    .option('--env-file <file>', 'testnet/live: BINANCE_API_KEY and BINANCE_API_SECRET (mode 600)')
    .option('--live', 'live: confirm trading with real money')
    .option(
      '--warm-up <n>',
      'paper/testnet/live: closed candles replayed first, no orders sent on them (default 200)',
    )
    .option('--duration <d>', 'paper/testnet/live: stop after this long (30s, 10m, 2h); default until Ctrl-C')
    .option(
      '--tape',
      'paper/testnet/live: also record every trade (trades.jsonl) and best bid/ask (quotes.jsonl) of the symbols',
    )
    .addHelpText('after', `\n${REQUEST_BUDGET_HELP}`)
    .action(async (flags: RunFlags) => {
      const config = loadPipelineConfig(flags.config);
      if (flags.mode !== 'backtest') {
        if (flags.split)
          throw new UsageError('--split runs recorded data; paper, testnet and live run in one process');
        // ccxt takes seconds to load: only a live session pays for it, not every `quantum` start.
        const { runLive } = await import('./live-run.js');
        await runLive(
          { ...flags, mode: flags.mode },
          config,
          flags.config === undefined ? '.' : dirname(flags.config),
        );
        return;
      }
      if (
        !flags.split &&
        (flags.replicas !== undefined || flags.shard !== undefined || flags.speed !== undefined)
      ) {
        throw new UsageError('--replicas, --shard and --speed need --split');
      }
      const speed = parseSpeed(flags.speed);
      let progress: ReturnType<typeof createProgress> | undefined;
      const options: BacktestOptions = {
        ...dataOptionsOf(flags, config),
        now: () => performance.now(),
        outDir: flags.out,
        outDirLabel: flags.out === undefined ? 'output.dir' : '--out',
        generatedAt: new Date().toISOString(),
        onProgress: (done, total) => {
          progress ??= createProgress('run', total, 'klines', flags.progress && config.output.progress);
          progress.update(done);
        },
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      };
      const result = flags.split
        ? await runSplit({
            ...options,
            url: redisUrlOf(),
            ...(flags.shard === undefined ? {} : { shard: flags.shard }),
            ...(speed === undefined ? {} : { speed }),
            ...(process.env.QUANTUM_ALERT_WEBHOOK === undefined
              ? {}
              : { alertWebhook: process.env.QUANTUM_ALERT_WEBHOOK }),
            replicas:
              flags.replicas === undefined
                ? {}
                : checkReplicasFitConfig(parseStageReplicasFlag(flags.replicas), config),
            onSplitDone: ({ restarts, latencyMs }) => {
              const restarted = Object.entries(restarts).filter(([, n]) => n > 0);
              process.stderr.write(
                `\nsplit: per market event p50 ${latencyMs.p50.toFixed(2)} ms, p99 ${latencyMs.p99.toFixed(2)} ms through the services; ` +
                  `${restarted.length === 0 ? 'no restarts' : `restarts: ${restarted.map(([name, n]) => `${name} ${n}`).join(', ')}`}\n`,
              );
            },
            supervisor: {
              onRestart: (name, reason) =>
                process.stderr.write(`\nservice ${name} stopped (${reason}); restarting\n`),
            },
          })
        : await runBacktest(options);
      progress?.stop();
      printRunResult(config, result, flags.seed !== undefined);
    });

  withDataOptions(
    program
      .command('service')
      .description(`run one service over Redis (REDIS_URL): ${SERVICE_NAMES.join(', ')}`)
      .argument('<name>', 'service name'),
  )
    .option(
      '--base-dir <dir>',
      "folder relative model and data paths resolve against (default: the config's)",
    )
    .option('--replica <i>', 'which replica this process is (ai-engine)', '0')
    .option('--replicas <list>', 'replicas per stage of the whole deployment, e.g. ai-engine=2')
    .option('--shard <tag>', "hash tag of the engine's Redis keys (default: none, the documented names)")
    .option(
      '--speed <x>',
      'market-publisher: replay at x times market speed, e.g. 60 (default: as fast as the stages answer)',
    )
    .option('--metrics-port <port>', 'serve Prometheus /metrics on 127.0.0.1:<port> (0: any free port)')
    .option(
      '--follow-models',
      'ai-engine in production: a registry model named without @version switches to its newest version at the next candle (never for replays)',
    )
    .action(async (name: string, flags: ServiceFlags) => {
      if (!isServiceName(name)) {
        throw new UsageError(`unknown service "${name}"; expected one of ${SERVICE_NAMES.join(', ')}`);
      }
      const replica = Number(flags.replica);
      if (!Number.isInteger(replica) || replica < 0) {
        throw new UsageError(`--replica: expected 0, 1, 2 …, got "${flags.replica}"`);
      }
      const config = loadPipelineConfig(flags.config);
      const seed = parseSeed(flags.seed) ?? config.seed;
      const baseDir = resolve(flags.baseDir ?? (flags.config === undefined ? '.' : dirname(flags.config)));
      const log = createLogger(replica > 0 ? `${name}#${replica}` : name);
      const stop = new AbortController();
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
      const data = dataOptionsOf(flags, config);
      await runServiceProcess(
        {
          service: name,
          config: { ...config, seed },
          baseDir,
          url: redisUrlOf(),
          keys: keyspace(flags.shard),
          replica,
          replicas:
            flags.replicas === undefined
              ? {}
              : checkReplicasFitConfig(parseReplicasFlag(flags.replicas), config),
          metricsPort: parsePort('--metrics-port', flags.metricsPort),
          followModels: flags.followModels === true,
          ...(flags.speed === undefined ? {} : { speed: parseSpeed(flags.speed) }),
          log,
          market: () => loadTradableMarket({ ...data, configPath: undefined }, seed, baseDir),
        },
        stop.signal,
      );
    });
};
