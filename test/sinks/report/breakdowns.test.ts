import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { monthlyReturns, statsBySymbol } from '../../../src/sinks/report/index.js';
import { close, equityPath, T0, trade } from './fixtures/report-fixtures.js';

test('per symbol: trades, win rate, net PnL, fees and funding, symbols in name order', () => {
  const stats = statsBySymbol([
    trade({ symbol: 'ETHUSDT', netPnlUsdt: 30, feesUsdt: 2, fundingUsdt: 1 }),
    trade({ symbol: 'BTCUSDT', netPnlUsdt: -10, feesUsdt: 1, fundingUsdt: 0 }),
    trade({ symbol: 'ETHUSDT', netPnlUsdt: -5, feesUsdt: 2, fundingUsdt: -0.5 }),
  ]);
  assert.equal(
    stats.map((s) => [s.symbol, s.trades, s.wins, s.winRatePct, s.netPnlUsdt, s.feesUsdt, s.fundingUsdt]),
    [
      ['BTCUSDT', 1, 0, 0, -10, 1, 0],
      ['ETHUSDT', 2, 1, 50, 25, 4, 0.5],
    ],
  );
  assert.equal(statsBySymbol([]), []);
});

test('monthly returns compound to the total: each month against the last equity of the month before', () => {
  const DAY = 86_400_000;
  // T0 is in a month; points at +10 days, +40 days (next month), +70 days (the month after).
  const equity = equityPath(1000, [
    [10 * DAY, 1100],
    [40 * DAY, 990],
    [70 * DAY, 1089],
  ]);
  const months = monthlyReturns(equity, 1000);
  const keys = [T0 + 10 * DAY, T0 + 40 * DAY, T0 + 70 * DAY].map((ts) =>
    new Date(ts).toISOString().slice(0, 7),
  );
  assert.equal(
    months.map((m) => m.month),
    [...new Set(keys)],
  );
  const total = months.reduce((growth, m) => growth * (1 + m.returnPct / 100), 1);
  assert.ok(close((total - 1) * 100, 8.9, 1e-9), `${total}`);
  assert.equal(monthlyReturns([], 1000), []);
});

test('a bar closing at 00:00 on the 1st counts for the month it ends, not the next', () => {
  const march = Date.UTC(2026, 2, 1);
  const months = monthlyReturns(
    [
      { ts: march - 3_600_000, equityUsdt: 1010, drawdownPct: 0 },
      { ts: march, equityUsdt: 1020, drawdownPct: 0 },
    ],
    1000,
  );
  assert.equal(
    months.map((m) => [m.month, m.endEquityUsdt]),
    [['2026-02', 1020]],
  );
});

test('monthly returns over 20,000 hourly points equal a month key worked out per point', () => {
  const points = Array.from({ length: 20_000 }, (_, i) => ({
    ts: Date.UTC(2024, 0, 1) + i * 3_600_000,
    equityUsdt: 10_000 + i * 0.37 - (i % 50) * 2.5,
    drawdownPct: 0,
  }));
  // The plain definition: each point's month is that of ts − 1 (a bar closing at 00:00 on the 1st
  // belongs to the month before); a month starts where the previous one ended.
  const expected: { month: string; startEquityUsdt: number; endEquityUsdt: number; returnPct: number }[] = [];
  let start = 10_000;
  for (const point of points) {
    const month = new Date(point.ts - 1).toISOString().slice(0, 7);
    const current = expected[expected.length - 1];
    if (current === undefined || current.month !== month) {
      if (current !== undefined) start = current.endEquityUsdt;
      expected.push({ month, startEquityUsdt: start, endEquityUsdt: point.equityUsdt, returnPct: 0 });
    }
    const row = expected[expected.length - 1];
    row.endEquityUsdt = point.equityUsdt;
    row.returnPct = (row.endEquityUsdt / row.startEquityUsdt - 1) * 100;
  }
  assert.equal(monthlyReturns(points, 10_000), expected);
  assert.is(expected.length, 29); // Dec 2023 (the first point closes at 00:00 on Jan 1) to Apr 2026
});

test.run();
