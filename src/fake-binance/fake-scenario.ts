import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, Interval, type Kline, type SymbolFilters, SymbolId } from '../domain/index.js';
import { bundledVenueRules, loadVenueRules, type VenueRules } from '../exchange/venue-rules.js';
import { formatConfigIssues } from '../pipeline/config-errors.js';
import { loadMarketData } from '../streams/market-data.js';
import { generateSyntheticMarket, syntheticMarketParams } from '../streams/synthetic-market.js';
import type { FakeBinanceOptions, LeverageTier } from './fake-binance-server.js';
import { scheduledFault } from './fake-faults.js';
import type { FakeSymbol } from './fake-venue.js';

/**
 * A fake Binance scenario (`quantum fake-binance --scenario f.yaml`): which price path the venue
 * walks (a kline file or folder, or the seeded synthetic market), which symbols with which filters,
 * the account (wallet, fees, slippage, leverage), the server's limits (request weight, listenKey
 * TTL), how fast time moves (`stepMs`) and a fault schedule by candle index. Every key has a
 * default, so an empty file (or none) is a valid scenario: the synthetic market's three symbols.
 */

/** A symbol and, optionally, its filters; what is not given comes from the venue rules or the data. */
const scenarioSymbol = z
  .object({
    symbol: SymbolId,
    baseAsset: z.string().min(1).optional(),
    tickSize: z.number().positive().optional(),
    stepSize: z.number().positive().optional(),
    minQty: z.number().positive().optional(),
    maxQty: z.number().positive().optional(),
    /** Binance `MIN_NOTIONAL.notional`, USDT. */
    minNotional: z.number().nonnegative().optional(),
    /** Hours between funding settlements: 8 (default), or 4 / 1 as Binance runs some symbols (`/fapi/v1/fundingInfo`). */
    fundingIntervalHours: z.union([z.literal(1), z.literal(4), z.literal(8)]).optional(),
  })
  .strict();

export const fakeScenario = z
  .object({
    /** A kline file or folder (Binance CSV, freqtrade JSON, JSONL), relative to the scenario file. Absent: the synthetic market. */
    data: z.string().min(1).optional(),
    /** Which interval to load when the data holds several. */
    interval: Interval.optional(),
    /** The seeded synthetic market's params when `data` is absent (`src/streams/synthetic-market.ts`). */
    synthetic: syntheticMarketParams.optional(),
    /** Symbols to serve (ids, or objects with filters); absent: every symbol of the data. */
    symbols: z
      .array(z.union([SymbolId, scenarioSymbol]))
      .min(1)
      .optional(),
    /** A folder with Binance's `exchange-info.json` and `leverage-brackets.json`; absent: the bundled snapshot. */
    venueRules: z.string().min(1).optional(),
    /** Candles already in the past at start (served by `/klines`; the last close is the price). */
    revealed: z.number().int().min(1).default(100),
    /** Reveal one candle every this many ms; 0: only on demand (`POST /fake/step`). */
    stepMs: z.number().int().nonnegative().default(0),
    walletUsdt: z.number().positive().default(10_000),
    takerFeeRate: z.number().min(0).max(0.01).default(0.0005),
    makerFeeRate: z.number().min(-0.001).max(0.01).default(0.0002),
    /** A MARKET order fills this far (basis points) beyond the last price, against the taker. */
    slippageBps: z.number().min(0).max(1000).default(1),
    /**
     * `immediate`: a MARKET order fills at the last price as it arrives; `next-open`: at the next
     * candle's open, as the simulator fills it (a session's `quantum replay --compare` then shows
     * the same decisions).
     */
    marketFill: z.enum(['immediate', 'next-open']).default('immediate'),
    /** Leverage of every symbol until `POST /fapi/v1/leverage` changes it. */
    leverage: z.number().int().min(1).max(125).default(20),
    /** Funding rate at each settlement (every 8 h unless a symbol says otherwise), unless the data carries its own. */
    fundingRate: z.number().min(-0.03).max(0.03).default(0.0001),
    /** Request weight per minute (Binance: 2400). */
    weightLimit: z.number().int().positive().default(2400),
    /** A listenKey expires this long after its last keep-alive (Binance: 60 min). */
    listenKeyTtlMs: z.number().int().positive().default(3_600_000),
    /** Fault changes by candle index of the path: `[{ at: 120, ackDelayMs: 2000 }, { at: 130, dropConnections: true }]`. */
    faults: z.array(scheduledFault).default([]),
  })
  .strict();
export type FakeScenario = z.output<typeof fakeScenario>;

/** What a scenario turns into: the server's options (without credentials and port) and what it serves, for the start-up line. */
export interface LoadedScenario {
  readonly options: Omit<FakeBinanceOptions, 'credentials' | 'port' | 'host'>;
  /** Where the path comes from: the data path, or `synthetic market (seed 42)`. */
  readonly pathSource: string;
  /** Where the filters come from: the venue-rules folder, the scenario, or the data. */
  readonly filtersSource: string;
}

/** Decimal places of a number as written (9.801 → 3). */
const decimalsOfValue = (value: number): number => {
  const [mantissa, exponent] = value.toExponential().split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
};

/**
 * Filters read off the candles when neither the scenario nor the venue rules give them: the tick
 * is the finest decimal the prices use; the quantity step is the power of ten worth at most
 * 10 USDT at the first price; min notional 5 USDT, as most Binance perpetuals.
 */
const filtersFromData = (klines: readonly Kline[]): Omit<FakeSymbol, 'symbol' | 'baseAsset'> => {
  let decimals = 0;
  for (const k of klines.slice(0, 1000)) {
    for (const price of [k.open, k.high, k.low, k.close])
      decimals = Math.max(decimals, decimalsOfValue(price));
  }
  const price = klines[0]?.close ?? 1;
  const stepSize = 10 ** Math.floor(Math.log10(10 / price));
  return {
    tickSize: 10 ** -Math.min(decimals, 8),
    stepSize: Number(stepSize.toPrecision(1)),
    minQty: Number(stepSize.toPrecision(1)),
    maxQty: Number((10 ** Math.ceil(Math.log10(10_000_000 / price))).toPrecision(1)),
    minNotional: 5,
  };
};

/** Binance's `leverageBracket` entries of a symbol from our brackets. */
const tiersOf = (filters: SymbolFilters): LeverageTier[] | undefined =>
  filters.brackets?.map((bracket, index) => ({
    bracket: index + 1,
    initialLeverage: bracket.maxLeverage,
    notionalCap: bracket.notionalCapUsdt,
    notionalFloor: bracket.notionalFloorUsdt,
    maintMarginRatio: bracket.maintenanceMarginRate,
    cum: bracket.maintenanceAmountUsdt,
  }));

/** The price path: the data's candles or the synthetic market's, every symbol starting at the same time. */
const pathOf = (
  scenario: FakeScenario,
  baseDir: string,
  wanted: readonly string[] | undefined,
): { path: Map<string, Kline[]>; source: string } => {
  let path: Map<string, Kline[]>;
  let source: string;
  if (scenario.data !== undefined) {
    source = resolve(baseDir, scenario.data);
    path = loadMarketData(source, {
      symbols: wanted ? [...wanted] : undefined,
      interval: scenario.interval,
    }).klinesBySymbol;
  } else {
    const market = generateSyntheticMarket(scenario.synthetic ?? {});
    const params = syntheticMarketParams.parse(scenario.synthetic ?? {});
    path = new Map(
      market.series
        .map((series, index): [string, Kline[]] => [params.symbols[index].symbol, series])
        .filter(([symbol]) => wanted === undefined || wanted.includes(symbol)),
    );
    source = `synthetic market (seed ${params.seed})`;
  }
  for (const [index, symbol] of (wanted ?? []).entries()) {
    if (!path.has(symbol)) {
      throw new ConfigError(
        `symbols[${index}]: ${symbol} is not in ${source}; it has ${[...path.keys()].join(', ') || 'no candles'}`,
      );
    }
  }
  if (path.size === 0) throw new ConfigError(`data: ${source} holds no candles`);
  const intervals = new Set([...path.values()].map((klines) => klines[0]?.interval));
  if (intervals.size > 1) {
    throw new ConfigError(
      `interval: ${source} mixes intervals (${[...intervals].join(', ')}); choose one with interval: 1h`,
    );
  }
  // One cursor moves every symbol: start them all at the latest first candle.
  const start = Math.max(...[...path.values()].map((klines) => klines[0]?.openTime ?? 0));
  for (const [symbol, klines] of path)
    path.set(
      symbol,
      klines.filter((k) => k.openTime >= start),
    );
  return { path, source };
};

/** The venue rules to read filters from: the scenario's folder, else the bundled snapshot if present. */
const venueRulesOf = (scenario: FakeScenario, baseDir: string): VenueRules | undefined => {
  if (scenario.venueRules !== undefined) return loadVenueRules(resolve(baseDir, scenario.venueRules));
  try {
    return bundledVenueRules();
  } catch {
    // No bundled snapshot in this install: filters come from the scenario and the data (named in the start-up line).
    return undefined;
  }
};

/**
 * Turn a parsed scenario into the fake server's options. Paths are relative to `baseDir` (the
 * scenario file's folder). Each symbol's filters: the scenario's keys first, then the venue rules
 * (the `venueRules` folder, or the bundled Binance snapshot), then what the candles show.
 * @throws ConfigError naming the key (`symbols[1]: …`), DataError for unreadable data.
 */
export const scenarioOptions = (scenario: FakeScenario, baseDir: string): LoadedScenario => {
  const wanted = scenario.symbols?.map((entry) => (typeof entry === 'string' ? entry : entry.symbol));
  const { path, source } = pathOf(scenario, baseDir, wanted);
  const longest = Math.max(...[...path.values()].map((klines) => klines.length));
  if (scenario.revealed >= longest) {
    throw new ConfigError(
      `revealed: ${scenario.revealed} reveals the whole path (${longest} candles); expected fewer`,
    );
  }
  const rules = venueRulesOf(scenario, baseDir);
  const given = new Map(
    (scenario.symbols ?? []).flatMap((entry) => (typeof entry === 'string' ? [] : [[entry.symbol, entry]])),
  );
  const brackets = new Map<string, LeverageTier[]>();
  const symbols = [...path.keys()].map((symbol): FakeSymbol => {
    const fromRules = rules?.filtersOf(symbol);
    const fromData = filtersFromData(path.get(symbol) ?? []);
    const tiers = fromRules === undefined ? undefined : tiersOf(fromRules);
    if (tiers !== undefined) brackets.set(symbol, tiers);
    const own = given.get(symbol);
    return {
      symbol,
      baseAsset: own?.baseAsset ?? symbol.replace(/USDT$/, ''),
      tickSize: own?.tickSize ?? fromRules?.tickSize ?? fromData.tickSize,
      stepSize: own?.stepSize ?? fromRules?.stepSize ?? fromData.stepSize,
      minQty: own?.minQty ?? fromRules?.minQty ?? fromData.minQty,
      maxQty: own?.maxQty ?? fromRules?.maxQty ?? fromData.maxQty,
      marketMaxQty: fromRules?.marketMaxQty,
      minNotional: own?.minNotional ?? fromRules?.minNotionalUsdt ?? fromData.minNotional,
      maxLeverage: fromRules?.maxLeverage,
      ...(own?.fundingIntervalHours === undefined ? {} : { fundingIntervalHours: own.fundingIntervalHours }),
    };
  });
  const ruled = symbols.filter((s) => rules?.filtersOf(s.symbol) !== undefined).length;
  const filtersSource =
    rules === undefined || ruled === 0
      ? 'the scenario and the data (no venue rules for these symbols)'
      : `${rules.dir}${ruled < symbols.length ? ` (${symbols.length - ruled} symbol(s) from the scenario and the data)` : ''}`;
  return {
    options: {
      symbols,
      path,
      revealed: scenario.revealed,
      walletUsdt: scenario.walletUsdt,
      takerFeeRate: scenario.takerFeeRate,
      makerFeeRate: scenario.makerFeeRate,
      slippageBps: scenario.slippageBps,
      marketFill: scenario.marketFill,
      defaultLeverage: scenario.leverage,
      fundingRate: scenario.fundingRate,
      weightLimit: scenario.weightLimit,
      listenKeyTtlMs: scenario.listenKeyTtlMs,
      brackets,
      stepMs: scenario.stepMs,
      faultSchedule: scenario.faults,
    },
    pathSource: source,
    filtersSource,
  };
};

/** Parse a scenario (already read from YAML) or throw a ConfigError listing each bad key. */
export const parseFakeScenario = (input: unknown, source: string): FakeScenario => {
  const parsed = fakeScenario.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const lines = formatConfigIssues(fakeScenario, parsed.error.issues, input);
  throw new ConfigError(`${source}: invalid fake-binance scenario\n  ${lines.join('\n  ')}`, source);
};

/**
 * Read a scenario YAML file (or the default scenario when `file` is undefined) into server options.
 * @throws ConfigError naming the file and the key, DataError for unreadable data.
 */
export const loadFakeScenario = (file: string | undefined): LoadedScenario => {
  if (file === undefined) return scenarioOptions(fakeScenario.parse({}), process.cwd());
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the scenario (${(error as Error).message})`, file);
  }
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML (${(error as Error).message})`, file);
  }
  return scenarioOptions(parseFakeScenario(input, file), dirname(resolve(file)));
};
