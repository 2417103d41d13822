import type { ReportMetrics } from './metrics.js';
import { MIN_CAGR_SPAN_DAYS } from './metrics.js';
import { formatDurationMs, formatFixedGrouped } from './stable-format.js';

/** How an absent (null) statistic prints. */
const NOT_AVAILABLE = 'n/a';

/** A ratio for humans: 2 decimals, `∞` for +Infinity, `n/a` when undefined. */
export const formatRatio = (value: number | null, decimals = 2): string => {
  if (value === null || Number.isNaN(value)) return NOT_AVAILABLE;
  if (value === Number.POSITIVE_INFINITY) return '∞';
  if (value === Number.NEGATIVE_INFINITY) return '-∞';
  return formatFixedGrouped(value, decimals);
};

/** A percentage for humans: `12.34 %`, `n/a` when undefined. */
export const formatPct = (value: number | null): string =>
  value === null || !Number.isFinite(value) ? formatRatio(value) : `${formatFixedGrouped(value, 2)} %`;

/** A USDT amount for humans: `1,234.56 USDT`, `n/a` when undefined. */
export const formatUsdt = (value: number | null): string =>
  value === null || !Number.isFinite(value) ? formatRatio(value) : `${formatFixedGrouped(value, 2)} USDT`;

/** The rows of the summary, label → printed value; shared by the terminal table and the HTML cards. */
export const summaryRows = (
  metrics: ReportMetrics,
): ReadonlyArray<readonly [label: string, value: string]> => [
  ['Total return', formatPct(metrics.totalReturnPct)],
  ['CAGR', metrics.cagrShortSpan ? `— (run < ${MIN_CAGR_SPAN_DAYS} days)` : formatPct(metrics.cagrPct)],
  ['Sharpe', `${formatRatio(metrics.sharpe)} (${metrics.returnsBasis})`],
  ['Sortino', `${formatRatio(metrics.sortino)} (${metrics.returnsBasis})`],
  ['Max drawdown', formatPct(metrics.maxDrawdownPct)],
  [
    'Max drawdown duration',
    `${formatDurationMs(metrics.maxDrawdownDurationMs)}${metrics.maxDrawdownDurationOpen ? ' (not recovered)' : ''}`,
  ],
  ['Win rate', formatPct(metrics.winRatePct)],
  ['Profit factor', formatRatio(metrics.profitFactor)],
  ['Trades', `${metrics.trades} (${metrics.longTrades} long / ${metrics.shortTrades} short)`],
  ['Avg trade', formatUsdt(metrics.avgTradeUsdt)],
  ['Avg R', formatRatio(metrics.avgR)],
  ['Exposure', formatPct(metrics.exposurePct)],
  ['Fees', formatUsdt(metrics.feesUsdt)],
  ['Funding', formatUsdt(metrics.fundingUsdt)],
  ['Final equity', formatUsdt(metrics.finalEquityUsdt)],
];

// Code points, not UTF-16 units, so `∞` and `–` count as one column.
const widthOf = (text: string): number => [...text].length;

/**
 * The summary as a plain-text table for the terminal: a framed two-column table, labels left-aligned,
 * values right-aligned, no colors, `\n` line ends, no trailing newline.
 */
export const formatSummaryTable = (metrics: ReportMetrics): string => {
  const rows = summaryRows(metrics);
  let labelWidth = 'Metric'.length;
  let valueWidth = 'Value'.length;
  for (const [label, value] of rows) {
    labelWidth = Math.max(labelWidth, widthOf(label));
    valueWidth = Math.max(valueWidth, widthOf(value));
  }
  const rule = `+${'-'.repeat(labelWidth + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  const line = (label: string, value: string): string =>
    `| ${label}${' '.repeat(labelWidth - widthOf(label))} | ${' '.repeat(valueWidth - widthOf(value))}${value} |`;
  return [
    rule,
    line('Metric', 'Value'),
    rule,
    ...rows.map(([label, value]) => line(label, value)),
    rule,
  ].join('\n');
};
