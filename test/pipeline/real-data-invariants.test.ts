import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineEvent } from '../../src/domain/index.js';
import { type BacktestResult, runBacktest } from '../../src/pipeline/backtest.js';
import { type PipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind, relativeDiff } from './engine-events.js';

// Accounting invariants of a whole run over real Binance klines: what the report says must add up
// with what the engine did, event by event. Two markets: 7 perpetuals on 1h candles (many symbols,
// concurrent positions, the kill switch), and AVAXUSDT on 1m candles (many trades, one symbol).

interface Run {
  readonly name: string;
  readonly config: PipelineConfig;
  readonly events: EngineEvent[];
  readonly result: BacktestResult;
  readonly tradesCsv: string;
  readonly equityCsv: string;
  readonly reportJson: Record<string, unknown>;
}

const workDir = mkdtempSync(join(tmpdir(), 'quantum-invariants-'));

const runBoth = async (name: string, config: PipelineConfig): Promise<Run> => {
  const market = loadMarketReplay(config);
  const events = await engineEvents(config, market.klines);
  const outDir = join(workDir, name);
  const result = await runBacktest({ config, outDir });
  return {
    name,
    config,
    events,
    result,
    tradesCsv: readFileSync(join(outDir, 'trades.csv'), 'utf8'),
    equityCsv: readFileSync(join(outDir, 'equity.csv'), 'utf8'),
    reportJson: JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Record<string, unknown>,
  };
};

const markets: { name: string; input: Record<string, unknown>; liquidations?: boolean }[] = [
  {
    name: 'um-2026-02-1h (7 symbols, 1h)',
    input: { data: { source: 'files', path: sharedData('klines/um-2026-02-1h') } },
  },
  {
    name: 'AVAXUSDT 1m, 10 days',
    input: {
      data: { source: 'files', path: sharedData('klines/AVAXUSDT-1m-2026-02.csv'), to: '2026-02-11' },
    },
  },
  {
    // Stops 8 % away at 25× (liquidation is ~4 % away): positions die by liquidation, which must
    // be accounted like any other exit (margin lost, clearance fee, funding until then).
    name: 'um-2026-02-1h at 25× with stops beyond liquidation',
    input: {
      data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
      sizing: { fraction: 0.05, leverage: 25, stopLossPct: 8, takeProfitPct: 3 },
      risk: {
        maxLeverage: 50,
        maxDrawdownPct: 95,
        dailyLossPct: 95,
        maxGrossExposure: 50,
        maxOpenPositions: 7,
      },
      monitor: { breakEvenAtR: 0, trailingActivationR: 0 },
    },
    liquidations: true,
  },
  {
    // Regime detection and portfolio balancing on: sides refused per regime, sizes scaled and
    // shrunk by correlation — the books must still add up.
    name: 'um-2026-02-1h with regime detection and portfolio balancing',
    input: {
      data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
      regime: { enabled: true, atrWindow: 100, slopePeriod: 24 },
      balancer: { enabled: true, maxCorrelatedExposure: 0.6, correlationThreshold: 0.6 },
      pil: { enabled: true },
      // The universe too: the top 5 of the 7 every 4 h (entries refused off it, positions kept).
      universe: { enabled: true, topN: 5, refreshMs: 14_400_000, maxSpreadBps: 0 },
      risk: { maxOpenPositions: 7 },
      strategy: { regimeSides: { TRENDING_UP: 'long', TRENDING_DOWN: 'short', VOLATILE: 'none' } },
      sizing: { regimeScale: { RANGING: 0.5 } },
    },
  },
  {
    // Smart execution on: post-only LIMITs filling in parts as maker, MARKET fallbacks, TWAP slices,
    // refusals — entries of several fills each, and the books must still add up.
    name: 'AVAXUSDT 1m with smart execution',
    input: {
      data: { source: 'files', path: sharedData('klines/AVAXUSDT-1m-2026-02.csv'), to: '2026-02-08' },
      aelm: { enabled: true, maxSlippageBps: 2.3, urgency: 0.3, maxParticipation: 0.015, twapSlices: 3 },
    },
  },
];

const TOLERANCE = 1e-6;

if (needSharedData('klines/AVAXUSDT-1m-2026-02.csv', 'klines/um-2026-02-1h')) {
  for (const market of markets) {
    let run: Run | undefined;
    const get = async (): Promise<Run> => {
      run ??= await runBoth(
        market.name.replace(/\W+/g, '-'),
        parsePipelineConfig({ ...market.input, output: { progress: false } }),
      );
      return run;
    };

    test(`${market.name}: the run trades, and every position is closed by the end`, async () => {
      const { events, result } = await get();
      const snapshots = ofKind(events, 'portfolio-snapshot');
      assert.ok(
        result.report.trades.length >= 10,
        `expected ≥ 10 trades, got ${result.report.trades.length}`,
      );
      const last = snapshots[snapshots.length - 1];
      if (market.liquidations) {
        const liquidated = result.report.trades.filter((t) => t.reason === 'LIQUIDATION');
        assert.ok(liquidated.length >= 10, `expected liquidations, got ${liquidated.length}`);
        assert.is(ofKind(events, 'position-liquidated').length, liquidated.length);
      }
      assert.equal(last.positions, [], 'no position left after END_OF_DATA');
      assert.is(last.unrealizedPnlUsdt, 0);
      assert.is(last.usedMarginUsdt, 0);
      assert.is(last.equityUsdt, last.walletUsdt);
    });

    test(`${market.name}: every snapshot has equity = wallet + unrealized, and unrealized = Σ positions`, async () => {
      const { events } = await get();
      const snapshots = ofKind(events, 'portfolio-snapshot');
      assert.ok(snapshots.length > 100);
      for (const s of snapshots) {
        if (relativeDiff(s.equityUsdt, s.walletUsdt + s.unrealizedPnlUsdt) > 1e-9) {
          assert.unreachable(`at ${s.ts}: equity ${s.equityUsdt} ≠ ${s.walletUsdt} + ${s.unrealizedPnlUsdt}`);
        }
        const sumUnrealized = s.positions.reduce((sum, p) => sum + p.unrealizedPnlUsdt, 0);
        if (relativeDiff(s.unrealizedPnlUsdt, sumUnrealized) > 1e-9) {
          assert.unreachable(`at ${s.ts}: unrealized ${s.unrealizedPnlUsdt} ≠ Σ positions ${sumUnrealized}`);
        }
        if (s.equityUsdt > s.peakEquityUsdt + 1e-9 || s.drawdownPct < 0 || s.drawdownPct > 100) {
          assert.unreachable(`at ${s.ts}: equity ${s.equityUsdt} above peak ${s.peakEquityUsdt}`);
        }
      }
    });

    test(`${market.name}: equity.csv has one row per equity point, the last one flat at the final equity`, async () => {
      const { result, equityCsv, reportJson } = await get();
      const rows = equityCsv.trim().split('\n');
      assert.is(rows[0], 'ts,time,equity,wallet,drawdown_pct');
      assert.is(rows.length - 1, result.report.equity.length, 'equity.csv has one row per equity point');
      assert.is(result.report.equity.length, (reportJson.counts as { equityPoints: number }).equityPoints);
      const last = result.report.equity[result.report.equity.length - 1];
      // The last point is after the end-of-data exits: nothing open, so equity is the wallet.
      assert.is(last.equityUsdt, last.walletUsdt);
      assert.is(last.equityUsdt, result.report.metrics.finalEquityUsdt);
    });

    test(`${market.name}: Σ trade net PnL = final equity − initial equity`, async () => {
      const { result, events, config } = await get();
      const trades = result.report.trades;
      const sumNet = trades.reduce((sum, t) => sum + t.netPnlUsdt, 0);
      const snapshots = ofKind(events, 'portfolio-snapshot');
      const finalEquity = snapshots[snapshots.length - 1].equityUsdt;
      const initial = config.exchange.initialBalanceUsdt;
      assert.ok(
        Math.abs(sumNet - (finalEquity - initial)) < TOLERANCE,
        `${sumNet} vs ${finalEquity - initial}`,
      );
      assert.ok(Math.abs(result.report.metrics.finalEquityUsdt - finalEquity) < TOLERANCE);
      assert.ok(Math.abs(result.report.metrics.netProfitUsdt - sumNet) < TOLERANCE);
      for (const t of trades) {
        const expected = t.grossPnlUsdt - t.feesUsdt - t.fundingUsdt;
        if (Math.abs(t.netPnlUsdt - expected) > 1e-9) {
          assert.unreachable(`${t.tradeId}: net ${t.netPnlUsdt} ≠ gross − fees − funding = ${expected}`);
        }
      }
    });

    test(`${market.name}: Σ trade fees = total fees, Σ trade funding = total funding, = venue fills and funding`, async () => {
      const { result, events } = await get();
      const trades = result.report.trades;
      const { metrics } = result.report;
      const sumFees = trades.reduce((sum, t) => sum + t.feesUsdt, 0);
      const sumFunding = trades.reduce((sum, t) => sum + t.fundingUsdt, 0);
      assert.ok(metrics.feesUsdt > 0);
      assert.ok(Math.abs(sumFees - metrics.feesUsdt) < TOLERANCE, `fees ${sumFees} vs ${metrics.feesUsdt}`);
      assert.ok(
        Math.abs(sumFunding - metrics.fundingUsdt) < TOLERANCE,
        `funding ${sumFunding} vs ${metrics.fundingUsdt}`,
      );
      // The venue's own records: every fill's fee and every funding payment, summed independently.
      const fillFees = ofKind(events, 'fill').reduce((sum, f) => sum + f.feeUsdt, 0);
      const fundingPaid = ofKind(events, 'funding-paid').reduce((sum, f) => sum + f.amountUsdt, 0);
      assert.ok(
        Math.abs(fillFees - metrics.feesUsdt) < TOLERANCE,
        `fill fees ${fillFees} vs ${metrics.feesUsdt}`,
      );
      assert.ok(
        Math.abs(fundingPaid - metrics.fundingUsdt) < TOLERANCE,
        `funding payments ${fundingPaid} vs ${metrics.fundingUsdt}`,
      );
    });

    test(`${market.name}: the report's trades are the graph's trades, one trades.csv row each`, async () => {
      const { result, events, tradesCsv } = await get();
      const graphTrades = ofKind(events, 'trade-closed');
      assert.equal(JSON.parse(JSON.stringify(result.report.trades)), JSON.parse(JSON.stringify(graphTrades)));
      const rows = tradesCsv.trim().split('\n');
      assert.ok(rows[0].startsWith('trade_id,symbol,side,'));
      assert.is(rows.length - 1, graphTrades.length);
      const ids = rows.slice(1).map((row) => row.split(',')[0]);
      assert.equal(
        ids,
        graphTrades.map((t) => t.tradeId),
      );
      const netColumn = rows[0].split(',').indexOf('net_pnl');
      const csvNet = rows.slice(1).reduce((sum, row) => sum + Number(row.split(',')[netColumn]), 0);
      const net = graphTrades.reduce((sum, t) => sum + t.netPnlUsdt, 0);
      // CSV numbers are rounded for display, at most 1e-8 USDT per row.
      assert.ok(Math.abs(csvNet - net) < 1e-6 * graphTrades.length + 1e-6, `${csvNet} vs ${net}`);
    });

    test(`${market.name}: win rate, counts and exit reasons agree with the trades`, async () => {
      const { result, reportJson } = await get();
      const { metrics, trades } = result.report;
      const wins = trades.filter((t) => t.netPnlUsdt > 0).length;
      const losses = trades.filter((t) => t.netPnlUsdt < 0).length;
      const longs = trades.filter((t) => t.side === 'LONG').length;
      assert.is(metrics.trades, trades.length);
      assert.is(metrics.wins, wins);
      assert.is(metrics.losses, losses);
      assert.is(metrics.longTrades, longs);
      assert.is(metrics.shortTrades, trades.length - longs);
      assert.ok(Math.abs((metrics.winRatePct ?? Number.NaN) - (100 * wins) / trades.length) < 1e-9);
      const reasons = Object.values(metrics.exitReasons).reduce((sum, n) => sum + (n ?? 0), 0);
      assert.is(reasons, trades.length);
      const counts = reportJson.counts as Record<string, number>;
      assert.is(counts.trades, trades.length);
      const grossProfit = trades.filter((t) => t.netPnlUsdt > 0).reduce((s, t) => s + t.netPnlUsdt, 0);
      assert.ok(Math.abs(metrics.grossProfitUsdt - grossProfit) < TOLERANCE);
      for (const t of trades) {
        if (!(t.entryTs <= t.ts)) assert.unreachable(`${t.tradeId} exits before it enters`);
      }
    });

    test(`${market.name}: denials in the report are the graph's denials by gate`, async () => {
      const { result, events } = await get();
      const byGate: Record<string, number> = {};
      for (const d of ofKind(events, 'order-denied')) byGate[d.gate] = (byGate[d.gate] ?? 0) + 1;
      assert.equal(result.report.deniedByGate, byGate);
      assert.ok(Object.keys(byGate).length > 0);
    });
  }
}

test.after(() => rmSync(workDir, { recursive: true, force: true }));

test.run();
