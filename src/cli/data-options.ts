import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import type { BacktestOptions } from '../pipeline/backtest.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { parseTimeOption } from './parse-time.js';

/** The flags that choose a run's market: `backtest`, `run` and the market-publisher share them. */
export interface DataFlags {
  config?: string;
  data?: string;
  symbol?: string;
  from?: string;
  to?: string;
  seed?: string;
}

/** `--symbol`: an exchange symbol id such as BTCUSDT. */
export const parseSymbol = (value: string): string => {
  if (!/^[A-Z0-9]{2,30}$/.test(value)) {
    throw new UsageError(`--symbol: expected an exchange symbol id such as BTCUSDT, got "${value}"`);
  }
  return value;
};

export const parseSeed = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(
      `--seed: expected an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, got "${value}"`,
    );
  }
  return Number(value);
};

/** The run options those flags give (`--from` before `--to`, a valid symbol and seed). */
export const dataOptionsOf = (flags: DataFlags, config: PipelineConfig): BacktestOptions => {
  const from = parseTimeOption('--from', flags.from);
  const to = parseTimeOption('--to', flags.to);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new UsageError(`--from must be before --to (got ${flags.from} ≥ ${flags.to})`);
  }
  return {
    config,
    configPath: flags.config,
    dataPath: flags.data,
    ...(flags.symbol === undefined ? {} : { symbol: parseSymbol(flags.symbol) }),
    from,
    to,
    seed: parseSeed(flags.seed),
  };
};

/** Adds the market flags to a command. */
export const withDataOptions = (command: Command): Command =>
  command
    .option('-c, --config <file>', 'pipeline YAML (default: the embedded default pipeline)')
    .option(
      '-d, --data <path>',
      'kline file or folder (Binance CSV, freqtrade JSON, JSONL); overrides data in the config',
    )
    .option('--symbol <symbol>', 'symbol of a single data file whose name has none (e.g. mydata.csv)')
    .option('--from <time>', 'first candle close to include (ISO date or ms)')
    .option('--to <time>', 'candle close to stop before (ISO date or ms)')
    .option('--seed <n>', 'seed for the synthetic market and the simulator (default: config seed)');
