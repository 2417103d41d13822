import { z } from 'zod';
import { FiniteNumber, NonNegativeNumber, PositiveNumber, SymbolId, TimestampMs } from './common.js';

/** Candle intervals Binance serves, with their length in ms. */
export const INTERVAL_MS = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '8h': 28_800_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
} as const;
export const Interval = z.enum(
  Object.keys(INTERVAL_MS) as [keyof typeof INTERVAL_MS, ...(keyof typeof INTERVAL_MS)[]],
);
export type Interval = z.infer<typeof Interval>;

/**
 * A closed candle (`Bar` in Nautilus). `ts` is the event time: the instant the candle closed,
 * `openTime + intervalMs` (Binance's `close_time` + 1 ms). Decisions at `ts` may use this candle.
 */
export const Kline = z
  .object({
    kind: z.literal('kline'),
    symbol: SymbolId,
    interval: Interval,
    openTime: TimestampMs,
    ts: TimestampMs,
    open: PositiveNumber,
    high: PositiveNumber,
    low: PositiveNumber,
    close: PositiveNumber,
    volume: NonNegativeNumber,
    quoteVolume: NonNegativeNumber,
    trades: z.number().int().nonnegative(),
    takerBuyVolume: NonNegativeNumber,
    /** Funding rate that applies at `ts` when a funding instant falls in this candle (from data), else absent. */
    fundingRate: FiniteNumber.optional(),
    tsInit: TimestampMs.optional(),
  })
  .readonly()
  .refine((k) => k.high >= Math.max(k.open, k.close) && k.low <= Math.min(k.open, k.close), {
    message: 'expected low ≤ open, close ≤ high',
  });
export type Kline = z.infer<typeof Kline>;
