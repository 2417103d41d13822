import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { DataError, UsageError } from '../domain/errors.js';
import { parseFeatureNames } from '../features/feature-names.js';
import { loadPipelineConfig } from '../pipeline/config.js';
import { writeFeatureRows } from '../pipeline/feature-export.js';
import { loadMarketReplay, noCandlesMessage } from '../pipeline/market-source.js';
import { prepareOutputDir } from '../sinks/output-dir.js';
import { parseSymbol } from './data-options.js';
import { parseTimeOption } from './parse-time.js';
import { createProgress } from './progress.js';

interface FeaturesFlags {
  data: string;
  symbol?: string;
  config?: string;
  features?: string;
  from?: string;
  to?: string;
  out: string;
  labelHorizon?: string;
  labelThreshold?: string;
  policy: string;
  progress: boolean;
}

const positiveInt = (option: string, value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${option}: expected an integer ≥ 1, got "${value}"`);
  return Number(value);
};

/**
 * `quantum features`: one row per closed candle with the features the pipeline computes — by the
 * same operator — as CSV (empty cells in warm-up) or libsvm (absent entries), with an optional
 * forward-return label for training.
 */
export const registerFeaturesCommand = (program: Command): void => {
  program
    .command('features')
    .description(
      'export the pipeline features of a kline file as CSV or libsvm (for training models elsewhere)',
    )
    .requiredOption(
      '-d, --data <file>',
      'kline file (Binance CSV with or without header, ms or µs; freqtrade JSON; JSONL)',
    )
    .option('--symbol <symbol>', 'symbol of a data file whose name has none (e.g. mydata.csv)')
    .requiredOption('-o, --out <file>', 'output: .csv or .libsvm')
    .option('-c, --config <file>', 'take the feature list from this pipeline (default: the default pipeline)')
    .option('-f, --features <names>', 'comma-separated feature names, e.g. ema_12,rsi_14,macd_hist_12_26_9')
    .option(
      '--from <time>',
      'first candle close to write (ISO date or ms); indicators warm up on earlier candles',
    )
    .option('--to <time>', 'candle close to stop before (exclusive, as in backtest; ISO date or ms)')
    .option(
      '--label-horizon <candles>',
      'add a label: 1 if the close this many candles ahead is higher (see --label-threshold)',
    )
    .option('--label-threshold <pct>', 'label threshold in percent (default 0)')
    .option('--policy <policy>', 'bad rows: fail (exit 2 at file:line) or skip', 'fail')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: FeaturesFlags) => {
      if (flags.policy !== 'fail' && flags.policy !== 'skip') {
        throw new UsageError(`--policy: expected fail or skip, got "${flags.policy}"`);
      }
      const config = loadPipelineConfig(flags.config);
      const features = flags.features
        ? flags.features.split(',').map((name) => name.trim())
        : config.features;
      // A bad name is a usage error to report before reading (maybe large, maybe also bad) data,
      // under the flag the user typed.
      if (flags.features) parseFeatureNames(features, '--features');
      if (existsSync(flags.out) && statSync(flags.out).isDirectory()) {
        throw new UsageError(`--out ${flags.out}: is a folder; name the file to write (.csv or .libsvm)`);
      }
      if (!/\.(csv|libsvm|svm)$/i.test(flags.out)) {
        throw new UsageError(
          `--out: name the file .csv or .libsvm (the format follows the extension), got "${flags.out}"`,
        );
      }
      const from = parseTimeOption('--from', flags.from);
      const to = parseTimeOption('--to', flags.to);
      const market = loadMarketReplay(
        {
          ...config,
          data: {
            ...config.data,
            source: 'files',
            path: flags.data,
            policy: flags.policy,
            from: undefined,
            to: undefined,
          },
        },
        {
          dataPath: flags.data,
          dataRequired: true,
          ...(flags.symbol === undefined ? {} : { symbol: parseSymbol(flags.symbol) }),
        },
      );
      // Nothing to compute from: say why per file instead of writing a file with 0 rows.
      if (market.klines.length === 0) throw new DataError(noCandlesMessage(market, ''), market.source);
      // The folder must take the file before any work is reported or done.
      prepareOutputDir(dirname(flags.out), '--out', flags.out);
      for (const issue of market.issues)
        process.stderr.write(`skipped ${issue.file}:${issue.line}: ${issue.message}\n`);
      const label =
        flags.labelHorizon === undefined
          ? undefined
          : {
              horizon: positiveInt('--label-horizon', flags.labelHorizon),
              thresholdPct: flags.labelThreshold === undefined ? 0 : Number(flags.labelThreshold),
            };
      if (label && !Number.isFinite(label.thresholdPct)) {
        throw new UsageError(`--label-threshold: expected a number (percent), got "${flags.labelThreshold}"`);
      }
      const progress = createProgress('features', market.klines.length, 'candles', flags.progress);
      const result = await writeFeatureRows(market.klines, {
        features,
        out: flags.out,
        from,
        to,
        label,
        onProgress: (done) => progress.update(done),
      });
      progress.stop();
      process.stdout.write(`${result.rows} rows × ${features.length} features → ${result.path}\n`);
    });
};
