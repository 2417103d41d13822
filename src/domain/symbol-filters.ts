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

/** Round a price down/up/nearest to the tick size without binary-float drift. */
export const roundToStep = (
  value: number,
  step: number,
  mode: 'down' | 'up' | 'nearest' = 'nearest',
): number => {
  // Snap the quotient to 9 decimals first: 1.0005 / 0.001 is 1000.4999999999999 in binary floats.
  const units = Number((value / step).toFixed(9));
  const rounded = mode === 'down' ? Math.floor(units) : mode === 'up' ? Math.ceil(units) : Math.round(units);
  return Number((rounded * step).toFixed(decimalsOf(step)));
};
