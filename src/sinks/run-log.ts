import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Kline } from '../domain/index.js';
import { REDACT_PATHS } from './logger.js';

/** The run's config as far as the log needs it: its name, and the whole of it for the hash. */
export interface RunLogConfig {
  readonly name: string;
}

/** The market the run replayed, as far as the log needs it. */
export interface RunLogMarket {
  readonly source: string;
  readonly symbols: readonly string[];
  readonly klines: readonly Kline[];
  readonly issues: readonly unknown[];
  readonly files: readonly {
    readonly path: string;
    readonly format: string;
    readonly symbols: readonly string[];
    readonly interval?: string;
    readonly klines: number;
    readonly skipped?: string;
  }[];
}

/** What a run log records beyond the config and the data. */
export interface RunLogFacts {
  readonly seed: number;
  readonly counts: Record<string, unknown>;
  readonly deadLetters: number;
  readonly trades: number;
  readonly warnings: readonly string[];
  /** Wall-clock phases in ms, when the caller measured them (the engine reads no clock). */
  readonly timingsMs?: Readonly<Record<string, number>>;
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** sha256 of a file, or why it could not be read. */
const fileHash = (path: string): string => {
  try {
    return sha256(readFileSync(path));
  } catch (error) {
    return `unreadable: ${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
};

/**
 * Writes `run.log.jsonl` beside the report: structured pino lines a user (or a support request)
 * can rebuild the run from — the config's hash, every data file with its sha256 and what was taken
 * from it, the counts, dead letters, warnings and timings. Secrets are redacted as in every log.
 */
export const writeRunLog = (
  path: string,
  config: RunLogConfig,
  market: RunLogMarket,
  facts: RunLogFacts,
): string => {
  const destination = pino.destination({ dest: path, sync: true, append: false, mkdir: true });
  const log = pino(
    { base: { run: config.name }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination,
  );
  log.info(
    {
      config: config.name,
      configSha256: sha256(JSON.stringify(config)),
      seed: facts.seed,
      dataSource: market.source,
      symbols: market.symbols,
      klines: market.klines.length,
      from: market.klines[0]?.openTime,
      to: market.klines.at(-1)?.ts,
    },
    'run',
  );
  for (const file of market.files) {
    log.info(
      {
        path: file.path,
        sha256: fileHash(file.path),
        format: file.format,
        symbols: file.symbols,
        interval: file.interval,
        klines: file.klines,
        skipped: file.skipped,
      },
      'data file',
    );
  }
  log.info(
    {
      counts: facts.counts,
      trades: facts.trades,
      deadLetters: facts.deadLetters,
      dataIssues: market.issues.length,
    },
    'counts',
  );
  for (const warning of facts.warnings) log.warn({ warning }, 'warning');
  if (facts.timingsMs !== undefined) log.info({ timingsMs: facts.timingsMs }, 'timings');
  destination.flushSync();
  destination.end();
  return path;
};
