import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeadLetter, EngineEvent, OrderDenied, PortfolioSnapshot } from '../../../src/domain/index.js';
import { collectReportInputs, type ReportInputs } from '../../../src/sinks/report/index.js';
import { assertEqual } from '../../requirements.js';
import { T0, trade } from './fixtures/report-fixtures.js';

const scheduler = () => new TestScheduler(assertEqual);
const MIN = 60_000;

const snapshot = (
  offsetMs: number,
  equityUsdt: number,
  drawdownPct: number,
  feesUsdt = 0,
): PortfolioSnapshot => ({
  kind: 'portfolio-snapshot',
  ts: T0 + offsetMs,
  walletUsdt: 1000,
  unrealizedPnlUsdt: equityUsdt - 1000,
  equityUsdt,
  usedMarginUsdt: 0,
  availableUsdt: equityUsdt,
  grossExposureUsdt: 0,
  netExposureUsdt: 0,
  realizedPnlUsdt: 0,
  feesUsdt,
  fundingUsdt: feesUsdt / 10,
  peakEquityUsdt: 1000,
  drawdownPct,
  dayStartEquityUsdt: 1000,
  positions: [],
  lastExitTs: {},
  workingEntries: [],
});
const denied = (gate: string, offsetMs: number): OrderDenied => ({
  kind: 'order-denied',
  intentId: `i${offsetMs}`,
  symbol: 'BTCUSDT',
  ts: T0 + offsetMs,
  gate,
  reason: 'test',
});
const deadLetter: DeadLetter = { kind: 'dead-letter', origin: 'test.csv:3', reason: 'bad row', payload: 'x' };

test('emits once on completion: trades, one equity point per bar with its deepest drawdown, gate counts', () => {
  const t1 = trade({ tradeId: 'A', ts: T0 + 90_000 });
  const events: Record<string, EngineEvent | DeadLetter> = {
    a: snapshot(0, 1000, 0),
    b: snapshot(30_000, 990, 1),
    c: snapshot(50_000, 995, 0.5),
    d: denied('max-positions', 55_000),
    e: denied('cooldown', 60_000),
    f: snapshot(70_000, 1010, 0, 4),
    g: t1,
    h: deadLetter,
    i: denied('cooldown', 130_000),
  };
  const expected: ReportInputs = {
    trades: [t1],
    equity: [
      // bar 0: last snapshot (995) but the deepest drawdown within the bar (1 %)
      { ts: T0 + 50_000, equityUsdt: 995, walletUsdt: 1000, drawdownPct: 1 },
      { ts: T0 + 70_000, equityUsdt: 1010, walletUsdt: 1000, drawdownPct: 0 },
    ],
    deniedByGate: { cooldown: 2, 'max-positions': 1 },
    deadLetters: 1,
    feesUsdt: 4,
    fundingUsdt: 0.4,
    firstTs: T0,
    lastTs: T0 + 130_000,
  };
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('abcdefghi|', events).pipe(collectReportInputs({ barIntervalMs: MIN }))).toBe(
      '---------(r|)',
      { r: expected },
    );
  });
});

test('an empty stream gives empty inputs', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold<EngineEvent>('--|').pipe(collectReportInputs())).toBe('--(r|)', {
      r: {
        trades: [],
        equity: [],
        deniedByGate: {},
        deadLetters: 0,
        feesUsdt: 0,
        fundingUsdt: 0,
        firstTs: null,
        lastTs: null,
      },
    });
  });
});

test('an error passes through and nothing is emitted', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold<EngineEvent>('a-#', { a: snapshot(0, 1000, 0) }).pipe(collectReportInputs())).toBe(
      '--#',
    );
  });
});

test('unsubscribing before completion emits nothing and unsubscribes the source', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold<EngineEvent>('a---|', { a: snapshot(0, 1000, 0) });
    expectObservable(source.pipe(collectReportInputs()), '^-!').toBe('---');
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('each subscription gathers its own state', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const collected$ = cold<EngineEvent>('a|', { a: trade() }).pipe(collectReportInputs());
    const trades = (inputs: ReportInputs) => inputs.trades.length;
    // the second subscriber would see 2 trades if state were shared
    expectObservable(collected$.pipe(map(trades))).toBe('-(n|)', { n: 1 });
    expectObservable(collected$.pipe(map(trades))).toBe('-(n|)', { n: 1 });
  });
});

test('rejects unknown params', () => {
  assert.throws(() => collectReportInputs({ barMs: 1 } as never));
});

test.run();
