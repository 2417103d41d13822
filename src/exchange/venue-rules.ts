/**
 * The venue's rules per symbol — Binance USDⓈ-M exchange filters (tick size, step size, minimum
 * notional) and leverage brackets — read from files in the shapes of Binance's REST answers, so a
 * fresh download replaces the bundled snapshot as is:
 * - `exchange-info.json`: `GET /fapi/v1/exchangeInfo` (`{ symbols: [{ symbol, filters: [...] }] }`;
 *   `PRICE_FILTER.tickSize`, `LOT_SIZE.stepSize/minQty/maxQty`, `MARKET_LOT_SIZE.maxQty` and
 *   `MIN_NOTIONAL.notional` are read, every other key is ignored);
 * - `leverage-brackets.json`: `GET /fapi/v1/leverageBracket` (`[{ symbol, brackets: [{ bracket,
 *   initialLeverage, notionalCap, notionalFloor, maintMarginRatio, cum }] }]`, or the one object
 *   Binance answers when asked for one symbol).
 * The bundled snapshot lives in `data/binance-usdm/` at the package root (see its README for where
 * each file comes from and when it was taken).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  DataError,
  DEFAULT_SYMBOL_FILTERS,
  type LeverageBracket,
  type SymbolFilters,
} from '../domain/index.js';

/** File names inside a venue-rules folder. */
export const VENUE_RULES_FILES = {
  exchangeInfo: 'exchange-info.json',
  leverageBrackets: 'leverage-brackets.json',
} as const;

/** A decimal as Binance sends it: a string such as "0.10" (filters) or a number (brackets). */
const decimal = z.union([
  z.number().finite(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a decimal such as "0.10"')
    .transform(Number),
]);

// Binance sets a filter's value to 0 to disable that rule (e.g. the tick of a symbol still
// PENDING_TRADING): 0 parses, and counts as "not given" (see `symbolFiltersOf`).
const priceFilter = z.looseObject({ filterType: z.literal('PRICE_FILTER'), tickSize: decimal });
const lotSizeFilter = z.looseObject({
  filterType: z.literal('LOT_SIZE'),
  stepSize: decimal,
  minQty: decimal,
  maxQty: decimal,
});
const marketLotSizeFilter = z.looseObject({ filterType: z.literal('MARKET_LOT_SIZE'), maxQty: decimal });
const minNotionalFilter = z.looseObject({ filterType: z.literal('MIN_NOTIONAL'), notional: decimal });
const knownFilters = {
  PRICE_FILTER: priceFilter,
  LOT_SIZE: lotSizeFilter,
  MARKET_LOT_SIZE: marketLotSizeFilter,
  MIN_NOTIONAL: minNotionalFilter,
} as const;

/** One symbol of `GET /fapi/v1/exchangeInfo`, the filters we use checked by type. */
const exchangeInfoSymbol = z.looseObject({
  symbol: z.string().min(1),
  status: z.string().optional(),
  contractType: z.string().optional(),
  filters: z.array(z.looseObject({ filterType: z.string() })).superRefine((filters, context) => {
    filters.forEach((filter, index) => {
      const schema = knownFilters[filter.filterType as keyof typeof knownFilters];
      if (schema === undefined) return;
      for (const issue of schema.safeParse(filter).error?.issues ?? []) {
        context.addIssue({ code: 'custom', path: [index, ...issue.path], message: issue.message });
      }
    });
  }),
});

/** `GET /fapi/v1/exchangeInfo` (the keys we read; everything else passes). */
export const BinanceExchangeInfo = z.looseObject({
  serverTime: z.number().optional(),
  symbols: z.array(exchangeInfoSymbol),
});
export type BinanceExchangeInfo = z.output<typeof BinanceExchangeInfo>;

const binanceBracket = z.looseObject({
  bracket: z.number().int().positive(),
  initialLeverage: z.number().positive(),
  notionalCap: z.number().positive(),
  notionalFloor: z.number().nonnegative(),
  maintMarginRatio: z.number().min(0).max(1),
  cum: z.number().nonnegative(),
});
const symbolBrackets = z.looseObject({
  symbol: z.string().min(1),
  brackets: z
    .array(binanceBracket)
    .min(1)
    .refine((brackets) => brackets.some((bracket) => bracket.notionalFloor === 0), {
      message: 'no bracket starts at notional 0',
    }),
});

/** `GET /fapi/v1/leverageBracket`: every symbol's brackets, or one symbol's object when asked for it. */
export const BinanceLeverageBrackets = z.preprocess(
  (body) => (Array.isArray(body) ? body : [body]),
  z.array(symbolBrackets),
);
export type BinanceLeverageBrackets = z.output<typeof BinanceLeverageBrackets>;

/** `a.b[3].c` from a zod issue path. */
const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : `${text}${text === '' ? '' : '.'}${String(key)}`,
    '',
  ) || '(root)';

/** Parses with `schema` or throws a `DataError` naming the file, then each bad field and why. */
const parseAt = <T extends z.ZodType>(schema: T, json: unknown, where: string): z.output<T> => {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((issue) => `${pathText(issue.path)}: ${issue.message}`);
  const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
  throw new DataError(`${where}: not a valid Binance answer: ${issues.join('; ')}${more}`, where);
};

/**
 * Parses a `GET /fapi/v1/exchangeInfo` body (zod, once at the boundary).
 * @param where the file (or URL) it came from, named in errors.
 * @throws DataError naming `where` and each bad field (`symbols[0].filters[1].tickSize: …`).
 */
export const parseExchangeInfo = (json: unknown, where: string): BinanceExchangeInfo =>
  parseAt(BinanceExchangeInfo, json, where);

/**
 * Parses a `GET /fapi/v1/leverageBracket` body (an array, or one symbol's object).
 * @param where the file (or URL) it came from, named in errors.
 * @throws DataError naming `where` and each bad field (`[3].brackets[0].cum: …`).
 */
export const parseLeverageBrackets = (json: unknown, where: string): BinanceLeverageBrackets =>
  parseAt(BinanceLeverageBrackets, json, where);

/** Binance brackets in our units, in ascending notional order. */
export const leverageBracketsOf = (
  brackets: BinanceLeverageBrackets[number]['brackets'],
): LeverageBracket[] =>
  [...brackets]
    .sort((a, b) => a.notionalFloor - b.notionalFloor)
    .map((bracket) => ({
      notionalFloorUsdt: bracket.notionalFloor,
      notionalCapUsdt: bracket.notionalCap,
      maxLeverage: bracket.initialLeverage,
      maintenanceMarginRate: bracket.maintMarginRatio,
      maintenanceAmountUsdt: bracket.cum,
    }));

type ExchangeInfoSymbol = BinanceExchangeInfo['symbols'][number];

/** A filter's value (`knownFilters` checked it parses), `undefined` when absent or 0 (disabled). */
const filterValue = (
  info: ExchangeInfoSymbol | undefined,
  filterType: keyof typeof knownFilters,
  key: string,
): number | undefined => {
  const found = info?.filters.find((filter) => filter.filterType === filterType);
  if (found === undefined) return undefined;
  const value = decimal.parse(found[key]);
  return value > 0 ? value : undefined;
};

/**
 * A symbol's `SymbolFilters` from its exchangeInfo entry (either may be absent) and its brackets:
 * tick from PRICE_FILTER, step/min/max qty from LOT_SIZE, MARKET orders' max from MARKET_LOT_SIZE,
 * min notional from MIN_NOTIONAL, maintenance rate and max leverage from the first bracket. What
 * neither source says comes from `DEFAULT_SYMBOL_FILTERS`.
 */
export const symbolFiltersOf = (
  info: ExchangeInfoSymbol | undefined,
  brackets: readonly LeverageBracket[] | undefined,
): SymbolFilters => {
  const defaults = DEFAULT_SYMBOL_FILTERS;
  const filters: SymbolFilters = {
    tickSize: filterValue(info, 'PRICE_FILTER', 'tickSize') ?? defaults.tickSize,
    stepSize: filterValue(info, 'LOT_SIZE', 'stepSize') ?? defaults.stepSize,
    minQty: filterValue(info, 'LOT_SIZE', 'minQty') ?? (info === undefined ? defaults.minQty : 0),
    maxQty: filterValue(info, 'LOT_SIZE', 'maxQty') ?? defaults.maxQty,
    minNotionalUsdt:
      filterValue(info, 'MIN_NOTIONAL', 'notional') ?? (info === undefined ? defaults.minNotionalUsdt : 0),
    maintenanceMarginRate: brackets?.[0].maintenanceMarginRate ?? defaults.maintenanceMarginRate,
    maxLeverage: brackets?.[0].maxLeverage ?? defaults.maxLeverage,
  };
  const marketMaxQty = filterValue(info, 'MARKET_LOT_SIZE', 'maxQty');
  if (marketMaxQty !== undefined) filters.marketMaxQty = marketMaxQty;
  if (brackets !== undefined) filters.brackets = [...brackets];
  return filters;
};

/** The venue's rules: per-symbol filters with brackets, and where they were read from. */
export interface VenueRules {
  /** The folder the two files were read from. */
  readonly dir: string;
  /** `serverTime` of the exchangeInfo snapshot, when it has one. */
  readonly exchangeInfoTs: number | undefined;
  /** Every symbol either file lists. */
  readonly symbols: readonly string[];
  /** The symbol's filters and brackets; `undefined` for a symbol neither file lists. */
  filtersOf(symbol: string): SymbolFilters | undefined;
}

/** Venue rules from the two parsed answers. */
export const venueRulesOf = (
  exchangeInfo: BinanceExchangeInfo,
  leverageBrackets: BinanceLeverageBrackets,
  dir = '(in memory)',
): VenueRules => {
  const infoBySymbol = new Map(exchangeInfo.symbols.map((symbol) => [symbol.symbol, symbol]));
  const bracketsBySymbol = new Map(
    leverageBrackets.map((entry) => [entry.symbol, Object.freeze(leverageBracketsOf(entry.brackets))]),
  );
  const symbols = [...new Set([...infoBySymbol.keys(), ...bracketsBySymbol.keys()])].sort();
  // Built on first ask: a backtest touches a handful of the ~600 symbols.
  const filtersBySymbol = new Map<string, SymbolFilters | undefined>();
  return {
    dir,
    exchangeInfoTs: exchangeInfo.serverTime,
    symbols,
    filtersOf(symbol) {
      if (filtersBySymbol.has(symbol)) return filtersBySymbol.get(symbol);
      const info = infoBySymbol.get(symbol);
      const brackets = bracketsBySymbol.get(symbol);
      const filters =
        info === undefined && brackets === undefined
          ? undefined
          : Object.freeze(symbolFiltersOf(info, brackets));
      filtersBySymbol.set(symbol, filters);
      return filters;
    },
  };
};

const readJson = (file: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataError(
      `${file}: cannot read venue rules (${(error as Error).message}); run \`quantum data download\` or point at a folder holding ${VENUE_RULES_FILES.exchangeInfo} and ${VENUE_RULES_FILES.leverageBrackets}`,
      file,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file}: not JSON (${(error as Error).message})`, file);
  }
};

/**
 * Reads and checks `exchange-info.json` and `leverage-brackets.json` in `dir`.
 * @throws DataError naming the file and the bad field, or the missing file.
 */
export const loadVenueRules = (dir: string): VenueRules => {
  const infoFile = join(dir, VENUE_RULES_FILES.exchangeInfo);
  const bracketsFile = join(dir, VENUE_RULES_FILES.leverageBrackets);
  return venueRulesOf(
    parseExchangeInfo(readJson(infoFile), infoFile),
    parseLeverageBrackets(readJson(bracketsFile), bracketsFile),
    dir,
  );
};

/**
 * The bundled snapshot's folder, `data/binance-usdm/` at the package root: two levels above this
 * file when running from source (`src/exchange/`), three from the build (`dist/src/exchange/`).
 */
export const bundledVenueRulesDir = (): string => {
  const candidates = ['../../data/binance-usdm/', '../../../data/binance-usdm/'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(join(dir, VENUE_RULES_FILES.exchangeInfo))) ?? candidates[0];
};

/** Read once per process: the snapshot is immutable data. */
let bundled: VenueRules | undefined;

/**
 * The bundled Binance snapshot (see `data/binance-usdm/README.md`), read on first use.
 * @throws DataError when the files are missing or malformed — never a silent fallback to defaults.
 */
export const bundledVenueRules = (): VenueRules => {
  bundled ??= loadVenueRules(bundledVenueRulesDir());
  return bundled;
};
