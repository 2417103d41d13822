import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Action } from '../domain/common.js';
import { UsageError } from '../domain/errors.js';
import { readFeatureRows } from '../models/feature-rows.js';
import { DEFAULT_MODELS_ROOT, importModel, listModels, loadModel } from '../models/registry.js';
import { registerTrainCommand } from './models-train.js';

/** Where the commands write and what time it is: injectable so tests need no real stdout or clock. */
export interface ModelsCommandIo {
  readonly out: (text: string) => void;
  readonly now: () => number;
}

const defaultIo: ModelsCommandIo = { out: (text) => process.stdout.write(text), now: () => Date.now() };

/**
 * A prediction as the XGBoost CLI prints it: C's `%.9g` (9 significant digits — enough to read
 * back the same float32 — trailing zeros dropped, exponent form below 1e-4 or from 1e9), so
 * `quantum models predict` output can be diffed against `xgboost task=pred` output as text.
 */
export const formatPrediction = (value: number): string => {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential(8).split('e');
  const exponent = Number(exponentText);
  const trim = (text: string): string => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);
  if (exponent < -4 || exponent >= 9) {
    const sign = exponent < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trim(value.toFixed(8 - exponent));
};

const parseList = (text: string, option: string): string[] => {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new UsageError(`${option} "${text}": empty name in the list`);
  return items;
};

const parseInteger = (text: string, option: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new UsageError(`${option} "${text}": expected an integer ≥ 0`);
  return value;
};

interface ImportOptions {
  name?: string;
  features?: string;
  featuresFrom?: string;
  root: string;
  warmup?: string;
  classes?: string;
  labelHorizon?: string;
  labelThresholdPct?: string;
}

const runImport = (file: string, options: ImportOptions, io: ModelsCommandIo): void => {
  if (options.features !== undefined && options.featuresFrom !== undefined) {
    throw new UsageError('give either --features or --features-from, not both');
  }
  const classes = options.classes === undefined ? undefined : parseList(options.classes, '--classes');
  const badClass = classes?.find((c) => !Action.safeParse(c).success);
  if (badClass !== undefined) throw new UsageError(`--classes: "${badClass}" is not one of BUY, SELL, HOLD`);
  const registeredBefore = new Set(listModels(options.root).map((m) => `${m.name}@${m.version}`));
  const manifest = importModel({
    file,
    name: options.name,
    features: options.features === undefined ? undefined : parseList(options.features, '--features'),
    featuresFile: options.featuresFrom,
    root: options.root,
    warmup: options.warmup === undefined ? undefined : parseInteger(options.warmup, '--warmup'),
    classes: classes as Action[] | undefined,
    label:
      options.labelHorizon === undefined
        ? undefined
        : {
            horizon: parseInteger(options.labelHorizon, '--label-horizon'),
            thresholdPct:
              options.labelThresholdPct === undefined ? undefined : Number(options.labelThresholdPct),
          },
    createdTs: io.now(),
  });
  const where = `${resolve(options.root)}/${manifest.name}/${manifest.version}`;
  io.out(
    registeredBefore.has(`${manifest.name}@${manifest.version}`)
      ? `already registered as ${manifest.name}@${manifest.version} (same model, features and options) in ${where}\n`
      : `imported ${manifest.name}@${manifest.version} (${manifest.objective}, ${manifest.features.length} features) into ${where}\n`,
  );
};

const runList = (options: { root: string; json?: boolean }, io: ModelsCommandIo): void => {
  const manifests = listModels(options.root);
  if (options.json === true) {
    io.out(`${JSON.stringify(manifests)}\n`);
    return;
  }
  // One rule for where models live, said where models are listed.
  io.out(
    `registry: ${resolve(options.root)} (--root, default ./models of the working directory; a pipeline finds its ` +
      'models there too, unless its models[].root names another folder, relative to the config file)\n',
  );
  if (manifests.length === 0) {
    io.out(`no models in ${options.root}\n`);
    return;
  }
  io.out('name\tversion\tobjective\tfeatures\tcreated\n');
  for (const m of manifests) {
    const created = new Date(m.createdTs).toISOString();
    io.out(`${m.name}\t${m.version}\t${m.objective}\t${m.features.length}\t${created}\n`);
  }
};

const runPredict = (
  options: { model: string; data: string; root: string; margin?: boolean },
  io: ModelsCommandIo,
): void => {
  const loaded = loadModel(options.model, options.root);
  const { rows } = readFeatureRows(options.data, loaded.manifest.features);
  const out = new Float64Array(loaded.predictor.numGroup);
  const lines: string[] = [];
  for (const row of rows) {
    if (options.margin === true) loaded.predictor.predictMargin(row, out);
    else loaded.predictor.predict(row, out);
    lines.push(Array.from(out, formatPrediction).join(','));
  }
  io.out(lines.length > 0 ? `${lines.join('\n')}\n` : '');
};

/**
 * Registers `quantum models …`:
 * - `import <file> [--name n] [--features a,b,c | --features-from export.csv] [--root dir]
 *   [--warmup n] [--classes SELL,HOLD,BUY] [--label-horizon n] [--label-threshold-pct x]`:
 *   copies an XGBoost JSON or LightGBM text model (`model.txt`, told apart by content) into the
 *   registry and prints `imported name@version …`;
 * - `list [--root dir] [--json]`: one line per model version;
 * - `predict --model <path|name[@version]> --data <file.libsvm|file.csv> [--root dir] [--margin]`:
 *   one line per input row — binary: P(class 1); multiclass (softprob and softmax): the class
 *   probabilities comma-separated; regression: the value; `--margin`: raw margins. Numbers are
 *   printed like the XGBoost CLI prints them (`formatPrediction`, %.9g).
 * - `train --data f.libsvm|f.csv [--valid f] --objective … [--num-class K] --rounds N …
 *   --out model.json`: trains here and saves XGBoost JSON (models-train.ts).
 * Errors are thrown (UsageError, ModelError, DataError); the main CLI prints them and exits 2.
 */
export const registerModelsCommands = (program: Command, io: ModelsCommandIo = defaultIo): Command => {
  const models = program
    .command('models')
    .description('import, list and run XGBoost and LightGBM models (bring your own model)');
  models
    .command('import <file>')
    .description('copy an XGBoost JSON or LightGBM text model into the registry with its manifest')
    .option('--name <name>', 'registry name (default: file name)')
    .option('--features <names>', 'feature names in training order, comma separated')
    .option('--features-from <file>', 'feature export CSV (header) or a names file, one per line')
    .option('--root <dir>', 'registry root', DEFAULT_MODELS_ROOT)
    .option('--warmup <candles>', 'closed candles before the first vote')
    .option('--classes <actions>', 'multiclass: action of each class index, e.g. SELL,HOLD,BUY')
    .option('--label-horizon <candles>', 'label: forward-return horizon used for training')
    .option('--label-threshold-pct <pct>', 'label: forward-return threshold in percent')
    .action((file: string, options: ImportOptions) => runImport(file, options, io));
  models
    .command('list')
    .description('list the models in the registry')
    .option('--root <dir>', 'registry root', DEFAULT_MODELS_ROOT)
    .option('--json', 'print the manifests as JSON')
    .action((options: { root: string; json?: boolean }) => runList(options, io));
  models
    .command('predict')
    .description('predict every row of a libsvm or feature-export CSV file')
    .requiredOption('--model <ref>', 'model path, name or name@version')
    .requiredOption('--data <file>', 'rows to predict: .libsvm or feature-export .csv')
    .option('--root <dir>', 'registry root', DEFAULT_MODELS_ROOT)
    .option('--margin', 'print raw margins (before the objective transform)')
    .action((options: { model: string; data: string; root: string; margin?: boolean }) =>
      runPredict(options, io),
    );
  registerTrainCommand(models, io.out);
  return models;
};
