import { ExitReason, type TradeClosed } from '../../domain/index.js';
import { monthlyReturns, statsBySymbol } from './breakdowns.js';
import type { BacktestReport } from './report-types.js';
import { formatDecimal, formatDurationMs, formatFixedGrouped } from './stable-format.js';
import { formatPct, formatUsdt } from './summary-table.js';

/**
 * The report page's tables as HTML: trades, exit reasons, symbols, months, denied gates and model
 * votes. Every number cell carries its raw value in `data-v` so the page can sort it.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);

export const signClass = (value: number | null): string =>
  value === null || value === 0 || Number.isNaN(value) ? '' : value > 0 ? 'up' : 'down';

const numberCell = (value: number | undefined, text: string, extraClass = ''): string =>
  `<td${extraClass ? ` class="${extraClass}"` : ''} data-v="${value === undefined || !Number.isFinite(value) ? '' : value}">${text}</td>`;

const TRADE_HEADERS = [
  ['#', ''],
  ['Trade', 'text'],
  ['Symbol', 'text'],
  ['Side', 'text'],
  ['Entry time', 'text'],
  ['Exit time', 'text'],
  ['Hold', ''],
  ['Entry', ''],
  ['Exit', ''],
  ['Qty', ''],
  ['Lev', ''],
  ['Gross', ''],
  ['Fees', ''],
  ['Funding', ''],
  ['Net PnL', ''],
  ['R', ''],
  ['Exit reason', 'text'],
] as const;

export const tradesTable = (
  trades: readonly TradeClosed[],
  maxTrades: number,
  formatTime: (ts: number) => string,
): string => {
  const firstShown = Math.max(0, trades.length - maxTrades);
  const rows: string[] = [];
  for (let i = firstShown; i < trades.length; i++) {
    const t = trades[i];
    const holdMs = t.ts - t.entryTs;
    rows.push(
      `<tr>${numberCell(i + 1, String(i + 1))}<td class="text">${escapeHtml(t.tradeId)}</td>` +
        `<td class="text">${t.symbol}</td><td class="text ${t.side === 'LONG' ? 'up' : 'down'}">${t.side}</td>` +
        `<td class="text" data-v="${t.entryTs}">${formatTime(t.entryTs)}</td>` +
        `<td class="text" data-v="${t.ts}">${formatTime(t.ts)}</td>` +
        numberCell(holdMs, formatDurationMs(holdMs)) +
        numberCell(t.entryPrice, formatDecimal(t.entryPrice)) +
        numberCell(t.exitPrice, formatDecimal(t.exitPrice)) +
        numberCell(t.qty, formatDecimal(t.qty)) +
        numberCell(t.leverage, formatDecimal(t.leverage)) +
        numberCell(t.grossPnlUsdt, formatFixedGrouped(t.grossPnlUsdt, 2)) +
        numberCell(t.feesUsdt, formatFixedGrouped(t.feesUsdt, 2)) +
        numberCell(t.fundingUsdt, formatFixedGrouped(t.fundingUsdt, 2)) +
        numberCell(t.netPnlUsdt, formatFixedGrouped(t.netPnlUsdt, 2), signClass(t.netPnlUsdt)) +
        numberCell(t.rMultiple, t.rMultiple === undefined ? '' : formatFixedGrouped(t.rMultiple, 2)) +
        `<td class="text">${t.reason}</td></tr>`,
    );
  }
  const head = TRADE_HEADERS.map(([label, cls]) => `<th${cls ? ` class="${cls}"` : ''}>${label}</th>`).join(
    '',
  );
  const note =
    firstShown > 0
      ? `<p class="note">Showing the last ${formatFixedGrouped(maxTrades, 0)} of ${formatFixedGrouped(trades.length, 0)} trades; all of them are in trades.csv.</p>`
      : '';
  return `${note}<div class="scroll panel"><table id="trades" class="sortable"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
};

export const exitReasonTable = (trades: readonly TradeClosed[]): string => {
  const counts = new Map<ExitReason, { count: number; netPnlUsdt: number; wins: number }>();
  for (const t of trades) {
    const entry = counts.get(t.reason) ?? { count: 0, netPnlUsdt: 0, wins: 0 };
    entry.count++;
    entry.netPnlUsdt += t.netPnlUsdt;
    if (t.netPnlUsdt > 0) entry.wins++;
    counts.set(t.reason, entry);
  }
  const rows = ExitReason.options
    .filter((reason) => counts.has(reason))
    .map((reason) => {
      const { count, netPnlUsdt, wins } = counts.get(reason)!;
      return `<tr><td>${reason}</td>${numberCell(count, String(count))}${numberCell(
        (count / trades.length) * 100,
        formatPct((count / trades.length) * 100),
      )}${numberCell((wins / count) * 100, formatPct((wins / count) * 100))}${numberCell(
        netPnlUsdt,
        formatUsdt(netPnlUsdt),
        signClass(netPnlUsdt),
      )}</tr>`;
    });
  if (rows.length === 0) rows.push('<tr><td colspan="5">no closed trades</td></tr>');
  return `<table id="exit-reasons" class="sortable"><thead><tr><th>Exit reason</th><th>Trades</th><th>Share</th><th>Win rate</th><th>Net PnL</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

/** Trades, win rate, net PnL, fees and funding per symbol. */
export const symbolTable = (trades: readonly TradeClosed[]): string => {
  const rows = statsBySymbol(trades).map(
    (s) =>
      `<tr><td>${escapeHtml(s.symbol)}</td>${numberCell(s.trades, String(s.trades))}${numberCell(
        s.winRatePct,
        formatPct(s.winRatePct),
      )}${numberCell(s.netPnlUsdt, formatUsdt(s.netPnlUsdt), signClass(s.netPnlUsdt))}${numberCell(
        s.feesUsdt,
        formatUsdt(s.feesUsdt),
      )}${numberCell(s.fundingUsdt, formatUsdt(s.fundingUsdt))}</tr>`,
  );
  if (rows.length === 0) rows.push('<tr><td colspan="6">no closed trades</td></tr>');
  return `<table id="by-symbol" class="sortable"><thead><tr><th>Symbol</th><th>Trades</th><th>Win rate</th><th>Net PnL</th><th>Fees</th><th>Funding</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

/** Return per UTC month, compounding to the total. */
export const monthlyTable = (equity: BacktestReport['equity'], initialEquityUsdt: number): string => {
  const rows = monthlyReturns(equity, initialEquityUsdt).map(
    (m) =>
      `<tr><td>${m.month}</td>${numberCell(m.startEquityUsdt, formatUsdt(m.startEquityUsdt))}${numberCell(
        m.endEquityUsdt,
        formatUsdt(m.endEquityUsdt),
      )}${numberCell(m.returnPct, formatPct(m.returnPct), signClass(m.returnPct))}</tr>`,
  );
  if (rows.length === 0) rows.push('<tr><td colspan="4">no equity points</td></tr>');
  return `<table id="monthly-returns" class="sortable"><thead><tr><th>Month (UTC)</th><th>Start equity</th><th>End equity</th><th>Return</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
};

export const deniedTable = (deniedByGate: Readonly<Record<string, number>>, deadLetters: number): string => {
  const gates = Object.keys(deniedByGate).sort();
  const rows = gates.map(
    (gate) =>
      `<tr><td>${escapeHtml(gate)}</td>${numberCell(deniedByGate[gate], String(deniedByGate[gate]))}</tr>`,
  );
  if (rows.length === 0) rows.push('<tr><td colspan="2">no orders denied</td></tr>');
  return `<table id="denied-gates" class="sortable"><thead><tr><th>Gate</th><th>Denied orders</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table><p class="note">Dead letters (malformed inputs): ${deadLetters}</p>`;
};

/** Per-model votes inside the actionable signals (`extra.modelVotes` of a backtest), when present. */
export const modelVotesTable = (extra: BacktestReport['extra']): string => {
  const votes = extra?.modelVotes;
  if (votes === null || typeof votes !== 'object') return '';
  const rows = Object.entries(votes as Record<string, Record<string, unknown>>).map(([model, tally]) => {
    const count = (action: string): number =>
      typeof tally[action] === 'number' ? (tally[action] as number) : 0;
    const cells = ['BUY', 'SELL', 'HOLD', 'abstain'].map((action) =>
      numberCell(count(action), String(count(action))),
    );
    return `<tr><td>${escapeHtml(model)}</td>${cells.join('')}</tr>`;
  });
  if (rows.length === 0) return '';
  return `<h2>Model votes in BUY/SELL signals</h2><div class="panel"><table id="model-votes" class="sortable"><thead><tr><th>Model</th><th>BUY</th><th>SELL</th><th>HOLD</th><th>Abstain</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
};
