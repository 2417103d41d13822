import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import { DEFAULT_MODELS_ROOT } from '../models/registry.js';
import { loadPipelineConfig } from '../pipeline/config.js';
import { runTraining } from '../training/train-run.js';
import { registeredTrainers } from '../training/trainer.js';
import { createProgress, type Progress } from './progress.js';

/** Where the command writes and what time it is: injectable so tests need no real stdout or clock. */
export interface TrainCommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly now: () => number;
  /** Whether stderr is a terminal (the progress bar is drawn only there). */
  readonly isTTY: boolean;
}

const defaultIo = (): TrainCommandIo => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => Date.now(),
  isTTY: process.stderr.isTTY === true,
});

interface TrainFlags {
  config?: string;
  model: string;
  data?: string;
  root: string;
  name?: string;
  quiet?: boolean;
}

/** `--model gbdt|nhits|patchtst|all` → the trainers to run (all = every registered one). */
const modelsOf = (model: string): string[] => {
  const known = registeredTrainers();
  if (model === 'all') return known;
  if (!known.includes(model)) {
    throw new UsageError(`--model "${model}": expected one of ${[...known, 'all'].join(', ')}`);
  }
  return [model];
};

/**
 * `quantum train`: labels the config's candles by forward return, scores each model on
 * walk-forward folds with purge and embargo (table on stdout), trains it on all data and
 * registers it under `<root>/<name>/<version>/`. A progress bar with ETA goes to stderr on a
 * terminal (not with --quiet, not when stderr is a pipe or file).
 */
export const registerTrainCommand = (program: Command, io: TrainCommandIo = defaultIo()): void => {
  program
    .command('train')
    .description(
      'train a model on forward-return labels with walk-forward folds (purge, embargo) and register it',
    )
    .option(
      '-c, --config <file>',
      'pipeline YAML: data, features and the training section (default: embedded)',
    )
    .requiredOption('-m, --model <model>', 'gbdt, lightgbm, nhits, patchtst (the registered trainers) or all')
    .option('-d, --data <path>', 'kline file or folder; overrides data in the config')
    .option('--root <dir>', 'model registry root', DEFAULT_MODELS_ROOT)
    .option(
      '--name <name>',
      'registry name (default <config name>-<model>; with --model all, <name>-<model>)',
    )
    .option('-q, --quiet', 'no progress bar')
    .action(async (flags: TrainFlags) => {
      // Loaded here, not at the top: the neural trainers bring tfjs, which no other command needs.
      await import('../training/trainers.js');
      const models = modelsOf(flags.model);
      const config = loadPipelineConfig(flags.config);
      const showProgress = flags.quiet !== true && io.isTTY && config.output.progress;
      let progress: Progress | undefined;
      try {
        await runTraining({
          config,
          configPath: flags.config,
          dataPath: flags.data,
          models,
          root: flags.root,
          name: flags.name,
          createdTs: io.now(),
          out: io.out,
          warn: io.err,
          onProgress: (done, total) => {
            progress ??= createProgress('train', total, 'fits', showProgress);
            progress.update(Math.round(done * 100) / 100);
          },
        });
      } finally {
        progress?.stop();
      }
    });
};
