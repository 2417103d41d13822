import { z } from 'zod';

/**
 * A look-back length in candles: an integer with TA-Lib's minimum for that function (most need 2;
 * ATR, ROC and Stochastic accept 1) and a default.
 */
export const periodSchema = (min: number, defaultPeriod: number) =>
  z.number().int().min(min).max(100_000).default(defaultPeriod);
