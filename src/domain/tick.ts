import { z } from 'zod';
import { PositiveNumber, SymbolId, TimestampMs } from './common.js';

/** One public trade (`TradeTick`). `side` is the taker's side. */
export const Tick = z
  .object({
    kind: z.literal('tick'),
    symbol: SymbolId,
    ts: TimestampMs,
    price: PositiveNumber,
    qty: PositiveNumber,
    side: z.enum(['BUY', 'SELL']),
    tradeId: z.string(),
    tsInit: TimestampMs.optional(),
  })
  .readonly();
export type Tick = z.infer<typeof Tick>;

/**
 * The best bid and ask of a symbol (`QuoteTick`; Binance's `bookTicker`). `updateId` orders the
 * quotes of a symbol: a lower one than already seen is stale.
 */
export const Quote = z
  .object({
    kind: z.literal('quote'),
    symbol: SymbolId,
    ts: TimestampMs,
    bidPrice: PositiveNumber,
    bidQty: z.number().nonnegative(),
    askPrice: PositiveNumber,
    askQty: z.number().nonnegative(),
    updateId: z.number().int().nonnegative(),
    tsInit: TimestampMs.optional(),
  })
  .readonly();
export type Quote = z.infer<typeof Quote>;
