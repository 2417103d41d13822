import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drawdownStats } from '../../../src/sinks/report/index.js';
import { close, HOUR_MS, T0 } from './fixtures/report-fixtures.js';

test('the longest underwater period wins even if a later one is deeper, and recovery closes it', () => {
  // peak 100 @0 → 95 @1h … back to 100 @5h (5 h under water, 5 %); peak 120 @6h → 90 @7h → 121 @8h (2 h, 25 %)
  const stats = drawdownStats(
    {
      ts: [T0, T0 + HOUR_MS, T0 + 5 * HOUR_MS, T0 + 6 * HOUR_MS, T0 + 7 * HOUR_MS, T0 + 8 * HOUR_MS],
      equityUsdt: [100, 95, 100, 120, 90, 121],
    },
    100,
    T0,
  );
  assert.ok(close(stats.maxDrawdownPct, 25));
  assert.is(stats.maxDrawdownDurationMs, 5 * HOUR_MS);
  assert.is(stats.maxDrawdownDurationOpen, false);
});

test('a curve that only rises has no drawdown', () => {
  const stats = drawdownStats({ ts: [T0, T0 + HOUR_MS], equityUsdt: [101, 102] }, 100, T0);
  assert.equal(stats, { maxDrawdownPct: 0, maxDrawdownDurationMs: 0, maxDrawdownDurationOpen: false });
});

test.run();
