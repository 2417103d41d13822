import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { Interval, SymbolFilters, SymbolId } from '../domain/index.js';
import { simExchangeParams } from '../exchange/sim-exchange-params.js';
import { type ModelEntry, modelTypeOf, modelTypes } from '../models/model-type.js';
import '../models/types/index.js';
import { DEFAULT_FEATURES, parseFeatureName } from '../features/feature-names.js';
import {
  type EnsembleVoteParams,
  ensembleVoteParams,
  ensembleWeightingParams,
} from '../operators/ensemble-vote.js';
import { metaRegimeParams } from '../operators/meta-regime.js';
import { modelSupervisorParams } from '../operators/model-supervisor.js';
import { orderBracketParams } from '../operators/order-bracket.js';
import { portfolioBalancerParams } from '../operators/portfolio-balancer.js';
import { positionIntelligenceParams } from '../operators/position-intelligence.js';
import { positionMonitorParams } from '../operators/position-monitor.js';
import { positionSizingParams } from '../operators/position-sizing.js';
import { profitAmplifierParams } from '../operators/profit-amplifier.js';
import { riskGatesParams } from '../operators/risk-gates.js';
import { signalToIntentParams } from '../operators/signal-to-intent.js';
import { smartExecutionParams } from '../operators/smart-execution.js';
import { universeParams } from '../operators/universe.js';
import { dataPolicy } from '../streams/data-quality.js';
import { syntheticMarketParams } from '../streams/synthetic-market.js';
import { trainingParams } from '../training/training-params.js';
import { parseConfig } from './config-errors.js';
import { ConfigTime } from './config-time.js';
import { DEFAULT_CONFIG_YAML } from './default-config.js';

/** Where market data comes from: the seeded synthetic market, or recorded files (a file or a folder). */
const dataConfig = z
  .object({
    source: z.enum(['synthetic', 'files']).default('synthetic'),
    /** File or directory of Binance kline CSV, freqtrade JSON or JSONL (relative to the config file). */
    path: z.string().optional(),
    /** Bad rows: `skip` drops and reports them (dead letters), `fail` stops with file:line. */
    policy: dataPolicy,
    symbols: z.array(z.string()).optional(),
    /** The symbol of a single data file whose name does not carry one (`mydata.csv`). */
    symbol: SymbolId.optional(),
    /** Also read trade files (Binance trades CSV) in `path`, aggregated by event time into closed candles of this interval. */
    ticksInterval: Interval.optional(),
    from: ConfigTime.optional(),
    to: ConfigTime.optional(),
    /** Parameters of the synthetic market (its `seed` is the run's seed unless set here). */
    synthetic: syntheticMarketParams
      .omit({ seed: true })
      .extend({ count: syntheticMarketParams.shape.count.unwrap().default(43_200) })
      .prefault({}),
  })
  .strict()
  .refine((data) => data.source !== 'files' || data.path !== undefined, {
    message: 'source "files" needs data.path (a kline file or a folder of them)',
    path: ['path'],
  });

/**
 * The venue, by `venue`: `sim` (backtest and paper: the simulator's fees, slippage, latency,
 * funding, liquidation) — the default when `venue` is left out; `binance` (testnet and live)
 * joins this union with its own keys. Equity always comes from the venue's account on connect.
 */
const exchangeConfig = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object' && !('venue' in value) ? { venue: 'sim', ...value } : value,
  z.discriminatedUnion('venue', [
    simExchangeParams
      .omit({ filters: true })
      .extend({ venue: z.literal('sim') })
      .strict(),
  ]),
);

/**
 * A model entry: one of the registered model types (`src/models/types/`), each with its own strict
 * schema — a new model type registers itself there, this union follows.
 */
const modelConfig = z.lazy(() =>
  z.discriminatedUnion(
    'type',
    modelTypes().map((type) => type.schema) as unknown as [z.ZodObject, ...z.ZodObject[]],
  ),
) as unknown as z.ZodType<ModelConfig, object>;
/** A model entry as the registered type's schema parsed it. */
export type ModelConfig = ModelEntry & { readonly [key: string]: unknown };

const outputConfig = z
  .object({
    /** Folder for report.json, trades.csv, equity.csv, report.html (relative to the working directory). */
    dir: z.string().default('reports/latest'),
    /** Display time zone of the HTML report (stored timestamps stay UTC). */
    timeZone: z.string().default('UTC'),
    /** Progress bar on stderr. */
    progress: z.boolean().default(true),
  })
  .strict();

/**
 * The pipeline: one YAML document that reads like the trading idea. Each section is the params
 * schema of the module that runs it, so a module brings its own validation and defaults. Unknown
 * keys are rejected everywhere. Shared facts live once: `symbols` (exchange filters) feed the
 * risk gates, the monitor and the venue; `exchange.initialBalanceUsdt` is the sizer's and the
 * gates' starting equity; `risk.maxDrawdownPct` drives both the gate and the kill switch.
 *
 * A key left out takes the value `quantum config print` shows: where a module's own default
 * differs from the default pipeline (synthetic count, strategy.minConfidence,
 * risk.maxOpenPositions, monitor.maxHoldMs), the pipeline's wins. A test holds the two equal.
 */
export const pipelineConfig = z
  .object({
    name: z.string().min(1).default('default'),
    description: z.string().optional(),
    /** Seed of every random choice (synthetic market, slippage draws): same seed ⇒ same trades. */
    seed: z.number().int().default(42),
    data: dataConfig.prefault({}),
    features: z
      .array(z.string())
      .min(1)
      .default([...DEFAULT_FEATURES])
      .superRefine((names, context) => {
        names.forEach((name, index) => {
          try {
            parseFeatureName(name, `features[${index}]`);
          } catch (error) {
            context.addIssue({ code: 'custom', path: [index], message: (error as Error).message });
          }
        });
      }),
    models: z
      .array(modelConfig)
      .min(1)
      .prefault([{ type: 'ema-rsi' }, { type: 'macd-adx' }]),
    // Weights come from the model entries; HOLD is never emitted in the graph (no order follows from it).
    ensemble: ensembleVoteParams
      .omit({ weights: true, emitHold: true })
      .extend(ensembleWeightingParams.shape)
      .strict()
      .prefault({}),
    /** Model supervisor (off by default): bias, feature drift and accuracy decay per model, on the kernel's clock; enforce mode removes flagged models from the vote. */
    supervisor: modelSupervisorParams.prefault({}),
    /** Regime detection (`meta-regime`, off by default): each symbol's regime, for `strategy.regimeSides` and `sizing.regimeScale`. */
    regime: metaRegimeParams
      .extend({ enabled: z.boolean().default(false) })
      .strict()
      .prefault({}),
    /** Universe OS (off by default): the top-N symbols new entries may open on, refreshed on the kernel's clock. */
    universe: universeParams.prefault({}),
    strategy: signalToIntentParams
      .extend({ minConfidence: signalToIntentParams.shape.minConfidence.unwrap().default(0.6) })
      .prefault({}),
    sizing: positionSizingParams.omit({ initialEquityUsdt: true }).prefault({}),
    /** Position intelligence (PIL, off by default): each open position's status and a recommendation, as events. */
    pil: positionIntelligenceParams
      .extend({ enabled: z.boolean().default(false) })
      .strict()
      .prefault({}),
    /** Portfolio balancing (PBA, off by default): symbol, net and correlated exposure limits between sizing and risk. */
    balancer: portfolioBalancerParams
      .extend({ enabled: z.boolean().default(false) })
      .strict()
      .prefault({}),
    risk: riskGatesParams
      .omit({ initialEquityUsdt: true, filters: true })
      .extend({
        maxOpenPositions: riskGatesParams.shape.maxOpenPositions.unwrap().default(3),
        flattenOnKill: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    monitor: positionMonitorParams
      .omit({ filters: true })
      .extend({ maxHoldMs: positionMonitorParams.shape.maxHoldMs.unwrap().default(86_400_000) }) // 24 h
      .prefault({}),
    /** Profit amplification (PAL, off by default): a resting partial take-profit and scale-ins on leading positions. */
    pal: profitAmplifierParams.prefault({}),
    orders: orderBracketParams.prefault({}),
    /** Smart execution (AELM, off by default): order type, slippage guard, TWAP slicing and retries in the execution stage. */
    aelm: smartExecutionParams
      .extend({ enabled: z.boolean().default(false) })
      .strict()
      .prefault({}),
    exchange: exchangeConfig.prefault({}),
    /**
     * Exchange filters per symbol (tick size, step size, min notional, maintenance margin, leverage
     * brackets), each key overriding the venue's own (the sim's bundled Binance snapshot).
     */
    symbols: z.record(z.string(), SymbolFilters.partial()).default({}),
    output: outputConfig.prefault({}),
    /** `quantum train`: labels, walk-forward folds and trainer parameters (src/training/training-params.ts). */
    training: trainingParams.prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    // Per-regime settings without regime detection would never apply.
    if (!config.regime.enabled) {
      for (const [path, value] of [
        [['strategy', 'regimeSides'], config.strategy.regimeSides],
        [['sizing', 'regimeScale'], config.sizing.regimeScale],
      ] as const) {
        if (Object.keys(value).length > 0)
          context.addIssue({
            code: 'custom',
            path: [...path],
            message: `per-regime settings need regime detection: set regime.enabled: true`,
          });
      }
    }
    // Every entry would be denied by the max-leverage gate: a run that cannot trade.
    if (
      config.sizing.method === 'fixed-fraction' &&
      config.sizing.leverage > config.risk.maxLeverage &&
      !config.risk.clampLeverage
    ) {
      context.addIssue({
        code: 'custom',
        path: ['sizing', 'leverage'],
        message: `${config.sizing.leverage}× is above risk.maxLeverage ${config.risk.maxLeverage}×, so the risk gate would deny every entry; lower it, raise risk.maxLeverage, or set risk.clampLeverage: true`,
      });
    }
    const names = new Set<string>();
    config.models.forEach((model, index) => {
      const type = modelTypeOf(model);
      const name = type.nameOf(model);
      if (names.has(name)) {
        context.addIssue({
          code: 'custom',
          path: ['models', index],
          message: `duplicate model name "${name}"`,
        });
      }
      names.add(name);
      for (const issue of type.check?.(model) ?? []) {
        context.addIssue({ code: 'custom', path: ['models', index, ...issue.path], message: issue.message });
      }
      // A model abstains while a feature it reads is NaN, so a missing one would silence it for the
      // whole run without a word: refuse the config instead.
      for (const feature of type.requiredFeatures?.(model) ?? []) {
        if (!config.features.includes(feature)) {
          context.addIssue({
            code: 'custom',
            path: ['models', index, 'params'],
            message: `model "${name}" reads feature "${feature}", which is not in features; add it there`,
          });
        }
      }
    });
  });
export type PipelineConfig = z.output<typeof pipelineConfig>;
export type PipelineConfigInput = z.input<typeof pipelineConfig>;

/** The simulator's parameters of a `venue: sim` pipeline, with the pipeline's symbol filters. */
export const simExchangeParamsOf = (config: PipelineConfig): z.input<typeof simExchangeParams> => {
  const { venue: _venue, ...params } = config.exchange;
  return { ...params, filters: config.symbols };
};

/** The name a model votes under. */
export const modelName = (model: ModelConfig): string => modelTypeOf(model).nameOf(model);

/** Ensemble weights by model name, from the model entries. */
export const ensembleWeights = (config: PipelineConfig): Record<string, number> =>
  Object.fromEntries(config.models.map((model) => [modelName(model), model.weight]));

/** The vote's own parameters of `ensemble:` (its weighting keys are the ai-engine's), with the models' weights. */
export const ensembleVoteParamsOf = (config: PipelineConfig, emitHold: boolean): EnsembleVoteParams => {
  const { weighting: _w, scoreboard: _s, performance: _p, ...vote } = config.ensemble;
  return ensembleVoteParams.parse({ ...vote, weights: ensembleWeights(config), emitHold });
};

/** A config time as ms since epoch (dates without a zone are UTC). */
export const configTimeMs = (value: string | number | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
};

/** Validate a config object (from YAML or code); `source` names it in errors. */
export const parsePipelineConfig = (input: unknown, source = 'config'): PipelineConfig =>
  parseConfig(pipelineConfig, input ?? {}, source);

/** Parse YAML text into a validated config; YAML syntax errors name the line and column. */
export const parsePipelineYaml = (text: string, source = 'config'): PipelineConfig => {
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const position = error.linePos?.[0];
      const where = position ? `${source}:${position.line}:${position.col}` : source;
      // The parser's first line ends "at line L, column C:"; the place is already in `where`, and
      // the quoted line with its caret follows (indented, so it reads as a quote).
      const [first, ...rest] = error.message.split('\n');
      const what = first.replace(/ at line \d+, column \d+:?$/, '');
      const quote = rest.filter((line) => line.trim() !== '').map((line) => `    ${line}`);
      throw new ConfigError([`${where}: ${what}`, ...quote].join('\n'), where);
    }
    throw error;
  }
  if (document === null || document === undefined) {
    throw new ConfigError(
      `${source}: the config file is empty; start from the default pipeline: quantum config print > ${source}`,
      source,
    );
  }
  return parsePipelineConfig(document, source);
};

/** Load a pipeline config file, or the embedded default when `path` is undefined. */
export const loadPipelineConfig = (path?: string): PipelineConfig => {
  if (path === undefined) return parsePipelineYaml(DEFAULT_CONFIG_YAML, '(default config)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      path,
    );
  }
  return parsePipelineYaml(text, path);
};
