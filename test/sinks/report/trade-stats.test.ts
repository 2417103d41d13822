import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tradeStats } from '../../../src/sinks/report/index.js';
import { HOUR_MS, T0, trade } from './fixtures/report-fixtures.js';

test('overlapping trades count once toward exposure, and time outside the run is clipped', () => {
  const stats = tradeStats(
    [
      trade({ entryTs: T0, ts: T0 + 2 * HOUR_MS }),
      trade({ entryTs: T0 + HOUR_MS, ts: T0 + 3 * HOUR_MS, symbol: 'ETHUSDT' }),
      trade({ entryTs: T0 + 6 * HOUR_MS, ts: T0 + 12 * HOUR_MS }),
    ],
    T0,
    T0 + 8 * HOUR_MS,
  );
  // [0,3h] ∪ [6h,8h] = 5 h of 8 h
  assert.is(stats.exposurePct, 62.5);
});

test('profit factor: wins only ⇒ Infinity, losses only ⇒ 0, break-even only ⇒ null', () => {
  assert.is(tradeStats([trade({ netPnlUsdt: 5 })], T0, T0 + HOUR_MS).profitFactor, Number.POSITIVE_INFINITY);
  assert.is(tradeStats([trade({ netPnlUsdt: -5 })], T0, T0 + HOUR_MS).profitFactor, 0);
  const flat = tradeStats([trade({ netPnlUsdt: 0 })], T0, T0 + HOUR_MS);
  assert.is(flat.profitFactor, null);
  // a break-even trade is neither a win nor a loss but counts in the win-rate denominator
  assert.is(flat.wins + flat.losses, 0);
  assert.is(flat.winRatePct, 0);
});

test('no trades: counts 0, averages null, no exit reasons', () => {
  const stats = tradeStats([], T0, T0 + HOUR_MS);
  assert.is(stats.trades, 0);
  assert.is(stats.avgTradeUsdt, null);
  assert.is(stats.expectancyUsdt, null);
  assert.is(stats.avgR, null);
  assert.equal(stats.exitReasons, {});
});

test.run();
