// Question: how long does writing a backtest report take for a one-year 1m run (525,600 equity
// points, 20,000 trades), step by step, compared with the least any report must do — one
// JSON.stringify of the same equity points and trades?
// Steps: computeMetrics, trades.csv + equity.csv text, report.html (downsampled to 5,000 points,
// last 2,000 trades, inlined uPlot). Baseline: JSON.stringify({ equity, trades }).
// Prints a JSON line and a table; writes bench/results/report.json.
// Usage: `node --import tsx bench/report.ts [bars=525600] [trades=20000]`
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  computeMetrics,
  formatEquityCsv,
  formatTradesCsv,
  renderReportHtml,
} from '../src/sinks/report/index.js';
import { syntheticReport } from '../test/sinks/report/fixtures/synthetic-report.js';

const barCount = Number(process.argv[2] ?? 525_600);
const tradeCount = Number(process.argv[3] ?? 20_000);
const report = syntheticReport(barCount, tradeCount, 42);

/** Best of `runs` timings (ms) of `work`, after one warm-up; returns the output size too. */
const time = (runs: number, work: () => number): { ms: number; size: number } => {
  let size = work();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    size = work();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: best, size };
};

const baseline = time(3, () => JSON.stringify({ equity: report.equity, trades: report.trades }).length);
const metrics = time(
  3,
  () =>
    computeMetrics({
      initialEquityUsdt: report.run.initialEquityUsdt,
      equity: report.equity,
      trades: report.trades,
      feesUsdt: report.metrics.feesUsdt,
      fundingUsdt: report.metrics.fundingUsdt,
      from: report.run.from,
      to: report.run.to,
      barIntervalMs: report.run.barIntervalMs,
    }).trades,
);
const csv = time(3, () => formatTradesCsv(report.trades).length + formatEquityCsv(report.equity).length);
const html = time(3, () => renderReportHtml(report, { timeZone: 'Europe/Oslo' }).length);

const rows = [
  ['baseline JSON.stringify', baseline],
  ['computeMetrics', metrics],
  ['trades.csv + equity.csv', csv],
  ['report.html', html],
] as const;
const result = {
  bench: 'report',
  bars: barCount,
  trades: tradeCount,
  node: process.version,
  baselineMs: round(baseline.ms),
  metricsMs: round(metrics.ms),
  csvMs: round(csv.ms),
  htmlMs: round(html.ms),
  csvBytes: csv.size,
  htmlBytes: html.size,
};
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.stdout.write(
  `${'step'.padEnd(26)}${'ms'.padStart(10)}${'× baseline'.padStart(12)}${'output'.padStart(14)}\n`,
);
for (const [name, { ms, size }] of rows) {
  const ratio = (ms / baseline.ms).toFixed(2);
  process.stdout.write(
    `${name.padEnd(26)}${ms.toFixed(1).padStart(10)}${ratio.padStart(12)}${(name === 'computeMetrics' ? `${size} trades` : `${(size / 1e6).toFixed(2)} MB`).padStart(14)}\n`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/report.json', `${JSON.stringify(result, null, 2)}\n`);
