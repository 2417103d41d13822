import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeMetrics, formatRatio, formatSummaryTable } from '../../../src/sinks/report/index.js';
import { DAY_MS, equityPath, HOUR_MS, T0, trade } from './fixtures/report-fixtures.js';

const metrics = computeMetrics({
  initialEquityUsdt: 10_000,
  equity: equityPath(10_000, [
    [DAY_MS, 10_100],
    [2 * DAY_MS, 10_050],
    [3 * DAY_MS, 10_250],
  ]),
  trades: [trade({ netPnlUsdt: 150 }), trade({ netPnlUsdt: 100, side: 'SHORT' })],
  feesUsdt: 12.5,
  fundingUsdt: 1234.5,
  from: T0,
  to: T0 + 3 * DAY_MS,
  barIntervalMs: HOUR_MS,
});

test('the summary table lists the key metrics with aligned columns', () => {
  const table = formatSummaryTable(metrics);
  const lines = table.split('\n');
  // every line has the same width and the value column is right-aligned
  const widths = new Set(lines.map((line) => [...line].length));
  assert.is(widths.size, 1);
  for (const label of ['Total return', 'CAGR', 'Sharpe', 'Sortino', 'Max drawdown', 'Win rate']) {
    assert.ok(table.includes(`| ${label} `), label);
  }
  assert.ok(lines.some((line) => /^\| Total return +\| +2\.50 % \|$/.test(line)));
  assert.ok(lines.some((line) => /^\| Profit factor +\| +∞ \|$/.test(line)));
  assert.ok(lines.some((line) => /^\| Trades +\| +2 \(1 long \/ 1 short\) \|$/.test(line)));
  assert.ok(lines.some((line) => /^\| Funding +\| +1,234\.50 USDT \|$/.test(line)));
  assert.ok(lines.some((line) => /^\| Final equity +\| +10,250\.00 USDT \|$/.test(line)));
  assert.ok(lines.some((line) => /^\| Win rate +\| +100\.00 % \|$/.test(line)));
  // Three days annualized would be noise: no CAGR under 30 days, and the table says why.
  assert.ok(
    lines.some((line) => /^\| CAGR +\| +— \(run < 30 days\) \|$/.test(line)),
    table,
  );
  assert.ok(lines[0].startsWith('+-') && lines.at(-1) === lines[0]);
});

test('ratios print ∞ for Infinity and n/a when undefined', () => {
  assert.is(formatRatio(Number.POSITIVE_INFINITY), '∞');
  assert.is(formatRatio(null), 'n/a');
  assert.is(formatRatio(1.23456), '1.23');
});

test.run();
