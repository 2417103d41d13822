import { writeFile } from 'node:fs/promises';
import { type TradeClosed, timestampText } from '../../domain/index.js';
import type { EquityPoint } from './equity-point.js';
import { createIsoUtcFormatter, formatDecimal } from './stable-format.js';

/**
 * trades.csv and equity.csv. Both are byte-identical for identical inputs (DESIGN.md rule 2): fixed
 * column order, `\n` line ends, numbers through `formatDecimal` (no locale, no exponent), times as
 * ms plus ISO-8601 UTC, and nothing from the wall clock.
 */

export const TRADES_CSV_HEADER = [
  'trade_id',
  'symbol',
  'side',
  'entry_ts',
  'entry_time',
  'exit_ts',
  'exit_time',
  'entry_price',
  'exit_price',
  'qty',
  'leverage',
  'gross_pnl',
  'fees',
  'funding',
  'net_pnl',
  'r_multiple',
  'exit_reason',
] as const;

export const EQUITY_CSV_HEADER = ['ts', 'time', 'equity', 'wallet', 'drawdown_pct'] as const;

const NEEDS_QUOTES = /[",\r\n]/;
/** RFC 4180 quoting, only where needed (ids are free text and could hold a comma). */
const csvField = (text: string): string =>
  NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;

/**
 * Lines joined by `\n`, with a final `\n`, a batch of lines at a time: each line dies young instead
 * of living in one array until the end (a year of 1m bars is 525,600 lines; kept to the end, every
 * scavenge copied them and GC took most of the time).
 */
class LineJoiner {
  private readonly chunks: string[];
  private batch: string[] = [];

  constructor(header: string) {
    this.chunks = [header];
  }

  add(line: string): void {
    this.batch.push(line);
    if (this.batch.length === 4096) this.flush();
  }

  text(): string {
    this.flush();
    return `${this.chunks.join('\n')}\n`;
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.chunks.push(this.batch.join('\n'));
    this.batch = [];
  }
}

/** trades.csv content: the header and one line per trade in the given order (callers pass close order). */
export const formatTradesCsv = (trades: readonly TradeClosed[]): string => {
  const formatIsoUtc = createIsoUtcFormatter();
  const lines = new LineJoiner(TRADES_CSV_HEADER.join(','));
  for (const trade of trades) {
    lines.add(
      [
        csvField(trade.tradeId),
        trade.symbol,
        trade.side,
        timestampText(trade.entryTs),
        formatIsoUtc(trade.entryTs),
        timestampText(trade.ts),
        formatIsoUtc(trade.ts),
        formatDecimal(trade.entryPrice),
        formatDecimal(trade.exitPrice),
        formatDecimal(trade.qty),
        formatDecimal(trade.leverage),
        formatDecimal(trade.grossPnlUsdt),
        formatDecimal(trade.feesUsdt),
        formatDecimal(trade.fundingUsdt),
        formatDecimal(trade.netPnlUsdt),
        trade.rMultiple === undefined ? '' : formatDecimal(trade.rMultiple, 6),
        trade.reason,
      ].join(','),
    );
  }
  return lines.text();
};

/** equity.csv content: the header and one line per point; `wallet` is empty when the point has none. */
export const formatEquityCsv = (points: readonly EquityPoint[]): string => {
  const formatIsoUtc = createIsoUtcFormatter();
  const lines = new LineJoiner(EQUITY_CSV_HEADER.join(','));
  for (const point of points) {
    lines.add(
      `${timestampText(point.ts)},${formatIsoUtc(point.ts)},${formatDecimal(point.equityUsdt)},${
        point.walletUsdt === undefined ? '' : formatDecimal(point.walletUsdt)
      },${formatDecimal(point.drawdownPct, 6)}`,
    );
  }
  return lines.text();
};

/** Writes trades.csv (see `formatTradesCsv`) to `path`, replacing any file there. */
export const writeTradesCsv = async (path: string, trades: readonly TradeClosed[]): Promise<void> => {
  await writeFile(path, formatTradesCsv(trades), 'utf8');
};

/** Writes equity.csv (see `formatEquityCsv`) to `path`, replacing any file there. */
export const writeEquityCsv = async (path: string, points: readonly EquityPoint[]): Promise<void> => {
  await writeFile(path, formatEquityCsv(points), 'utf8');
};
