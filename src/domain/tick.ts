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
