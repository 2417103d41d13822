import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { periodReturns, sharpeRatio, sortinoRatio } from '../../../src/sinks/report/index.js';
import { close, DAY_MS, HOUR_MS, T0 } from './fixtures/report-fixtures.js';

test('per-bar returns start from the initial equity and annualize by bars per year', () => {
  const result = periodReturns(
    { ts: [T0 + 5 * 60_000, T0 + 10 * 60_000], equityUsdt: [110, 99] },
    100,
    T0,
    T0 + HOUR_MS,
    300_000,
  );
  assert.is(result.basis, 'bar');
  assert.ok(close(result.returns[0], 0.1));
  assert.ok(close(result.returns[1], -0.1));
  // 365 · 24 · 12 five-minute bars a year
  assert.is(result.periodsPerYear, 105_120);
});

test('daily closes take the last point of each UTC day and carry the close over empty days', () => {
  const result = periodReturns(
    { ts: [T0 + HOUR_MS, T0 + 23 * HOUR_MS, T0 + 3 * DAY_MS + HOUR_MS], equityUsdt: [999, 120, 60] },
    100,
    T0,
    T0 + 3 * DAY_MS + 2 * HOUR_MS,
    HOUR_MS,
  );
  assert.is(result.basis, 'daily');
  // day 0 closes at 120 (not 999), days 1–2 flat, day 3 halves
  assert.equal(
    Array.from(result.returns).map((r) => Math.round(r * 1e12) / 1e12),
    [0.2, 0, 0, -0.5],
  );
});

test('Sharpe is null when returns never vary or there are fewer than 2', () => {
  assert.is(sharpeRatio(new Float64Array([0.01, 0.01, 0.01]), 365), null);
  assert.is(sharpeRatio(new Float64Array([0.01]), 365), null);
  // mean 0.02, sample std of (0.01, 0.03) = √0.0002 ⇒ 0.02 / 0.0141421… · √4
  assert.ok(close(sharpeRatio(new Float64Array([0.01, 0.03]), 4), (0.02 / Math.sqrt(0.0002)) * 2));
});

test('Sortino is Infinity without a losing period and null for all-zero returns', () => {
  assert.is(sortinoRatio(new Float64Array([0.01, 0.02, 0]), 365), Number.POSITIVE_INFINITY);
  assert.is(sortinoRatio(new Float64Array([0, 0]), 365), null);
  // downside over ALL periods: √((0.02²) / 4) = 0.01, mean (0.04 + 0.02 + 0.02 − 0.02) / 4 = 0.015
  assert.ok(close(sortinoRatio(new Float64Array([0.04, 0.02, 0.02, -0.02]), 1), 1.5));
});

test.run();
