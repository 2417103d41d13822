import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import {
  featureImportance,
  GBDT_OBJECTIVES,
  type GbdtObjective,
  type GbdtParams,
  readTrainingData,
  toXgboostJson,
  trainGbdt,
} from '../models/gbdt/index.js';

/** The options of `quantum models train`, as commander hands them over (strings). */
export interface TrainOptions {
  data: string;
  valid?: string;
  objective: string;
  numClass?: string;
  rounds: string;
  maxDepth: string;
  maxLeaves?: string;
  growPolicy: string;
  eta: string;
  lambda?: string;
  alpha?: string;
  minChildWeight?: string;
  gamma?: string;
  subsample?: string;
  colsampleBytree?: string;
  baseScore?: string;
  seed: string;
  earlyStoppingRounds?: string;
  progressEvery: string;
  out: string;
}

const numberOption = (text: string | undefined, option: string, integer = false): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < 0) {
    throw new UsageError(`${option} "${text}": expected ${integer ? 'an integer' : 'a number'} ≥ 0`);
  }
  return value;
};

/** Options → trainer params (UsageError naming the option on a bad value). */
export const trainParamsOf = (options: TrainOptions): GbdtParams => {
  if (!GBDT_OBJECTIVES.includes(options.objective as GbdtObjective)) {
    throw new UsageError(`--objective "${options.objective}": expected one of ${GBDT_OBJECTIVES.join(', ')}`);
  }
  if (options.growPolicy !== 'depthwise' && options.growPolicy !== 'lossguide') {
    throw new UsageError(`--grow-policy "${options.growPolicy}": expected depthwise or lossguide`);
  }
  const objective = options.objective as GbdtObjective;
  const numClass = numberOption(options.numClass, '--num-class', true);
  if (objective === 'multi:softprob' && (numClass === undefined || numClass < 2)) {
    throw new UsageError('--objective multi:softprob needs --num-class K (K ≥ 2, e.g. 3 for SELL/HOLD/BUY)');
  }
  if (objective !== 'multi:softprob' && numClass !== undefined) {
    throw new UsageError(`--num-class is for multi:softprob only, not ${objective}`);
  }
  return {
    objective,
    numClass,
    rounds: numberOption(options.rounds, '--rounds', true) as number,
    maxDepth: numberOption(options.maxDepth, '--max-depth', true),
    maxLeaves: numberOption(options.maxLeaves, '--max-leaves', true),
    growPolicy: options.growPolicy,
    eta: numberOption(options.eta, '--eta'),
    lambda: numberOption(options.lambda, '--lambda'),
    alpha: numberOption(options.alpha, '--alpha'),
    minChildWeight: numberOption(options.minChildWeight, '--min-child-weight'),
    gamma: numberOption(options.gamma, '--gamma'),
    subsample: numberOption(options.subsample, '--subsample'),
    colsampleBytree: numberOption(options.colsampleBytree, '--colsample-bytree'),
    baseScore: numberOption(options.baseScore, '--base-score'),
    seed: numberOption(options.seed, '--seed', true),
    earlyStoppingRounds: numberOption(options.earlyStoppingRounds, '--early-stopping-rounds', true),
  };
};

/**
 * `quantum models train`: reads the data, trains, writes the XGBoost JSON model and prints a
 * progress line every `--progress-every` rounds (with the validation metric), the final
 * validation metric and the ten most important features by total gain.
 */
export const runTrain = (options: TrainOptions, out: (text: string) => void): void => {
  const params = trainParamsOf(options);
  const every = numberOption(options.progressEvery, '--progress-every', true) as number;
  if (params.earlyStoppingRounds !== undefined && options.valid === undefined) {
    throw new UsageError('--early-stopping-rounds needs --valid <file> (it stops on the validation metric)');
  }
  const train = readTrainingData(options.data);
  const valid = options.valid === undefined ? undefined : readTrainingData(options.valid, train.featureCount);
  if (valid !== undefined && valid.featureCount !== train.featureCount) {
    throw new UsageError(
      `${options.valid}: ${valid.featureCount} features, but ${options.data} has ${train.featureCount}; ` +
        'export both with the same feature list',
    );
  }
  out(
    `training ${params.objective} on ${train.rowCount} rows × ${train.featureCount} features (${options.data})\n`,
  );
  const model = trainGbdt(train, params, valid, (round, metric) => {
    if (every > 0 && ((round + 1) % every === 0 || round + 1 === params.rounds)) {
      const shown = metric === undefined ? '' : ` valid-${evalName(params.objective)} ${metric.toFixed(6)}`;
      out(`round ${round + 1}/${params.rounds}${shown}\n`);
    }
  });
  writeFileSync(options.out, toXgboostJson(model));
  out(`wrote ${options.out} (${model.trees.length} trees, ${model.roundsKept} rounds, XGBoost JSON)\n`);
  if (model.validHistory.length > 0) {
    const metric = model.validHistory[model.roundsKept - 1];
    out(`validation ${model.metric}: ${metric.toFixed(6)} (round ${model.roundsKept})\n`);
  }
  out('feature importance (top 10 by total gain): feature\tgain\tcover\tsplits\n');
  for (const entry of featureImportance(model).slice(0, 10)) {
    out(`  ${entry.name}\t${entry.gain.toFixed(4)}\t${entry.cover.toFixed(2)}\t${entry.splits}\n`);
  }
};

const evalName = (objective: GbdtObjective): string =>
  objective === 'binary:logistic' ? 'logloss' : objective === 'multi:softprob' ? 'mlogloss' : 'rmse';

/** Registers `quantum models train …` under the `models` command. */
export const registerTrainCommand = (models: Command, out: (text: string) => void): void => {
  models
    .command('train')
    .description('train a gradient-boosted tree model here; saves XGBoost JSON (loads in real XGBoost)')
    .requiredOption('--data <file>', 'training rows: .libsvm, or feature-export .csv with a label column')
    .option('--valid <file>', 'validation rows (metric per round, early stopping)')
    .requiredOption('--objective <name>', `one of ${GBDT_OBJECTIVES.join(', ')}`)
    .option('--num-class <k>', 'classes for multi:softprob (3: SELL/HOLD/BUY)')
    .option('--rounds <n>', 'boosting rounds', '100')
    .option('--max-depth <d>', 'max tree depth (0 = unlimited, lossguide only)', '6')
    .option('--max-leaves <n>', 'max leaves per tree (0 = unlimited)')
    .option('--grow-policy <policy>', 'depthwise (XGBoost) or lossguide (leaf-wise, LightGBM)', 'depthwise')
    .option('--eta <e>', 'learning rate', '0.3')
    .option('--lambda <l>', 'L2 regularisation (default 1)')
    .option('--alpha <a>', 'L1 regularisation (default 0)')
    .option('--min-child-weight <w>', 'least hessian per child (default 1)')
    .option('--gamma <g>', 'least loss reduction to split (default 0)')
    .option('--subsample <r>', 'share of rows per tree (default 1)')
    .option('--colsample-bytree <r>', 'share of features per tree (default 1)')
    .option('--base-score <s>', 'initial prediction (default 0.5)')
    .option('--seed <n>', 'seed of the row/column sampling', '0')
    .option('--early-stopping-rounds <n>', 'stop after n rounds without a better validation metric')
    .option('--progress-every <n>', 'print a progress line every n rounds (0 = none)', '10')
    .requiredOption('--out <file>', 'where to write the model (XGBoost JSON)')
    .action((options: TrainOptions) => runTrain(options, out));
};
