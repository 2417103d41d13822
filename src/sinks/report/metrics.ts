import { DataError, type TradeClosed } from '../../domain/index.js';
import { drawdownStats } from './drawdown-stats.js';
import type { EquityPoint } from './equity-point.js';
import {
  DAY_MS,
  periodReturns,
  type ReturnsBasis,
  sharpeRatio,
  sortinoRatio,
  YEAR_DAYS,
} from './period-returns.js';
import { type TradeStats, tradeStats } from './trade-stats.js';

/** Runs shorter than this get no CAGR (annualizing a few weeks is noise, not a statistic). */
export const MIN_CAGR_SPAN_DAYS = 30;

/** What a run's statistics are computed from. */
export interface MetricsInput {
  readonly initialEquityUsdt: number;
  /** One point per bar, in time order (downsampled is fine for the daily basis, see period-returns.ts). */
  readonly equity: readonly EquityPoint[];
  readonly trades: readonly TradeClosed[];
  /** Total fees paid over the run (the account's figure: includes trades still open at the end). */
  readonly feesUsdt: number;
  /** Total funding paid (+) or received (−) over the run. */
  readonly fundingUsdt: number;
  readonly from: number;
  readonly to: number;
  readonly barIntervalMs: number;
}

/**
 * A run's statistics. Ratios that are undefined are null; `profitFactor` and `sortino` may be
 * +Infinity in memory (no losses), which report.json writes as null plus a `nonFinite` flag and the
 * summary table prints as `∞`.
 */
export interface ReportMetrics extends Omit<TradeStats, 'netPnlUsdt'> {
  readonly from: number;
  readonly to: number;
  readonly spanMs: number;
  readonly initialEquityUsdt: number;
  readonly finalEquityUsdt: number;
  readonly netProfitUsdt: number;
  readonly totalReturnPct: number;
  /**
   * Compound annual growth by calendar time from→to, 365-day years; null for a run shorter than
   * `MIN_CAGR_SPAN_DAYS` (annualizing a few weeks extrapolates wildly) or an empty span.
   */
  readonly cagrPct: number | null;
  /** The run is shorter than `MIN_CAGR_SPAN_DAYS`: no CAGR is given. */
  readonly cagrShortSpan: boolean;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  /** Which returns Sharpe and Sortino were computed from, how many, and the annualization used. */
  readonly returnsBasis: ReturnsBasis;
  readonly returnPeriods: number;
  readonly periodsPerYear: number;
  readonly maxDrawdownPct: number;
  readonly maxDrawdownDurationMs: number;
  readonly maxDrawdownDurationOpen: boolean;
  readonly feesUsdt: number;
  readonly fundingUsdt: number;
}

/**
 * Computes a run's statistics (pure, no I/O). Final equity is the last equity point, or the initial
 * equity plus Σ trade netPnl when there are no points. Sharpe/Sortino: see period-returns.ts for the
 * basis (daily UTC closes from 3 days on, else per bar) and annualization.
 * Throws `DataError` for an input no statistic can be made of (non-positive initial equity or bar
 * interval, `to` before `from`, equity points out of time order).
 */
export const computeMetrics = (input: MetricsInput): ReportMetrics => {
  const { initialEquityUsdt, equity, from, to, barIntervalMs } = input;
  if (!(initialEquityUsdt > 0)) {
    throw new DataError(`initialEquityUsdt must be > 0, got ${initialEquityUsdt}`, 'computeMetrics input');
  }
  if (!(barIntervalMs > 0)) {
    throw new DataError(`barIntervalMs must be > 0, got ${barIntervalMs}`, 'computeMetrics input');
  }
  if (!(to >= from)) throw new DataError(`to (${to}) is before from (${from})`, 'computeMetrics input');

  const count = equity.length;
  const ts = new Float64Array(count);
  const equityUsdt = new Float64Array(count);
  const reportedDrawdownPct = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const point = equity[i];
    if (i > 0 && point.ts < ts[i - 1]) {
      throw new DataError(
        `equity points must be in time order: point ${i} (ts ${point.ts}) is before point ${i - 1} (ts ${ts[i - 1]})`,
        'computeMetrics input.equity',
      );
    }
    ts[i] = point.ts;
    equityUsdt[i] = point.equityUsdt;
    reportedDrawdownPct[i] = point.drawdownPct;
  }
  const series = { ts, equityUsdt };

  const tradeSummary = tradeStats(input.trades, from, to);
  // The report's net profit comes from the equity curve; the trades' own sum stays in tradeStats.
  const { netPnlUsdt: _tradesNetPnlUsdt, ...tradeFields } = tradeSummary;
  const finalEquityUsdt = count > 0 ? equityUsdt[count - 1] : initialEquityUsdt + tradeSummary.netPnlUsdt;
  const growth = finalEquityUsdt / initialEquityUsdt;
  const spanMs = to - from;
  const years = spanMs / DAY_MS / YEAR_DAYS;
  const shortSpan = spanMs < MIN_CAGR_SPAN_DAYS * DAY_MS;
  let cagrPct: number | null = null;
  if (spanMs > 0 && !shortSpan) cagrPct = growth > 0 ? (growth ** (1 / years) - 1) * 100 : -100;

  const periods = periodReturns(series, initialEquityUsdt, from, to, barIntervalMs);
  const drawdown = drawdownStats(series, initialEquityUsdt, from, reportedDrawdownPct);

  return {
    from,
    to,
    spanMs,
    initialEquityUsdt,
    finalEquityUsdt,
    netProfitUsdt: finalEquityUsdt - initialEquityUsdt,
    totalReturnPct: (growth - 1) * 100,
    cagrPct,
    cagrShortSpan: shortSpan,
    sharpe: sharpeRatio(periods.returns, periods.periodsPerYear),
    sortino: sortinoRatio(periods.returns, periods.periodsPerYear),
    returnsBasis: periods.basis,
    returnPeriods: periods.returns.length,
    periodsPerYear: periods.periodsPerYear,
    maxDrawdownPct: drawdown.maxDrawdownPct,
    maxDrawdownDurationMs: drawdown.maxDrawdownDurationMs,
    maxDrawdownDurationOpen: drawdown.maxDrawdownDurationOpen,
    ...tradeFields,
    feesUsdt: input.feesUsdt,
    fundingUsdt: input.fundingUsdt,
  };
};
