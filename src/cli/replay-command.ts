import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import { compareSession, formatComparison } from '../pipeline/replay-compare.js';

/**
 * `quantum replay --compare <session>`: a recorded paper/testnet/live session (`quantum run --mode …
 * --out dir`) run again as a backtest and compared event by event. Exit 1 when a decision diverged.
 */
export const registerReplayCommand = (program: Command): void => {
  program
    .command('replay')
    .description('replay a recorded live session as a backtest and show where they diverge')
    .requiredOption('--compare <session>', 'session folder written by quantum run --mode paper|testnet|live')
    .option('--json', 'print the comparison as JSON')
    .option('--limit <n>', 'divergences listed (default 20)', '20')
    .action(async (flags: { compare: string; json?: boolean; limit: string }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 0)
        throw new UsageError(`--limit: expected a count ≥ 0, got "${flags.limit}"`);
      const result = await compareSession(flags.compare);
      process.stdout.write(
        `${flags.json === true ? JSON.stringify(result, null, 2) : formatComparison(result, limit)}\n`,
      );
      if (result.divergences.length > 0) process.exitCode = 1;
    });
};
