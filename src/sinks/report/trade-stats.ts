import { ExitReason, type TradeClosed } from '../../domain/index.js';

export interface TradeStats {
  readonly trades: number;
  readonly longTrades: number;
  readonly shortTrades: number;
  /** Trades with netPnl > 0. */
  readonly wins: number;
  /** Trades with netPnl < 0 (a trade at exactly 0 is neither, but counts in `trades`). */
  readonly losses: number;
  /** wins / trades × 100; null without trades. */
  readonly winRatePct: number | null;
  /** Σ netPnl of winning trades (≥ 0). */
  readonly grossProfitUsdt: number;
  /** Σ netPnl of losing trades (≤ 0). */
  readonly grossLossUsdt: number;
  /** grossProfit / |grossLoss|; +Infinity with wins and no losses; null when both are 0. */
  readonly profitFactor: number | null;
  readonly netPnlUsdt: number;
  /** Mean netPnl per trade. */
  readonly avgTradeUsdt: number | null;
  readonly avgWinUsdt: number | null;
  /** Mean netPnl of losing trades (negative). */
  readonly avgLossUsdt: number | null;
  /** winRate × avgWin + lossRate × avgLoss: what one more trade is expected to earn, USDT. */
  readonly expectancyUsdt: number | null;
  /** Mean R multiple over the trades that had a stop (`rMultiple` present). */
  readonly avgR: number | null;
  readonly tradesWithR: number;
  readonly bestTradeUsdt: number | null;
  readonly worstTradeUsdt: number | null;
  readonly avgHoldMs: number | null;
  /** Share of [from, to] with at least one open position (overlapping trades counted once), percent. */
  readonly exposurePct: number;
  /** Closed trades per exit reason, in `ExitReason` order, reasons that never occurred left out. */
  readonly exitReasons: Readonly<Partial<Record<ExitReason, number>>>;
}

/** Union length of the trades' [entryTs, ts] intervals clipped to [fromTs, toTs]. */
const exposedMs = (trades: readonly TradeClosed[], fromTs: number, toTs: number): number => {
  const order = Array.from({ length: trades.length }, (_, i) => i);
  order.sort((a, b) => trades[a].entryTs - trades[b].entryTs);
  let total = 0;
  let runStart = Number.NaN;
  let runEnd = Number.NaN;
  for (const index of order) {
    const start = Math.max(trades[index].entryTs, fromTs);
    const end = Math.min(trades[index].ts, toTs);
    if (end <= start) continue;
    if (Number.isNaN(runStart) || start > runEnd) {
      if (!Number.isNaN(runStart)) total += runEnd - runStart;
      runStart = start;
      runEnd = end;
    } else if (end > runEnd) {
      runEnd = end;
    }
  }
  if (!Number.isNaN(runStart)) total += runEnd - runStart;
  return total;
};

/** Statistics of closed trades over a run from `fromTs` to `toTs` (pure; see field docs for edge cases). */
export const tradeStats = (trades: readonly TradeClosed[], fromTs: number, toTs: number): TradeStats => {
  const n = trades.length;
  let longTrades = 0;
  let wins = 0;
  let losses = 0;
  let grossProfitUsdt = 0;
  let grossLossUsdt = 0;
  let sumR = 0;
  let tradesWithR = 0;
  let best = Number.NEGATIVE_INFINITY;
  let worst = Number.POSITIVE_INFINITY;
  let holdMs = 0;
  const reasonCounts = new Map<ExitReason, number>();
  for (const trade of trades) {
    const pnl = trade.netPnlUsdt;
    if (trade.side === 'LONG') longTrades++;
    if (pnl > 0) {
      wins++;
      grossProfitUsdt += pnl;
    } else if (pnl < 0) {
      losses++;
      grossLossUsdt += pnl;
    }
    if (trade.rMultiple !== undefined) {
      sumR += trade.rMultiple;
      tradesWithR++;
    }
    if (pnl > best) best = pnl;
    if (pnl < worst) worst = pnl;
    holdMs += trade.ts - trade.entryTs;
    reasonCounts.set(trade.reason, (reasonCounts.get(trade.reason) ?? 0) + 1);
  }
  const exitReasons: Partial<Record<ExitReason, number>> = {};
  for (const reason of ExitReason.options) {
    const count = reasonCounts.get(reason);
    if (count !== undefined) exitReasons[reason] = count;
  }
  const avgWinUsdt = wins > 0 ? grossProfitUsdt / wins : null;
  const avgLossUsdt = losses > 0 ? grossLossUsdt / losses : null;
  let profitFactor: number | null = null;
  if (grossLossUsdt < 0) profitFactor = grossProfitUsdt / -grossLossUsdt;
  else if (grossProfitUsdt > 0) profitFactor = Number.POSITIVE_INFINITY;
  const spanMs = toTs - fromTs;
  return {
    trades: n,
    longTrades,
    shortTrades: n - longTrades,
    wins,
    losses,
    winRatePct: n > 0 ? (wins / n) * 100 : null,
    grossProfitUsdt,
    grossLossUsdt,
    profitFactor,
    netPnlUsdt: grossProfitUsdt + grossLossUsdt,
    avgTradeUsdt: n > 0 ? (grossProfitUsdt + grossLossUsdt) / n : null,
    avgWinUsdt,
    avgLossUsdt,
    expectancyUsdt: n > 0 ? (wins / n) * (avgWinUsdt ?? 0) + (losses / n) * (avgLossUsdt ?? 0) : null,
    avgR: tradesWithR > 0 ? sumR / tradesWithR : null,
    tradesWithR,
    bestTradeUsdt: n > 0 ? best : null,
    worstTradeUsdt: n > 0 ? worst : null,
    avgHoldMs: n > 0 ? holdMs / n : null,
    exposurePct: spanMs > 0 ? (exposedMs(trades, fromTs, toTs) / spanMs) * 100 : 0,
    exitReasons,
  };
};
