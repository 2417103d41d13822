import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPrng,
  type DeadLetter,
  type EngineEvent,
  INTERVAL_MS,
  Interval,
  UsageError,
  type VenueStatusEvent,
} from '../domain/index.js';
import { createBinanceClient } from '../exchange/binance-client.js';
import { CcxtExchange } from '../exchange/ccxt-exchange.js';
import type { Exchange } from '../exchange/exchange.js';
import {
  budgetIdOf,
  inProcessRequestBudget,
  type RequestBudget,
  redisRequestBudget,
} from '../exchange/request-budget.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import { buildModels } from '../pipeline/build-models.js';
import { type PipelineConfig, simExchangeParamsOf } from '../pipeline/config.js';
import { runLiveSession } from '../pipeline/live-session.js';
import { closeQuietly, connectRedis, shownUrl } from '../services/redis-client.js';
import { keyspace } from '../services/redis-keys.js';
import { prepareOutputDir } from '../sinks/output-dir.js';
import { liveKlines } from '../streams/live-klines.js';
import { recordTape } from '../streams/tape-recorder.js';
import { parseSymbol } from './data-options.js';
import { parseDuration } from './parse-time.js';

/**
 * `quantum run --mode paper|testnet|live`: the backtest's graph on live Binance data.
 * - paper: live klines, the simulated venue (no key needed);
 * - testnet: Binance's demo-trading endpoints (or `--base-url`), keys required;
 * - live: real money — needs `--live` as well, and keys.
 * Keys come from an env file (`--env-file`, mode 600) or the environment (systemd's
 * `EnvironmentFile=`), as `BINANCE_API_KEY` / `BINANCE_API_SECRET`, and are never printed.
 */
export type LiveMode = 'paper' | 'testnet' | 'live';

export interface LiveRunFlags {
  mode: string;
  symbols?: string;
  interval?: string;
  baseUrl?: string;
  envFile?: string;
  live?: boolean;
  warmUp?: string;
  duration?: string;
  out?: string;
  tape?: boolean;
}

export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
}

/** Reads `KEY=value` lines (comments and blanks skipped, optional quotes) from an env file that only its owner can read. */
export const readEnvFile = (path: string): Record<string, string> => {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new UsageError(
      `--env-file ${path}: not found (put BINANCE_API_KEY=… and BINANCE_API_SECRET=… in it, chmod 600)`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `--env-file ${path}: readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path} — it holds the API secret`,
    );
  }
  const values: Record<string, string> = {};
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) continue;
    values[
      line
        .slice(0, at)
        .replace(/^export\s+/, '')
        .trim()
    ] = line
      .slice(at + 1)
      .trim()
      .replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
};

/** The API key pair from `--env-file` or the environment; a clear error naming what is missing. */
export const credentialsOf = (
  envFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Credentials => {
  const source = envFile === undefined ? env : readEnvFile(envFile);
  const apiKey = source.BINANCE_API_KEY;
  const secret = source.BINANCE_API_SECRET;
  const where = envFile === undefined ? 'the environment' : envFile;
  if (apiKey === undefined || apiKey === '' || secret === undefined || secret === '') {
    throw new UsageError(
      `BINANCE_API_KEY and BINANCE_API_SECRET must be set in ${where} (--env-file f, mode 600)`,
    );
  }
  return { apiKey, secret };
};

/** Masks every occurrence of the secrets in a text (errors and warnings from the venue). */
export const redactSecrets =
  (secrets: readonly string[]) =>
  (text: string): string =>
    secrets.reduce((out, secret) => (secret.length >= 4 ? out.split(secret).join('[redacted]') : out), text);

const parseMode = (value: string): LiveMode => {
  if (value === 'paper' || value === 'testnet' || value === 'live') return value;
  throw new UsageError(`--mode: expected backtest, paper, testnet or live, got "${value}"`);
};

/** A command's request-weight budget and how to let go of it. */
export interface CommandBudget {
  readonly budget: RequestBudget;
  /** `REDIS_URL` as it may be printed, when the budget is shared through Redis. */
  readonly sharedThrough?: string;
  close(): void;
}

export { REQUEST_BUDGET_HELP } from './request-budget-help.js';

/**
 * One request-weight budget for every Binance client of a command (`request-budget.ts`): in Redis
 * when `REDIS_URL` is set — shared with every other process of the same key on the same venue —
 * else in this process. `venue` is the REST root the key is used on.
 */
export const commandRequestBudget = (
  apiKey: string | undefined,
  venue: string,
  onWarning: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): CommandBudget => {
  const url = env.REDIS_URL;
  if (url === undefined || url === '') return { budget: inProcessRequestBudget(), close: () => undefined };
  const redis = connectRedis(url, 'request-budget');
  return {
    budget: redisRequestBudget({
      redis,
      budgetId: budgetIdOf(apiKey, venue),
      prefix: keyspace().prefix,
      onWarning,
    }),
    sharedThrough: shownUrl(url),
    close: () => closeQuietly(redis),
  };
};

/** What reconciliation changed at the venue, as the session reports it: orphans cancelled, stops re-placed. */
const reconciliationChange = (event: EngineEvent | DeadLetter): string | undefined => {
  if (event.kind === 'cancel-order' && event.reason.startsWith('orphan'))
    return `cancelled ${event.clientOrderId} (${event.reason})`;
  if (
    event.kind === 'order-request' &&
    event.intentId.startsWith('adopted:') &&
    event.purpose === 'STOP_LOSS'
  )
    return `stop ${event.side} ${event.qty} ${event.symbol} at ${event.stopPrice} sent (${event.reason ?? 'adopted position'})`;
  return undefined;
};

/** Runs a paper, testnet or live session until `--duration` ends or SIGINT/SIGTERM. */
export const runLive = async (
  flags: LiveRunFlags,
  config: PipelineConfig,
  baseDir: string,
): Promise<void> => {
  const mode = parseMode(flags.mode);
  if (mode === 'live' && flags.live !== true) {
    throw new UsageError(
      '--mode live trades real money: add --live to confirm (and check the banner it prints)',
    );
  }
  if (flags.symbols === undefined)
    throw new UsageError(`--mode ${mode} needs --symbols (e.g. BTCUSDT,ETHUSDT)`);
  const symbols = flags.symbols.split(',').map((s) => parseSymbol(s.trim()));
  const interval = Interval.safeParse(flags.interval ?? '1m');
  if (!interval.success)
    throw new UsageError(
      `--interval: expected one of ${Interval.options.join(', ')}, got "${flags.interval}"`,
    );
  const warmUp = Number(flags.warmUp ?? 200);
  if (!Number.isInteger(warmUp) || warmUp < 0)
    throw new UsageError(`--warm-up: expected a number of candles ≥ 0, got "${flags.warmUp}"`);
  const durationMs = parseDuration(flags.duration);
  const credentials = mode === 'paper' ? undefined : credentialsOf(flags.envFile);
  const redact = redactSecrets(credentials === undefined ? [] : [credentials.apiKey, credentials.secret]);
  const say = (text: string): void => {
    process.stderr.write(`${redact(text)}\n`);
  };

  const outDir = flags.out ?? join(config.output.dir, `session-${mode}`);
  prepareOutputDir(outDir, flags.out === undefined ? 'output.dir' : '--out');
  // A running session follows registry models to their newest version (continuous learning).
  const models = buildModels(config, baseDir, {
    followLatest: true,
    onSwap: (model, { from, to, error }) =>
      say(
        error === undefined
          ? `model ${model}: now ${to} (was ${from})`
          : `model ${model}: kept ${from}, refused ${to}: ${error}`,
      ),
  });
  // One budget for both clients: Binance counts the weight of the feed's requests and the venue's
  // together. Made once nothing before the session can fail, so a Redis connection never outlives it.
  const requestBudget = commandRequestBudget(
    credentials?.apiKey,
    flags.baseUrl ?? (mode === 'testnet' ? 'https://demo-fapi.binance.com' : 'https://fapi.binance.com'),
    say,
  );
  const clientOptions = {
    ...(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl }),
    testnet: mode === 'testnet',
    budget: requestBudget.budget,
  };
  // Market data needs no key; the venue's client is signed.
  const marketClient = createBinanceClient(clientOptions);
  const venueClient =
    credentials === undefined ? undefined : createBinanceClient({ ...clientOptions, ...credentials });
  const exchange: Exchange =
    venueClient === undefined
      ? new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'))
      : new CcxtExchange({ client: venueClient, symbols, onWarning: (w) => say(`venue: ${w}`) });

  const intervalMs = INTERVAL_MS[interval.data];
  const now = Date.now();
  const liveFromTs = Math.floor(now / intervalMs) * intervalMs;
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  const timer = durationMs === undefined ? undefined : setTimeout(() => stop.abort(), durationMs);
  const venueName = flags.baseUrl ?? (mode === 'testnet' ? 'Binance demo trading' : 'Binance USDⓈ-M');
  let trades = 0;
  // Trades and book tickers, recorded beside the session (they do not drive the graph).
  const tape =
    flags.tape === true
      ? recordTape({ client: marketClient, symbols, dir: outDir, onWarning: (w) => say(`tape: ${w}`) })
      : undefined;
  const summary = await runLiveSession({
    config,
    exchange,
    market$: liveKlines({
      client: marketClient,
      symbols,
      interval: interval.data,
      after: new Map(symbols.map((s) => [s, liveFromTs - (warmUp + 1) * intervalMs])),
      onWarning: (w) => say(`market: ${w}`),
    }),
    models,
    liveFromTs,
    signal: stop.signal,
    recordDir: outDir,
    describe: {
      mode,
      venue: mode === 'paper' ? 'sim' : venueName,
      symbols,
      interval: interval.data,
      warmUp,
      startedAt: new Date(now).toISOString(),
    },
    onConnected: (reports: readonly VenueStatusEvent[]) => {
      const account = reports.find((r) => r.kind === 'account-status-report');
      const done = reports.find((r) => r.kind === 'reconciliation-completed');
      say(
        `quantum run: mode ${mode.toUpperCase()} · venue ${mode === 'paper' ? `simulated (live data from ${venueName})` : venueName} · ` +
          `account ${account?.kind === 'account-status-report' ? account.walletUsdt.toFixed(2) : '?'} USDT, ` +
          `${done?.kind === 'reconciliation-completed' ? `${done.positions} positions, ${done.orders} open orders` : 'state unknown'} · ` +
          `${symbols.join(',')} ${interval.data} · warm-up ${warmUp} candles · recording ${outDir}` +
          `${credentials === undefined ? '' : ` · keys from ${flags.envFile ?? 'the environment'}`}` +
          `${requestBudget.sharedThrough === undefined ? '' : ` · request weight shared through ${requestBudget.sharedThrough}`}`,
      );
      for (const report of reports) {
        if (report.kind === 'position-status-report')
          say(
            `reconciliation: adopted ${report.side} ${report.qty} ${report.symbol} @ ${report.entryPrice} (${report.leverage}×), not opened by this session`,
          );
      }
    },
    onEvent: (event: EngineEvent | DeadLetter) => {
      const change = reconciliationChange(event);
      if (change !== undefined) say(`reconciliation: ${change}`);
      if (event.kind === 'trade-closed') trades++;
      if (event.kind === 'dead-letter') say(`dead letter: ${event.reason}`);
    },
  }).finally(() => {
    tape?.stop();
    return requestBudget.close();
  });
  if (timer !== undefined) clearTimeout(timer);
  await marketClient.close().catch(() => undefined);
  say(
    `session ended: ${summary.marketEvents} candles, ${trades} trades closed, ${summary.refusedStale} warm-up decisions not sent, ` +
      `${summary.deadLetters} dead letters${tape === undefined ? '' : `, ${tape.counts.trades} trades and ${tape.counts.quotes} quotes taped`}; recording in ${outDir} (replay: quantum backtest --data ${join(outDir, 'market.jsonl')})`,
  );
};
