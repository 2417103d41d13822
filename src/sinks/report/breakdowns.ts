import type { TradeClosed } from '../../domain/index.js';
import type { EquityPoint } from './equity-point.js';

/** One symbol's share of a run. */
export interface SymbolStats {
  readonly symbol: string;
  readonly trades: number;
  readonly wins: number;
  readonly winRatePct: number;
  readonly netPnlUsdt: number;
  readonly feesUsdt: number;
  readonly fundingUsdt: number;
}

/** Trades, win rate, net PnL, fees and funding per symbol, symbols in name order. */
export const statsBySymbol = (trades: readonly TradeClosed[]): SymbolStats[] => {
  const bySymbol = new Map<
    string,
    { trades: number; wins: number; net: number; fees: number; funding: number }
  >();
  for (const trade of trades) {
    const entry = bySymbol.get(trade.symbol) ?? { trades: 0, wins: 0, net: 0, fees: 0, funding: 0 };
    entry.trades++;
    if (trade.netPnlUsdt > 0) entry.wins++;
    entry.net += trade.netPnlUsdt;
    entry.fees += trade.feesUsdt;
    entry.funding += trade.fundingUsdt;
    bySymbol.set(trade.symbol, entry);
  }
  return [...bySymbol.keys()].sort().map((symbol) => {
    const entry = bySymbol.get(symbol) as {
      trades: number;
      wins: number;
      net: number;
      fees: number;
      funding: number;
    };
    return {
      symbol,
      trades: entry.trades,
      wins: entry.wins,
      winRatePct: (entry.wins / entry.trades) * 100,
      netPnlUsdt: entry.net,
      feesUsdt: entry.fees,
      fundingUsdt: entry.funding,
    };
  });
};

/** One calendar month (UTC) of the equity curve. */
export interface MonthlyReturn {
  /** `YYYY-MM`. */
  readonly month: string;
  /** Equity at the end of the previous month (the initial equity for the first). */
  readonly startEquityUsdt: number;
  readonly endEquityUsdt: number;
  readonly returnPct: number;
}

/**
 * Return per UTC calendar month: the last equity of the month against the last equity of the month
 * before (the initial equity for the first month), so the months compound to the total return.
 * Points are equity at bar close, so a close at 00:00 on the 1st counts for the month it ends.
 */
export const monthlyReturns = (
  equity: readonly EquityPoint[],
  initialEquityUsdt: number,
): MonthlyReturn[] => {
  const months: MonthlyReturn[] = [];
  let start = initialEquityUsdt;
  let month: string | undefined;
  let last = initialEquityUsdt;
  const close = (): void => {
    if (month === undefined) return;
    months.push({
      month,
      startEquityUsdt: start,
      endEquityUsdt: last,
      returnPct: start > 0 ? (last / start - 1) * 100 : 0,
    });
    start = last;
  };
  // The month being summed covers [monthStart, monthEnd) of `ts − 1`: its key is worked out once
  // per month, not per point (a Date and an ISO string per point cost ~1 µs: 0.5 s for a year of 1m bars).
  let monthStart = Number.POSITIVE_INFINITY;
  let monthEnd = Number.NEGATIVE_INFINITY;
  for (const point of equity) {
    // A bar closing at a month's first instant (00:00 on the 1st) was traded in the month before.
    const at = point.ts - 1;
    if (!(at >= monthStart && at < monthEnd)) {
      const date = new Date(at);
      const key = date.toISOString().slice(0, 7);
      monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
      monthEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
      if (key !== month) {
        close();
        month = key;
      }
    }
    last = point.equityUsdt;
  }
  close();
  return months;
};
