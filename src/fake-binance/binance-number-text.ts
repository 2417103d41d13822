import type { FakeSymbol } from './fake-venue.js';

/**
 * How Binance USDⓈ-M writes numbers: prices and quantities as decimal strings with the symbol's
 * precision, money with eight decimals. Shared by the payload families of `binance-payloads.ts`.
 */

/** Decimal places of a step such as 0.001 (→ 3). */
export const decimalsOf = (step: number): number => {
  const [mantissa, exponent] = step.toExponential().split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
};

export const money = (value: number): string => value.toFixed(8);
export const priceText = (spec: FakeSymbol, value: number): string =>
  value.toFixed(decimalsOf(spec.tickSize));
export const qtyText = (spec: FakeSymbol, value: number): string => value.toFixed(decimalsOf(spec.stepSize));
