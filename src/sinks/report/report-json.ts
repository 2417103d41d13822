import { writeFile } from 'node:fs/promises';
import { monthlyReturns, statsBySymbol } from './breakdowns.js';
import type { ReportMetrics } from './metrics.js';
import type { BacktestReport } from './report-types.js';

/** Version of the report.json layout; bump when a field changes meaning or moves. */
export const REPORT_JSON_VERSION = 1;

/** Metrics as JSON can hold them: non-finite numbers become null. */
export type JsonMetrics = { readonly [K in keyof ReportMetrics]: ReportMetrics[K] | null };

/**
 * Metrics made JSON-safe: JSON has no Infinity, and `JSON.stringify` would silently write null, losing
 * the difference between "no losses" (∞) and "undefined". So every non-finite number becomes null and
 * is named in `nonFinite` with its value (`{ profitFactor: 'Infinity' }`).
 */
export const metricsToJson = (
  metrics: ReportMetrics,
): { metrics: JsonMetrics; nonFinite: Record<string, 'Infinity' | '-Infinity' | 'NaN'> } => {
  const json: Record<string, unknown> = {};
  const nonFinite: Record<string, 'Infinity' | '-Infinity' | 'NaN'> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      json[key] = null;
      nonFinite[key] = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    } else {
      json[key] = value;
    }
  }
  return { metrics: json as JsonMetrics, nonFinite };
};

/**
 * The report.json document: layout version, caller-supplied `generatedAt` (omitted when absent, so
 * two runs of the same input compare equal), run info, metrics (JSON-safe) with `nonFinite` flags,
 * denied orders by gate (sorted by name), dead-letter count, per-symbol stats, monthly returns, the
 * config echo and `extra`. Trades and
 * the equity curve live in their CSV files, not here.
 */
export const buildReportJson = (report: BacktestReport): Record<string, unknown> => {
  const { metrics, nonFinite } = metricsToJson(report.metrics);
  const deniedByGate: Record<string, number> = {};
  for (const gate of Object.keys(report.deniedByGate ?? {}).sort()) {
    deniedByGate[gate] = report.deniedByGate?.[gate] ?? 0;
  }
  let deniedTotal = 0;
  for (const gate in deniedByGate) deniedTotal += deniedByGate[gate];
  return {
    version: REPORT_JSON_VERSION,
    ...(report.generatedAt === undefined ? {} : { generatedAt: report.generatedAt }),
    run: {
      ...report.run,
      fromIso: new Date(report.run.from).toISOString(),
      toIso: new Date(report.run.to).toISOString(),
    },
    metrics,
    nonFinite,
    counts: {
      trades: report.trades.length,
      equityPoints: report.equity.length,
      denied: deniedTotal,
      deadLetters: report.deadLetters ?? 0,
    },
    deniedByGate,
    // Only runs with the supervisor on have it: other reports stay as they were.
    ...(report.models === undefined ? {} : { models: report.models }),
    bySymbol: statsBySymbol(report.trades),
    monthlyReturns: monthlyReturns(report.equity, report.run.initialEquityUsdt),
    config: report.config ?? null,
    extra: report.extra ?? {},
  };
};

/** report.json text: `buildReportJson` pretty-printed with 2 spaces and a final newline. */
export const formatReportJson = (report: BacktestReport): string =>
  `${JSON.stringify(buildReportJson(report), null, 2)}\n`;

/** Writes report.json (see `buildReportJson`) to `path`, replacing any file there. */
export const writeReportJson = async (path: string, report: BacktestReport): Promise<void> => {
  await writeFile(path, formatReportJson(report), 'utf8');
};
