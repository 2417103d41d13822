import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { writeEquityCsv, writeTradesCsv } from './csv-files.js';
import { renderReportHtml, type reportHtmlParams } from './report-html.js';
import { writeReportJson } from './report-json.js';
import type { BacktestReport } from './report-types.js';

/** Where `writeReportFiles` put each file. */
export interface ReportFilePaths {
  readonly reportJson: string;
  readonly tradesCsv: string;
  readonly equityCsv: string;
  readonly reportHtml: string;
}

/**
 * Writes a run's report into `dir` (created if missing): report.json, trades.csv, equity.csv and the
 * self-contained report.html (`htmlParams`: display time zone, title, caps). Existing files of the
 * same names are replaced. Resolves with the paths written; rejects with the first I/O error.
 */
export const writeReportFiles = async (
  dir: string,
  report: BacktestReport,
  htmlParams: z.input<typeof reportHtmlParams> = {},
): Promise<ReportFilePaths> => {
  await mkdir(dir, { recursive: true });
  const paths: ReportFilePaths = {
    reportJson: join(dir, 'report.json'),
    tradesCsv: join(dir, 'trades.csv'),
    equityCsv: join(dir, 'equity.csv'),
    reportHtml: join(dir, 'report.html'),
  };
  // Render first: a bad option (time zone) fails before any file is touched.
  const html = renderReportHtml(report, htmlParams);
  await Promise.all([
    writeReportJson(paths.reportJson, report),
    writeTradesCsv(paths.tradesCsv, report.trades),
    writeEquityCsv(paths.equityCsv, report.equity),
    writeFile(paths.reportHtml, html, 'utf8'),
  ]);
  return paths;
};
