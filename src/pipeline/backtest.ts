import { dirname } from 'node:path';
import type { DeadLetter, EngineEvent, Kline } from '../domain/index.js';
import { createPrng, DataError } from '../domain/index.js';
import type { Exchange } from '../exchange/exchange.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import { replayMarket } from '../kernel/replay.js';
import type { Stage } from '../kernel/stage.js';
import { writeDeadLetters } from '../sinks/dead-letter-file.js';
import { prepareOutputDir } from '../sinks/output-dir.js';
import {
  type BacktestReport,
  buildBacktestReport,
  buyAndHold,
  createReportInputsCollector,
  displayCandles,
  formatModelReport,
  formatSummaryTable,
  type ReportFilePaths,
  type ReportInputs,
  writeReportFiles,
} from '../sinks/report/index.js';
import { writeRunLog } from '../sinks/run-log.js';
import { buildModels } from './build-models.js';
import { configTimeMs, type PipelineConfig, simExchangeParamsOf } from './config.js';
import { connectVenue, isGraphOutput, tradingKernel } from './graph.js';
import {
  deadLetterOf,
  loadMarketReplay,
  type MarketReplay,
  noCandlesMessage,
  refuseOtherQuotes,
} from './market-source.js';
import { memoryWarning } from './memory-check.js';
import { createRunStats, type RunStats } from './run-stats.js';

export interface BacktestOptions {
  readonly config: PipelineConfig;
  /** Path of the config file (relative data and model paths resolve against its folder). */
  readonly configPath?: string;
  /** A data file or folder overriding `config.data`. */
  readonly dataPath?: string;
  /** The symbol of a single data file whose name has none (`--symbol`). */
  readonly symbol?: string;
  readonly from?: number;
  readonly to?: number;
  readonly seed?: number;
  /** Output folder; `config.output.dir` when absent; nothing written when `null`. */
  readonly outDir?: string | null;
  /** Where `outDir` came from, for errors (`--out`); default `output.dir` or `outDir`. */
  readonly outDirLabel?: string;
  /** Called as the replay advances (for a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called before the replay with what the user should know at once (a market that may not fit in memory). */
  readonly onWarning?: (message: string) => void;
  /** The heap limit the memory check compares with (tests); Node's own by default. */
  readonly heapLimitBytes?: number;
  /** ISO time the report was made; only report.json/html carry it (trades.csv stays byte-identical). */
  readonly generatedAt?: string;
  /**
   * Rearranges or wraps the graph's stages before they are registered (tests: registration order,
   * async stages, injected faults). The kernel's declared ranks decide the order either way.
   */
  readonly stages?: (stages: Stage[]) => Stage[];
  /** Wraps the simulated venue (tests: a venue that answers late, or refuses). */
  readonly venue?: (sim: SimExchange) => Exchange;
  /** A wall clock (ms) for the run log's timings; the engine itself never reads one. */
  readonly now?: () => number;
}

export interface BacktestResult {
  readonly report: BacktestReport;
  readonly stats: RunStats;
  readonly deadLetters: readonly DeadLetter[];
  readonly paths?: ReportFilePaths & { readonly deadLettersJsonl: string; readonly runLog: string };
  /** The terminal summary table. */
  readonly summary: string;
  /** What the user should know about the data (e.g. series that barely overlap). */
  readonly warnings: readonly string[];
}

/** The run's market, refused with the real reason when it cannot be backtested (no candle, other quotes). */
export const loadTradableMarket = (options: BacktestOptions, seed: number, baseDir: string): MarketReplay => {
  const { config } = options;
  const market = loadMarketReplay(config, {
    dataPath: options.dataPath,
    ...(options.symbol === undefined ? {} : { symbol: options.symbol }),
    baseDir,
    from: options.from,
    to: options.to,
    seed,
  });
  if (market.klines.length === 0) {
    // Without a candle there is no run to report (the metrics would see an empty span); say why.
    const fromMs = options.from ?? configTimeMs(config.data.from);
    const toMs = options.to ?? configTimeMs(config.data.to);
    // Display only: the window as the user wrote it, in ISO.
    const window = [
      fromMs === undefined ? undefined : `from ${new Date(fromMs).toISOString()}`,
      toMs === undefined ? undefined : `to ${new Date(toMs).toISOString()}`,
    ].filter((part) => part !== undefined);
    throw new DataError(
      noCandlesMessage(market, window.length > 0 ? ` ${window.join(' ')}` : ''),
      market.source,
    );
  }
  // Recorded data must be USDT-quoted: positions, fees and PnL are valued in USDT.
  if (market.files.length > 0) refuseOtherQuotes(market.source, market.symbols);
  return market;
};

/** What the replay produced: the report's inputs, the run's counts and every dead letter. */
export interface ReplayOutcome {
  readonly inputs: ReportInputs;
  readonly stats: RunStats;
  readonly deadLetters: DeadLetter[];
}

/**
 * The trading kernel over the market behind the barrier, from the venue's connect to end of data;
 * the report's inputs are gathered from the bus's outputs as they are published.
 */
const replayOnKernel = async (
  options: BacktestOptions,
  market: MarketReplay,
  seed: number,
  models: ReturnType<typeof buildModels>,
): Promise<ReplayOutcome> => {
  const { config } = options;
  const sim = new SimExchange(simExchangeParamsOf(config), createPrng(seed).fork('exchange'));
  const exchange = options.venue?.(sim) ?? sim;
  // Refused input rows first, then whatever the run refuses (a failing stage, a malformed event).
  const deadLetters: DeadLetter[] = market.issues.map(deadLetterOf);
  const stats = createRunStats();
  const report = createReportInputsCollector({ barIntervalMs: market.intervalMs });
  for (const letter of deadLetters) report.add(letter);
  const kernel = tradingKernel(
    { ...config, seed },
    { exchange, models },
    {
      stages: options.stages,
      onEvent: (envelope) => {
        if (!isGraphOutput(envelope)) return;
        const event = envelope.event as EngineEvent | DeadLetter;
        if (event.kind === 'dead-letter') deadLetters.push(event);
        stats.record(event);
        report.add(event);
      },
    },
  );
  // The venue reports what it holds before the first candle (a fresh simulator: its wallet only).
  await connectVenue(kernel, market.klines[0]?.openTime ?? 0);
  await replayMarket(kernel, market.klines, { onProgress: options.onProgress });
  return { inputs: report.result(), stats, deadLetters };
};

/** The report of a replay: run info, metrics, candles for the charts and the buy-and-hold benchmark. */
const reportOf = (
  options: BacktestOptions,
  market: MarketReplay,
  seed: number,
  { inputs, stats }: ReplayOutcome,
): BacktestReport => {
  const { config } = options;
  const first = market.klines[0];
  const last = market.klines[market.klines.length - 1];
  return buildBacktestReport(
    {
      mode: 'backtest',
      seed,
      dataSource: market.source,
      symbols: market.symbols,
      // The run starts where the engine first acts: the close of the first candle in the window.
      from: first ? first.ts : (options.from ?? 0),
      to: last ? last.ts : (options.to ?? 0),
      barIntervalMs: market.intervalMs,
      initialEquityUsdt: config.exchange.initialBalanceUsdt,
    },
    inputs,
    {
      config,
      generatedAt: options.generatedAt,
      extra: { klines: market.klines.length, ...stats.summary() },
      candles: displayCandles(market.klines),
      benchmarkUsdt: buyAndHold(
        market.klines,
        inputs.equity.map((point) => point.ts),
        config.exchange.initialBalanceUsdt,
      ),
    },
  );
};

/**
 * Runs the pipeline over recorded or synthetic data against the simulated venue and writes the
 * report (report.json, trades.csv, equity.csv, report.html, dead-letters.jsonl, run.log.jsonl).
 * Deterministic: the same config, data and seed give byte-identical trades.csv. Everything that can
 * refuse the run (data, models, the output folder) is checked before the replay starts.
 */
export const runBacktest = (options: BacktestOptions): Promise<BacktestResult> =>
  runWithReplay(options, ({ market, seed, models }) => replayOnKernel(options, market, seed, models));

/** What a replay is given: the checked market, the seed and the models. */
export interface ReplayInputs {
  readonly market: MarketReplay;
  readonly seed: number;
  readonly models: ReturnType<typeof buildModels>;
}

/**
 * A run from loading to report, with the replay itself supplied: on the in-process kernel
 * (`runBacktest`) or through services over Redis (`quantum run --split`) — the same checks before,
 * the same report files after.
 */
export const runWithReplay = async (
  options: BacktestOptions,
  replay: (inputs: ReplayInputs) => Promise<ReplayOutcome>,
): Promise<BacktestResult> => {
  const { config } = options;
  const startedMs = options.now?.();
  const seed = options.seed ?? config.seed;
  const baseDir = options.configPath === undefined ? '.' : dirname(options.configPath);
  const market = loadTradableMarket(options, seed, baseDir);
  const tooBig = memoryWarning(market.klines.length, options.heapLimitBytes);
  if (tooBig !== undefined) options.onWarning?.(tooBig);
  const models = buildModels(config, baseDir);
  // The output folder must take the files before the run starts, not after it.
  const outDir = options.outDir === undefined ? config.output.dir : options.outDir;
  if (outDir !== null) {
    prepareOutputDir(outDir, options.outDirLabel ?? (options.outDir === undefined ? 'output.dir' : 'outDir'));
  }

  const replayStartMs = options.now?.();
  const outcome = await replay({ market, seed, models });
  const replayEndMs = options.now?.();
  const { stats, deadLetters } = outcome;
  const report = reportOf(options, market, seed, outcome);
  // Each model's votes and accuracy under the metrics, when the ai-engine kept its scoreboard.
  const modelLines = formatModelReport(report.models);
  const summary =
    modelLines === ''
      ? formatSummaryTable(report.metrics)
      : `${formatSummaryTable(report.metrics)}\n${modelLines}`;
  const warnings = [
    ...(market.files.length > 0 ? overlapWarnings(market.klines) : []),
    ...inSampleWarnings(models, market.klines),
  ];
  if (outDir === null) return { report, stats, deadLetters, summary, warnings };

  const files = await writeReportFiles(outDir, report, {
    timeZone: config.output.timeZone,
    title: config.name,
  });
  const deadLettersJsonl = writeDeadLetters(`${outDir}/dead-letters.jsonl`, deadLetters);
  const endMs = options.now?.();
  const timed =
    startedMs !== undefined &&
    replayStartMs !== undefined &&
    replayEndMs !== undefined &&
    endMs !== undefined;
  const runLog = writeRunLog(`${outDir}/run.log.jsonl`, config, market, {
    seed,
    counts: stats.summary().counts as Record<string, unknown>,
    deadLetters: deadLetters.length,
    trades: report.trades.length,
    warnings,
    ...(timed
      ? {
          timingsMs: {
            load: replayStartMs - startedMs,
            replay: replayEndMs - replayStartMs,
            report: endMs - replayEndMs,
          },
        }
      : {}),
  });
  return { report, stats, deadLetters, summary, warnings, paths: { ...files, deadLettersJsonl, runLog } };
};

/**
 * Models trained on candles of this run (their manifest's `trainingRange` overlaps it): the result
 * is in sample — the models have seen the answers — and says nothing about the future. One warning
 * per model, naming the overlap, so a report is never read as out-of-sample by mistake.
 */
export const inSampleWarnings = (
  models: readonly {
    readonly name: string;
    readonly trainingRange?: { readonly from: number; readonly to: number };
  }[],
  klines: readonly Kline[],
): string[] => {
  if (klines.length === 0) return [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const kline of klines) {
    if (kline.ts < first) first = kline.ts;
    if (kline.ts > last) last = kline.ts;
  }
  const iso = (ts: number): string => new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
  return models.flatMap((model) => {
    const range = model.trainingRange;
    if (range === undefined || range.to < first || range.from > last) return [];
    const from = Math.max(first, range.from);
    const to = Math.min(last, range.to);
    return [
      `model ${model.name} was trained on candles from ${iso(range.from)} to ${iso(range.to)}; this run's ` +
        `${iso(from)} … ${iso(to)} is in sample (results there are optimistic) — backtest after ` +
        `${iso(range.to)} (--from) or train with training.to before the run`,
    ];
  });
};

/**
 * Recorded series that share less than half of the run: a portfolio backtest over them is mostly
 * a backtest of fewer symbols (e.g. a 2018 ETHBTC file next to 2026 USDT perpetuals). One warning
 * naming each symbol's range and the shared share.
 */
export const overlapWarnings = (klines: readonly Kline[]): string[] => {
  const ranges = new Map<string, { first: number; last: number }>();
  for (const kline of klines) {
    const range = ranges.get(kline.symbol);
    if (range === undefined) ranges.set(kline.symbol, { first: kline.ts, last: kline.ts });
    else range.last = kline.ts;
  }
  if (ranges.size < 2) return [];
  const all = [...ranges.values()];
  const start = Math.min(...all.map((r) => r.first));
  const end = Math.max(...all.map((r) => r.last));
  const shared = Math.min(...all.map((r) => r.last)) - Math.max(...all.map((r) => r.first));
  const share = end > start ? Math.max(0, shared) / (end - start) : 1;
  if (share >= 0.5) return [];
  const day = (ts: number): string => new Date(ts).toISOString().slice(0, 10);
  const listed = [...ranges].map(([symbol, r]) => `${symbol} ${day(r.first)}→${day(r.last)}`).join(', ');
  return [
    `the symbols' data share only ${(share * 100).toFixed(0)} % of the run (${listed}); select overlapping files or set --from/--to`,
  ];
};
