import { z } from 'zod';

/**
 * An instrument's exchange filters (Binance `PRICE_FILTER`, `LOT_SIZE`, `MIN_NOTIONAL`) and its
 * maintenance-margin rate (first bracket). Quantities and prices always obey these (DESIGN.md rule 6).
 */
export const SymbolFilters = z
  .object({
    tickSize: z.number().positive(),
    stepSize: z.number().positive(),
    minQty: z.number().nonnegative(),
    maxQty: z.number().positive(),
    minNotionalUsdt: z.number().nonnegative(),
    maintenanceMarginRate: z.number().min(0).max(0.5),
    maxLeverage: z.number().positive(),
  })
  .strict();
export type SymbolFilters = z.infer<typeof SymbolFilters>;

/** Defaults close to Binance USDT-M mid-cap perpetuals; override per symbol in the config. */
export const DEFAULT_SYMBOL_FILTERS: SymbolFilters = {
  tickSize: 0.0001,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 1_000_000,
  minNotionalUsdt: 5,
  maintenanceMarginRate: 0.004,
  maxLeverage: 125,
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
