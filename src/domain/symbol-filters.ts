import { z } from 'zod';

/**
 * One leverage bracket (margin tier) of a symbol, Binance's `GET /fapi/v1/leverageBracket` entry in
 * our units: a position whose notional is in [notionalFloorUsdt, notionalCapUsdt) may use at most
 * `maxLeverage` (Binance `initialLeverage`) and keeps maintenance margin
 * notional × maintenanceMarginRate − maintenanceAmountUsdt (Binance `maintMarginRatio`, `cum`).
 * `cum` makes the maintenance margin continuous across brackets.
 */
export const LeverageBracket = z
  .object({
    notionalFloorUsdt: z.number().nonnegative(),
    notionalCapUsdt: z.number().positive(),
    maxLeverage: z.number().positive(),
    maintenanceMarginRate: z.number().min(0).max(1),
    maintenanceAmountUsdt: z.number().nonnegative(),
  })
  .strict();
export type LeverageBracket = z.infer<typeof LeverageBracket>;

/** Brackets in ascending notional order, the first from notional 0 (what the venue publishes). */
const bracketTable = z
  .array(LeverageBracket)
  .min(1)
  .superRefine((brackets, context) => {
    if (brackets[0].notionalFloorUsdt !== 0) {
      context.addIssue({
        code: 'custom',
        path: [0, 'notionalFloorUsdt'],
        message: 'the first bracket starts at notional 0',
      });
    }
    for (let index = 1; index < brackets.length; index++) {
      if (brackets[index].notionalFloorUsdt < brackets[index - 1].notionalFloorUsdt) {
        context.addIssue({
          code: 'custom',
          path: [index, 'notionalFloorUsdt'],
          message: 'brackets must be in ascending notional order',
        });
      }
    }
  });

/**
 * An instrument's exchange filters (Binance `PRICE_FILTER`, `LOT_SIZE`, `MARKET_LOT_SIZE`,
 * `MIN_NOTIONAL`), its first bracket's maintenance-margin rate and maximum leverage, and its leverage
 * brackets. Quantities and prices always obey these (DESIGN.md rule 6).
 */
export const SymbolFilters = z
  .object({
    tickSize: z.number().positive(),
    stepSize: z.number().positive(),
    minQty: z.number().nonnegative(),
    maxQty: z.number().positive(),
    /** MARKET orders' own maximum (`MARKET_LOT_SIZE`); `maxQty` when absent. */
    marketMaxQty: z.number().positive().optional(),
    minNotionalUsdt: z.number().nonnegative(),
    /** The first bracket's rate; without `brackets`, the one rate of every notional. */
    maintenanceMarginRate: z.number().min(0).max(0.5),
    maxLeverage: z.number().positive(),
    /**
     * The margin tiers (see `LeverageBracket`). Absent: one tier at `maintenanceMarginRate` up to
     * `maxLeverage`, without a notional cap (see `bracketsOf`).
     */
    brackets: bracketTable.optional(),
  })
  .strict();
export type SymbolFilters = z.infer<typeof SymbolFilters>;

/**
 * Defaults close to Binance USDT-M mid-cap perpetuals, for symbols the venue's rules do not list
 * (the simulator reads the bundled Binance snapshot first, see `src/exchange/venue-rules.ts`);
 * override per symbol in the config. No brackets: one tier at 0.4 % up to 125×.
 */
export const DEFAULT_SYMBOL_FILTERS: SymbolFilters = {
  tickSize: 0.0001,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 1_000_000,
  minNotionalUsdt: 5,
  maintenanceMarginRate: 0.004,
  maxLeverage: 125,
};

/** One tier for every notional at `maintenanceMarginRate` (the one-rate model). */
const singleBracket = (
  maintenanceMarginRate: number,
  maxLeverage = Number.POSITIVE_INFINITY,
): LeverageBracket => ({
  notionalFloorUsdt: 0,
  notionalCapUsdt: Number.POSITIVE_INFINITY,
  maxLeverage,
  maintenanceMarginRate,
  maintenanceAmountUsdt: 0,
});

/** The tier table of filters without brackets, one per filters object (they are few, lookups many). */
const singleTiers = new WeakMap<SymbolFilters, readonly LeverageBracket[]>();

/**
 * The symbol's leverage brackets: its own, else one tier from 0 to an unlimited notional at its
 * `maintenanceMarginRate` and `maxLeverage` (no maintenance amount).
 */
export const bracketsOf = (filters: SymbolFilters): readonly LeverageBracket[] => {
  if (filters.brackets !== undefined) return filters.brackets;
  let tiers = singleTiers.get(filters);
  if (tiers === undefined) {
    tiers = Object.freeze([singleBracket(filters.maintenanceMarginRate, filters.maxLeverage)]);
    singleTiers.set(filters, tiers);
  }
  return tiers;
};

/**
 * A symbol's filters with a config override on top: every key the override sets wins. An override
 * of `maintenanceMarginRate` without `brackets` means one rate for every notional, so the base's
 * brackets are dropped (they would contradict it); overriding `brackets` alone brings their first
 * tier's rate and leverage along.
 */
export const withOverrides = (
  base: SymbolFilters,
  override: Partial<SymbolFilters> | undefined,
): SymbolFilters => {
  if (override === undefined) return base;
  const merged: SymbolFilters = { ...base, ...override };
  if (override.brackets !== undefined) {
    const [first] = override.brackets;
    merged.maintenanceMarginRate = override.maintenanceMarginRate ?? first.maintenanceMarginRate;
    merged.maxLeverage = override.maxLeverage ?? first.maxLeverage;
  } else if (override.maintenanceMarginRate !== undefined) {
    const { brackets: _dropped, ...oneRate } = merged;
    return oneRate;
  }
  return merged;
};

const decimalsOf = (step: number): number => {
  const text = step.toExponential();
  const [mantissa, exponent] = text.split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
};

/** A step as an integer count of 10^-decimals (0.025 → 25 / 10^3), cached: steps are few, calls are many. */
const stepUnits = new Map<number, { readonly units: number; readonly scale: number }>();
const unitsOf = (step: number): { readonly units: number; readonly scale: number } => {
  let known = stepUnits.get(step);
  if (known === undefined) {
    const scale = 10 ** decimalsOf(step);
    known = { units: Math.round(step * scale), scale };
    stepUnits.set(step, known);
  }
  return known;
};

/**
 * Round a price or quantity down/up/nearest to the tick or step size without binary-float drift.
 * The quotient is first rounded to 9 decimals (1.0005 / 0.001 is 1000.4999999999999 in binary
 * floats, and a price exactly half a tick away rounds up as its decimal text says); the result is
 * an exact integer divided by a power of ten, i.e. the double nearest the decimal value.
 */
export const roundToStep = (
  value: number,
  step: number,
  mode: 'down' | 'up' | 'nearest' = 'nearest',
): number => {
  // The quotient's fraction snapped to 9 decimals, as `toFixed(9)` would, without its string cost.
  const quotient = value / step;
  const whole = Math.floor(quotient);
  const units = whole + Math.round((quotient - whole) * 1e9) / 1e9;
  const rounded = mode === 'down' ? Math.floor(units) : mode === 'up' ? Math.ceil(units) : Math.round(units);
  const { units: stepCount, scale } = unitsOf(step);
  return (rounded * stepCount) / scale;
};
