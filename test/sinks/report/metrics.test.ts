import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../../src/domain/index.js';
import { computeMetrics } from '../../../src/sinks/report/index.js';
import { close, DAY_MS, equityPath, HOUR_MS, T0, trade } from './fixtures/report-fixtures.js';

// Three trades on a 4-hour, 1h-bar run starting at 1000 USDT.
//   A LONG  0h→1h    +100  R  2  TAKE_PROFIT
//   B SHORT 1h→2h    −110  R −1  STOP_LOSS
//   C LONG  2.5h→3h  +49.5 (no stop, no R)  TAKE_PROFIT
// Equity per bar: 1100 (+10%), 990 (−10%), 1039.5 (+5%), 1039.5 (0%).  Σ net = 39.5 = 1039.5 − 1000.
const shortRun = () =>
  computeMetrics({
    initialEquityUsdt: 1000,
    equity: equityPath(1000, [
      [1 * HOUR_MS, 1100],
      [2 * HOUR_MS, 990],
      [3 * HOUR_MS, 1039.5],
      [4 * HOUR_MS, 1039.5],
    ]),
    trades: [
      trade({ tradeId: 'A', netPnlUsdt: 100, rMultiple: 2, entryTs: T0, ts: T0 + HOUR_MS }),
      trade({
        tradeId: 'B',
        side: 'SHORT',
        symbol: 'ETHUSDT',
        netPnlUsdt: -110,
        rMultiple: -1,
        entryTs: T0 + HOUR_MS,
        ts: T0 + 2 * HOUR_MS,
        reason: 'STOP_LOSS',
      }),
      trade({ tradeId: 'C', netPnlUsdt: 49.5, entryTs: T0 + 2.5 * HOUR_MS, ts: T0 + 3 * HOUR_MS }),
    ],
    feesUsdt: 6,
    fundingUsdt: -0.5,
    from: T0,
    to: T0 + 4 * HOUR_MS,
    barIntervalMs: HOUR_MS,
  });

test('return, CAGR and equity figures of a short run', () => {
  const m = shortRun();
  assert.is(m.finalEquityUsdt, 1039.5);
  assert.ok(close(m.netProfitUsdt, 39.5));
  assert.ok(close(m.totalReturnPct, 3.95));
  // 4 h annualized would be 1.0395^(365·24/4) − 1: noise, so a run under 30 days has no CAGR.
  assert.is(m.cagrPct, null);
  assert.is(m.cagrShortSpan, true);
  assert.is(m.feesUsdt, 6);
  assert.is(m.fundingUsdt, -0.5);
});

test('Sharpe and Sortino of a run shorter than 3 days use per-bar returns and bars-per-year', () => {
  const m = shortRun();
  // returns: +0.10, −0.10, +0.05, 0 ⇒ mean 0.0125
  // deviations 0.0875, −0.1125, 0.0375, −0.0125 ⇒ Σ² = 0.00765625 + 0.01265625 + 0.00140625 + 0.00015625 = 0.021875
  // sample std = √(0.021875 / 3); bars per year = 365 · 24 = 8760
  assert.is(m.returnsBasis, 'bar');
  assert.is(m.returnPeriods, 4);
  assert.is(m.periodsPerYear, 8760);
  assert.ok(close(m.sharpe, (0.0125 / Math.sqrt(0.021875 / 3)) * Math.sqrt(8760)));
  // downside deviation over all 4 periods: √(0.1² / 4) = 0.05 ⇒ Sortino = 0.0125 / 0.05 · √8760 = 0.25 · √8760
  assert.ok(close(m.sortino, 0.25 * Math.sqrt(8760)));
});

test('drawdown depth and open duration of a short run', () => {
  const m = shortRun();
  // peak 1100 at 1h, trough 990 ⇒ (1100 − 990) / 1100 = 10 %; still under water at 4h ⇒ 3 h, open
  assert.ok(close(m.maxDrawdownPct, 10));
  assert.is(m.maxDrawdownDurationMs, 3 * HOUR_MS);
  assert.is(m.maxDrawdownDurationOpen, true);
});

test('trade statistics of three trades', () => {
  const m = shortRun();
  assert.is(m.trades, 3);
  assert.is(m.longTrades, 2);
  assert.is(m.shortTrades, 1);
  assert.is(m.wins, 2);
  assert.is(m.losses, 1);
  assert.ok(close(m.winRatePct, (2 / 3) * 100));
  assert.ok(close(m.grossProfitUsdt, 149.5));
  assert.ok(close(m.grossLossUsdt, -110));
  // 149.5 / 110
  assert.ok(close(m.profitFactor, 1.3590909090909091));
  assert.ok(close(m.avgTradeUsdt, 39.5 / 3));
  assert.ok(close(m.avgWinUsdt, 74.75));
  assert.ok(close(m.avgLossUsdt, -110));
  // 2/3 · 74.75 + 1/3 · (−110) = 49.8333… − 36.6666… = 13.1666… (= the average trade)
  assert.ok(close(m.expectancyUsdt, 39.5 / 3));
  // R only where a stop existed: (2 + (−1)) / 2
  assert.ok(close(m.avgR, 0.5));
  assert.is(m.tradesWithR, 2);
  assert.is(m.bestTradeUsdt, 100);
  assert.is(m.worstTradeUsdt, -110);
  // holds 1 h, 1 h, 0.5 h ⇒ 50 min
  assert.is(m.avgHoldMs, 50 * 60_000);
  // [0,1h] ∪ [1h,2h] ∪ [2.5h,3h] = 2.5 h of 4 h
  assert.ok(close(m.exposurePct, 62.5));
  assert.equal(m.exitReasons, { STOP_LOSS: 1, TAKE_PROFIT: 2 });
  assert.equal(Object.keys(m.exitReasons), ['STOP_LOSS', 'TAKE_PROFIT']);
});

test('a run of 3 days or more uses daily UTC closes, gaps carried forward, √365 annualization', () => {
  // day 0: 1050 @06h, 1020 @18h (close 1020); day 1: 1071 @30h; day 2: no point (close stays 1071);
  // day 3: 1017.45 @78h; day 4: 1017.45 @96h (00:00 of day 4).
  const m = computeMetrics({
    initialEquityUsdt: 1000,
    equity: equityPath(1000, [
      [6 * HOUR_MS, 1050],
      [18 * HOUR_MS, 1020],
      [30 * HOUR_MS, 1071],
      [78 * HOUR_MS, 1017.45],
      [96 * HOUR_MS, 1017.45],
    ]),
    trades: [],
    feesUsdt: 0,
    fundingUsdt: 0,
    from: T0,
    to: T0 + 4 * DAY_MS,
    barIntervalMs: HOUR_MS,
  });
  // daily returns: 1020/1000 − 1 = 0.02, 1071/1020 − 1 = 0.05, 0, 1017.45/1071 − 1 = −0.05, 0 ⇒ mean 0.004
  // deviations .016 .046 −.004 −.054 −.004 ⇒ Σ² = .000256 + .002116 + .000016 + .002916 + .000016 = .00532
  assert.is(m.returnsBasis, 'daily');
  assert.is(m.returnPeriods, 5);
  assert.is(m.periodsPerYear, 365);
  assert.ok(close(m.sharpe, (0.004 / Math.sqrt(0.00532 / 4)) * Math.sqrt(365), 1e-8));
  // downside: √(0.05² / 5) = √0.0005
  assert.ok(close(m.sortino, (0.004 / Math.sqrt(0.0005)) * Math.sqrt(365), 1e-8));
  // deepest: 1071 → 1017.45 = 5 %; longest under water: 30 h → 96 h (never recovered) = 66 h
  assert.ok(close(m.maxDrawdownPct, 5));
  assert.is(m.maxDrawdownDurationMs, 66 * HOUR_MS);
  assert.is(m.maxDrawdownDurationOpen, true);
  // 4 days: still under 30, no CAGR.
  assert.is(m.cagrPct, null);
  assert.is(m.cagrShortSpan, true);
  assert.is(m.trades, 0);
  assert.is(m.winRatePct, null);
  assert.is(m.profitFactor, null);
  assert.is(m.avgTradeUsdt, null);
  assert.is(m.exposurePct, 0);
});

test('without equity points final equity is initial equity plus Σ net PnL', () => {
  const m = computeMetrics({
    initialEquityUsdt: 500,
    equity: [],
    trades: [trade({ netPnlUsdt: 25 }), trade({ netPnlUsdt: 15 })],
    feesUsdt: 0,
    fundingUsdt: 0,
    from: T0,
    to: T0 + DAY_MS,
    barIntervalMs: HOUR_MS,
  });
  assert.is(m.finalEquityUsdt, 540);
  assert.ok(close(m.totalReturnPct, 8));
  assert.is(m.profitFactor, Number.POSITIVE_INFINITY);
  assert.is(m.sharpe, null);
  assert.is(m.maxDrawdownPct, 0);
});

test('a portfolio-reported drawdown deeper than the sampled points wins', () => {
  const m = computeMetrics({
    initialEquityUsdt: 1000,
    equity: [
      { ts: T0 + HOUR_MS, equityUsdt: 990, drawdownPct: 7.5 },
      { ts: T0 + 2 * HOUR_MS, equityUsdt: 1000, drawdownPct: 0 },
    ],
    trades: [],
    feesUsdt: 0,
    fundingUsdt: 0,
    from: T0,
    to: T0 + 2 * HOUR_MS,
    barIntervalMs: HOUR_MS,
  });
  assert.is(m.maxDrawdownPct, 7.5);
  // under water from `from` (peak = initial equity) until recovery at 2 h
  assert.is(m.maxDrawdownDurationMs, 2 * HOUR_MS);
  assert.is(m.maxDrawdownDurationOpen, false);
});

test('CAGR compounds by calendar time once the run spans 30 days', () => {
  const m = computeMetrics({
    initialEquityUsdt: 1000,
    equity: equityPath(1000, [
      [DAY_MS, 1010],
      [60 * DAY_MS, 1100],
    ]),
    trades: [],
    feesUsdt: 0,
    fundingUsdt: 0,
    from: T0,
    to: T0 + 60 * DAY_MS,
    barIntervalMs: DAY_MS,
  });
  assert.ok(close(m.cagrPct, (1.1 ** (365 / 60) - 1) * 100, 1e-8));
  assert.is(m.cagrShortSpan, false);
});

test('a blown account gives CAGR −100 % and no NaN', () => {
  const m = computeMetrics({
    initialEquityUsdt: 100,
    equity: equityPath(100, [
      [HOUR_MS, 0],
      [40 * DAY_MS, 0],
    ]),
    trades: [trade({ netPnlUsdt: -100, reason: 'LIQUIDATION' })],
    feesUsdt: 0,
    fundingUsdt: 0,
    from: T0,
    to: T0 + 40 * DAY_MS,
    barIntervalMs: HOUR_MS,
  });
  assert.is(m.cagrPct, -100);
  assert.is(m.totalReturnPct, -100);
  assert.is(m.maxDrawdownPct, 100);
  assert.ok(m.sharpe === null || Number.isFinite(m.sharpe));
});

test('rejects input no statistic can be made of, naming the field', () => {
  const base = {
    initialEquityUsdt: 1000,
    equity: [],
    trades: [],
    feesUsdt: 0,
    fundingUsdt: 0,
    from: T0,
    to: T0 + DAY_MS,
    barIntervalMs: HOUR_MS,
  };
  assert.throws(
    () => computeMetrics({ ...base, initialEquityUsdt: 0 }),
    (e: unknown) => e instanceof DataError,
  );
  assert.throws(() => computeMetrics({ ...base, barIntervalMs: 0 }), /barIntervalMs/);
  assert.throws(() => computeMetrics({ ...base, to: T0 - 1 }), /before from/);
  assert.throws(
    () =>
      computeMetrics({
        ...base,
        equity: [
          { ts: T0 + 2, equityUsdt: 1, drawdownPct: 0 },
          { ts: T0 + 1, equityUsdt: 1, drawdownPct: 0 },
        ],
      }),
    /time order/,
  );
});

test.run();
