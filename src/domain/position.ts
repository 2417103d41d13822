import { z } from 'zod';
import { PositionSide, SymbolId, TimestampMs } from './common.js';

/** An open isolated-margin position (state, a noun). */
export const Position = z
  .object({
    symbol: SymbolId,
    side: PositionSide,
    qty: z.number().positive(),
    entryPrice: z.number().positive(),
    leverage: z.number().positive(),
    /** Isolated margin posted for this position, USDT. */
    marginUsdt: z.number().nonnegative(),
    liquidationPrice: z.number().nonnegative(),
    markPrice: z.number().positive(),
    unrealizedPnlUsdt: z.number(),
    openedTs: TimestampMs,
    intentId: z.string(),
  })
  .readonly();
export type Position = z.infer<typeof Position>;

export const ExitReason = z.enum([
  'STOP_LOSS',
  'TAKE_PROFIT',
  'TRAILING_STOP',
  'BREAK_EVEN',
  'TIME_EXIT',
  'SIGNAL_EXIT',
  'KILL_SWITCH',
  'LIQUIDATION',
  'END_OF_DATA',
]);
export type ExitReason = z.infer<typeof ExitReason>;

/**
 * A round trip ended (`TradeClosed`). `netPnlUsdt = grossPnlUsdt − feesUsdt − fundingUsdt`, and the
 * sum of `netPnlUsdt` over all trades equals final equity − initial equity.
 */
export const TradeClosed = z
  .object({
    kind: z.literal('trade-closed'),
    tradeId: z.string(),
    intentId: z.string(),
    symbol: SymbolId,
    side: PositionSide,
    entryTs: TimestampMs,
    ts: TimestampMs,
    entryPrice: z.number().positive(),
    exitPrice: z.number().positive(),
    qty: z.number().positive(),
    leverage: z.number().positive(),
    grossPnlUsdt: z.number(),
    feesUsdt: z.number().nonnegative(),
    fundingUsdt: z.number(),
    netPnlUsdt: z.number(),
    /** Net PnL in units of the initial risk (entry→stop distance × qty); absent without a stop. */
    rMultiple: z.number().optional(),
    reason: ExitReason,
  })
  .readonly();
export type TradeClosed = z.infer<typeof TradeClosed>;

/** Account state after an event (`PortfolioSnapshotUpdated`). `equityUsdt = walletUsdt + unrealizedPnlUsdt`. */
export const PortfolioSnapshot = z
  .object({
    kind: z.literal('portfolio-snapshot'),
    ts: TimestampMs,
    /** Wallet balance: deposits + realized PnL − fees − funding (Binance's `walletBalance`). */
    walletUsdt: z.number(),
    unrealizedPnlUsdt: z.number(),
    equityUsdt: z.number(),
    /** Margin locked in isolated positions. */
    usedMarginUsdt: z.number().nonnegative(),
    availableUsdt: z.number(),
    grossExposureUsdt: z.number().nonnegative(),
    netExposureUsdt: z.number(),
    realizedPnlUsdt: z.number(),
    feesUsdt: z.number().nonnegative(),
    fundingUsdt: z.number(),
    peakEquityUsdt: z.number(),
    drawdownPct: z.number().min(0).max(100),
    /** Equity at the start of the current UTC day (for the daily loss limit). */
    dayStartEquityUsdt: z.number(),
    positions: z.array(Position).readonly(),
    /** Last exit time per symbol (for cooldowns). */
    lastExitTs: z.record(z.string(), TimestampMs),
    /**
     * Entry orders the venue accepted that have not (fully) filled yet. Risk limits count them, so
     * several symbols signalling in the same candle cannot overrun max positions or exposure
     * before their fills arrive.
     */
    workingEntries: z
      .array(
        z
          .object({
            clientOrderId: z.string(),
            symbol: SymbolId,
            side: PositionSide,
            qty: z.number().positive(),
            notionalUsdt: z.number().nonnegative(),
            /** Leverage the entry was sent with (its margin = notional / leverage). */
            leverage: z.number().positive().optional(),
            /** SUBMITTED: sent, the venue has not answered yet; ACCEPTED: resting at the venue. */
            state: z.enum(['SUBMITTED', 'ACCEPTED']).optional(),
          })
          .readonly(),
      )
      .readonly(),
  })
  .readonly();
export type PortfolioSnapshot = z.infer<typeof PortfolioSnapshot>;
