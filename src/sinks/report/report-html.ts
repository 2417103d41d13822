import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../domain/index.js';
import { createDisplayTimeFormatter } from './display-time.js';
import { downsampleEquity } from './downsample-equity.js';
import { modelReportHtml } from './model-report.js';
import { metricsToJson } from './report-json.js';
import { REPORT_PAGE_CSS, REPORT_PAGE_SCRIPT } from './report-page-assets.js';
import {
  deniedTable,
  escapeHtml,
  exitReasonTable,
  modelVotesTable,
  monthlyTable,
  signClass,
  symbolTable,
  tradesTable,
} from './report-tables.js';
import type { BacktestReport } from './report-types.js';
import { formatDurationMs, formatFixedGrouped } from './stable-format.js';
import { formatUsdt, summaryRows } from './summary-table.js';

/** Options of the HTML report. */
export const reportHtmlParams = z
  .object({
    /** IANA zone for every time label on the page (charts, tables); computation is always UTC. */
    timeZone: z.string().min(1).default('UTC'),
    /** Page title; defaults to "Quantum backtest — <symbols>". */
    title: z.string().min(1).optional(),
    /** The trades table shows the last this-many trades (the full list is in trades.csv). */
    maxTrades: z.number().int().positive().default(2000),
    /** The equity and drawdown charts get at most this many points (see downsample-equity.ts). */
    maxEquityPoints: z.number().int().min(5).default(5000),
  })
  .strict();
export type ReportHtmlParams = z.output<typeof reportHtmlParams>;

export { escapeHtml } from './report-tables.js';

/**
 * JSON safe to place inside `<script type="application/json">`: every `<` becomes `\u003c` so no
 * string in the data can close the element (`</script>`) or open a comment (`<!--`); U+2028/2029
 * are escaped for older parsers. `JSON.parse` of the element's text gives the original value back.
 */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

// uPlot is read from node_modules on every render rather than cached at module level: the file is
// 50 kB, a report is written once per run, and a stale cache would outlive a package update.
const readUplotAssets = (): { js: string; css: string } => {
  const require = createRequire(import.meta.url);
  const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  // Neither file contains these today; guard so a future version cannot end our elements early.
  return { js: js.replace(/<\/(script)/gi, '<\\/$1'), css: css.replace(/<\/(style)/gi, '<\\/$1') };
};

/** The candlestick chart library (TradingView Lightweight Charts, Apache-2.0), inlined like uPlot. */
const readCandleChartJs = (): string => {
  // The package exports only its ES module; the standalone build sits beside it in dist/.
  const packageJson = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return readFileSync(
    join(dirname(packageJson), 'dist', 'lightweight-charts.standalone.production.js'),
    'utf8',
  );
};

/** Charts drawn at most: a page with hundreds of symbols stays usable (the tables have them all). */
const MAX_CANDLE_CHARTS = 12;

/** Short exit labels for chart markers. */
const EXIT_LABELS: Readonly<Record<string, string>> = {
  STOP_LOSS: 'SL',
  TAKE_PROFIT: 'TP',
  TRAILING_STOP: 'TS',
  BREAK_EVEN: 'BE',
  TIME_EXIT: 'TX',
  SIGNAL_EXIT: 'SX',
  KILL_SWITCH: 'KS',
  LIQUIDATION: 'LIQ',
  END_OF_DATA: 'END',
};

const round4 = (value: number): number => Math.round(value * 1e4) / 1e4;

/** The buy-and-hold values at the shown (downsampled) equity points, or null without a benchmark. */
const benchmarkAt = (report: BacktestReport, shown: readonly { readonly ts: number }[]): number[] | null => {
  const benchmark = report.benchmarkUsdt;
  if (benchmark === undefined || benchmark.length !== report.equity.length) return null;
  const equity = report.equity;
  // `shown` is downsampleEquity's subsequence of the equity points, both in ascending time: one walk
  // finds each point's value (a ts → value Map of a year of 1m bars took ~60 ms).
  const values: number[] = [];
  let i = 0;
  for (const point of shown) {
    const ts = point.ts;
    while (i < equity.length && equity[i].ts < ts) i++;
    // The last point at that time, as a ts → value map would keep.
    while (i + 1 < equity.length && equity[i + 1].ts === ts) i++;
    values.push(round4(i < equity.length && equity[i].ts === ts ? benchmark[i] : Number.NaN));
  }
  return values;
};

const defaultTitle = (symbols: readonly string[]): string => {
  const shown = symbols.slice(0, 6).join(', ');
  return `Quantum backtest — ${shown}${symbols.length > 6 ? ` +${symbols.length - 6} more` : ''}`;
};

/**
 * Renders the backtest report as ONE self-contained HTML page that works offline: uPlot's JS and CSS
 * are inlined (read from node_modules at render time), chart data sits in a
 * `<script type="application/json" id="report-data">` block, nothing is fetched. The page shows the
 * title and run info, summary metric cards, equity and drawdown charts (downsampled to
 * `maxEquityPoints` keeping each bucket's extremes), exit-reason and denied-gate tables and a
 * sortable table of the last `maxTrades` trades. `timeZone` changes labels only.
 * Throws `ConfigError` for unknown params or time zone. Deterministic: same report ⇒ same bytes.
 */
export const renderReportHtml = (
  report: BacktestReport,
  params: z.input<typeof reportHtmlParams> = {},
): string => {
  const parsed = reportHtmlParams.safeParse(params);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(`invalid report HTML options — ${problems.join('; ')}`, 'report.html');
  }
  const options = parsed.data;
  const formatTime = createDisplayTimeFormatter(options.timeZone);
  const { run, metrics, trades } = report;
  const title = options.title ?? defaultTitle(run.symbols);
  const uplot = readUplotAssets();

  const shown = downsampleEquity(report.equity, options.maxEquityPoints);
  const hasWallet = shown.length > 0 && shown.every((point) => point.walletUsdt !== undefined);
  const candles = report.candles ?? {};
  const chartSymbols = Object.keys(candles).slice(0, MAX_CANDLE_CHARTS);
  const chartedSet = new Set(chartSymbols);
  const data = {
    timeZone: options.timeZone,
    run,
    candles: Object.fromEntries(chartSymbols.map((symbol) => [symbol, candles[symbol]])),
    // Entries and exits of the charted symbols: [symbol, entry ts, side, exit ts, exit label, net PnL].
    markers: trades
      .filter((t) => chartedSet.has(t.symbol))
      .map((t) => [
        t.symbol,
        t.entryTs,
        t.side,
        t.ts,
        EXIT_LABELS[t.reason] ?? t.reason,
        round4(t.netPnlUsdt),
      ]),
    ...metricsToJson(metrics),
    equity: {
      ts: shown.map((point) => point.ts),
      equity: shown.map((point) => round4(point.equityUsdt)),
      wallet: hasWallet ? shown.map((point) => round4(point.walletUsdt ?? 0)) : null,
      drawdownPct: shown.map((point) => round4(point.drawdownPct)),
      benchmark: benchmarkAt(report, shown),
    },
  };

  const cards = summaryRows(metrics)
    .map(([label, value]) => {
      const tone =
        label === 'Total return' || label === 'CAGR' || label === 'Avg trade'
          ? signClass(
              label === 'Total return'
                ? metrics.totalReturnPct
                : label === 'CAGR'
                  ? metrics.cagrPct
                  : metrics.avgTradeUsdt,
            )
          : label === 'Max drawdown' && metrics.maxDrawdownPct > 0
            ? 'down'
            : '';
      return `<div class="card"><div class="label">${escapeHtml(label)}</div><div class="value ${tone}">${escapeHtml(value)}</div></div>`;
    })
    .join('\n');

  const info = [
    `<span>Symbols: ${escapeHtml(run.symbols.join(', '))}</span>`,
    `<span>Period: ${formatTime(run.from)} → ${formatTime(run.to)} (${escapeHtml(options.timeZone)})</span>`,
    `<span>Bars: ${formatDurationMs(run.barIntervalMs)}</span>`,
    `<span>Initial equity: ${formatUsdt(run.initialEquityUsdt)}</span>`,
    run.mode === undefined ? '' : `<span>Mode: ${escapeHtml(run.mode)}</span>`,
    run.seed === undefined ? '' : `<span>Seed: ${escapeHtml(String(run.seed))}</span>`,
    run.dataSource === undefined ? '' : `<span>Data: ${escapeHtml(run.dataSource)}</span>`,
    report.generatedAt === undefined ? '' : `<span>Generated: ${escapeHtml(report.generatedAt)}</span>`,
  ]
    .filter((part) => part !== '')
    .join('');

  const downsampleNote =
    shown.length < report.equity.length
      ? `${formatFixedGrouped(shown.length, 0)} of ${formatFixedGrouped(report.equity.length, 0)} equity points shown: each bucket keeps its lowest and highest equity and its deepest drawdown, so no trough is hidden; equity.csv has every point.`
      : `${formatFixedGrouped(report.equity.length, 0)} equity points.`;
  const basisNote =
    metrics.returnsBasis === 'daily'
      ? `Sharpe and Sortino: ${metrics.returnPeriods} daily UTC returns, annualized ×√365, risk-free 0.`
      : `Sharpe and Sortino: ${metrics.returnPeriods} per-bar returns (run shorter than 3 days), annualized ×√${formatFixedGrouped(metrics.periodsPerYear, 0)}, risk-free 0.`;

  const details = [
    report.extra !== undefined && Object.keys(report.extra).length > 0
      ? `<details><summary>Extra statistics</summary><pre>${escapeHtml(JSON.stringify(report.extra, null, 2))}</pre></details>`
      : '',
    report.config !== undefined
      ? `<details><summary>Config</summary><pre>${escapeHtml(JSON.stringify(report.config, null, 2))}</pre></details>`
      : '',
  ].join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${uplot.css}</style>
<style>${REPORT_PAGE_CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${info}</p>
<section class="cards">
${cards}
</section>
<h2>Equity</h2>
<div class="panel"><div id="equity-chart" class="chart"></div><div id="drawdown-chart" class="chart"></div>
<p class="note">${downsampleNote} ${basisNote} Times in ${escapeHtml(options.timeZone)}; drag on a chart to zoom, double-click to reset.</p></div>
${
  chartSymbols.length === 0
    ? ''
    : `<h2>Candles and trades</h2>
<div class="panel">${chartSymbols
        .map(
          (symbol) =>
            `<div class="candle-block"><div class="candle-title">${escapeHtml(symbol)}</div><div class="candles" id="candles-${escapeHtml(symbol)}" data-symbol="${escapeHtml(symbol)}"></div></div>`,
        )
        .join('')}
<p class="note">Entries ▲ long / ▼ short, exits ● with their reason (SL stop-loss, TP take-profit, TS trailing stop, BE break-even, TX time exit, END end of data), green for a winner, red for a loser. Candles merged for display (each keeps its extremes); times in UTC.${
        Object.keys(candles).length > chartSymbols.length
          ? ` Charts for the first ${chartSymbols.length} of ${Object.keys(candles).length} symbols.`
          : ''
      }</p></div>`
}
<div class="row">
<div><h2>By symbol</h2><div class="panel">${symbolTable(trades)}</div></div>
<div><h2>Monthly returns</h2><div class="panel">${monthlyTable(report.equity, run.initialEquityUsdt)}</div></div>
</div>
<div class="row">
<div><h2>Exit reasons</h2><div class="panel">${exitReasonTable(trades)}</div></div>
<div><h2>Denied orders by gate</h2><div class="panel">${deniedTable(report.deniedByGate ?? {}, report.deadLetters ?? 0)}</div></div>
</div>
${modelVotesTable(report.extra)}${modelReportHtml(report.models, formatTime)}
<h2>Trades (${formatFixedGrouped(trades.length, 0)})</h2>
${tradesTable(trades, options.maxTrades, formatTime)}
${details}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${uplot.js}</script>
${chartSymbols.length === 0 ? '' : `<script>${readCandleChartJs()}</script>`}
<script>${REPORT_PAGE_SCRIPT}</script>
</body>
</html>
`;
};
