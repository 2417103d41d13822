import type { ReportInputs } from './collect-report-inputs.js';
import { computeMetrics } from './metrics.js';
import type { BacktestReport, ReportRunInfo } from './report-types.js';

/** What the caller adds to the gathered inputs: things the event stream does not carry. */
export interface BacktestReportExtras {
  readonly config?: unknown;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly generatedAt?: string;
  readonly candles?: BacktestReport['candles'];
  readonly benchmarkUsdt?: BacktestReport['benchmarkUsdt'];
}

/**
 * Assembles a `BacktestReport` from the run description and the inputs `collectReportInputs`
 * gathered, computing the metrics (see `computeMetrics`). Pure; throws what `computeMetrics` throws.
 */
export const buildBacktestReport = (
  run: ReportRunInfo,
  inputs: ReportInputs,
  extras: BacktestReportExtras = {},
): BacktestReport => ({
  run,
  metrics: computeMetrics({
    initialEquityUsdt: run.initialEquityUsdt,
    equity: inputs.equity,
    trades: inputs.trades,
    feesUsdt: inputs.feesUsdt,
    fundingUsdt: inputs.fundingUsdt,
    from: run.from,
    to: run.to,
    barIntervalMs: run.barIntervalMs,
  }),
  trades: inputs.trades,
  equity: inputs.equity,
  deniedByGate: inputs.deniedByGate,
  deadLetters: inputs.deadLetters,
  ...(inputs.models === undefined ? {} : { models: inputs.models }),
  ...extras,
});
