#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBacktestCommand } from './cli/backtest-command.js';
import { registerConfigCommands } from './cli/config-command.js';
import { registerDataCommands } from './cli/data-command.js';
import { registerDeployCommands } from './cli/deploy-command.js';
import { reportCliError } from './cli/errors.js';
import { registerFakeBinanceCommand } from './cli/fake-binance-command.js';
import { registerFeaturesCommand } from './cli/features-command.js';
import { registerHealthCommands } from './cli/health-command.js';
import { registerLearnCommand } from './cli/learn-command.js';
import { registerModelsCommands } from './cli/models-command.js';
import { registerReplayCommand } from './cli/replay-command.js';
import { registerServiceCommands } from './cli/service-command.js';
import { registerTrainCommand } from './cli/train-command.js';

/** The installed package's version (package.json two folders above dist/src/cli.js, or src/cli.ts one above). */
const packageVersion = (): string => {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'quantum' && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not there from this layout: try the next.
    }
  }
  return 'unknown';
};

/** `quantum <command>`: the engine's command line. Bad input exits 2 with the place and the fix. */
const main = async (argv: readonly string[]): Promise<number> => {
  const program = new Command('quantum')
    .description('Quantum: a reactive trading engine for Binance USDT-M perpetual futures')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  registerBacktestCommand(program);
  registerFeaturesCommand(program);
  registerModelsCommands(program);
  registerConfigCommands(program);
  registerServiceCommands(program);
  registerDeployCommands(program);
  registerHealthCommands(program);
  registerReplayCommand(program);
  registerFakeBinanceCommand(program);
  registerDataCommands(program);
  registerTrainCommand(program);
  registerLearnCommand(program);
  try {
    await program.parseAsync([...argv]);
    // A command that reports a failed check without throwing (`quantum health`: a stale service) sets the code.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportCliError(error);
  }
};

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportCliError(error);
  },
);
