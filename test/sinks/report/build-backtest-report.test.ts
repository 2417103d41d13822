import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildBacktestReport, formatReportJson } from '../../../src/sinks/report/index.js';
import { close, HOUR_MS, T0, trade } from './fixtures/report-fixtures.js';

test('assembles run, inputs and metrics into a report', () => {
  const report = buildBacktestReport(
    { symbols: ['BTCUSDT'], from: T0, to: T0 + 2 * HOUR_MS, barIntervalMs: HOUR_MS, initialEquityUsdt: 100 },
    {
      trades: [trade({ netPnlUsdt: 5 })],
      equity: [
        { ts: T0 + HOUR_MS, equityUsdt: 105, drawdownPct: 0 },
        { ts: T0 + 2 * HOUR_MS, equityUsdt: 105, drawdownPct: 0 },
      ],
      deniedByGate: { cooldown: 1 },
      deadLetters: 0,
      feesUsdt: 0.1,
      fundingUsdt: 0,
      firstTs: T0,
      lastTs: T0 + 2 * HOUR_MS,
    },
    { config: { a: 1 } },
  );
  assert.is(report.metrics.finalEquityUsdt, 105);
  assert.ok(close(report.metrics.totalReturnPct, 5));
  assert.is(report.metrics.feesUsdt, 0.1);
  assert.equal(report.deniedByGate, { cooldown: 1 });
  assert.equal(report.config, { a: 1 });
  assert.is(JSON.parse(formatReportJson(report)).metrics.profitFactor, null);
  // no losing trade and no losing bar (returns +5 %, 0): both ratios are +Infinity, flagged
  assert.equal(JSON.parse(formatReportJson(report)).nonFinite, {
    sortino: 'Infinity',
    profitFactor: 'Infinity',
  });
});

test.run();
