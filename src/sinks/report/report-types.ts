import type { TradeClosed } from '../../domain/index.js';
import type { EquityPoint } from './equity-point.js';
import type { ReportMetrics } from './metrics.js';
import type { ModelReport } from './model-report.js';

/** What was run: echoed into report.json and the HTML header. Never contains wall-clock time. */
export interface ReportRunInfo {
  readonly mode?: string;
  readonly seed?: number | string;
  /** Where the market data came from (file paths, `synthetic:…`). */
  readonly dataSource?: string;
  readonly symbols: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly barIntervalMs: number;
  readonly initialEquityUsdt: number;
}

/** Everything the report files are written from. */
export interface BacktestReport {
  readonly run: ReportRunInfo;
  readonly metrics: ReportMetrics;
  readonly trades: readonly TradeClosed[];
  readonly equity: readonly EquityPoint[];
  /** Denied orders counted by gate name (`OrderDenied.gate`). */
  readonly deniedByGate?: Readonly<Record<string, number>>;
  /** How many inputs went to the dead-letter queue. */
  readonly deadLetters?: number;
  /** The validated pipeline config, echoed as-is. */
  readonly config?: unknown;
  /** Each symbol's candles for the report's charts, merged down for display (`displayCandles`). */
  readonly candles?: Readonly<Record<string, readonly (readonly [number, number, number, number, number])[]>>;
  /** Buy and hold of the same symbols, one value per `equity` point (`buyAndHold`). */
  readonly benchmarkUsdt?: readonly number[];
  /** Each model's record against outcomes and the supervisor's findings (runs with the supervisor on). */
  readonly models?: ModelReport;
  /** Anything else worth keeping (per-model vote stats, …); must be JSON-serializable. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /**
   * When the report was generated, passed in by the caller (ISO string). Only report.json and
   * report.html show it; trades.csv and equity.csv never do, so they stay byte-identical.
   */
  readonly generatedAt?: string;
}
