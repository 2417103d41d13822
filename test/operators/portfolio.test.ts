// portfolioAccounting: marble specs with hand-computed accounting. The property test over random
// markets and orders through SimExchange: portfolio-property.test.ts.
import { filter, from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FundingPaid, PortfolioSnapshot, TradeClosed } from '../../src/domain/index.js';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { type PortfolioInput, portfolioAccounting } from '../../src/operators/portfolio.js';
import { execution, fill, kline, sizing } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);
const round = (value: number) => Number(value.toFixed(9));

/** Compact, rounded view of the operator's output so marbles compare numbers, not float noise. */
const summary = (event: PortfolioSnapshot | TradeClosed) =>
  event.kind === 'portfolio-snapshot'
    ? {
        ts: event.ts,
        wallet: round(event.walletUsdt),
        unrealized: round(event.unrealizedPnlUsdt),
        equity: round(event.equityUsdt),
        usedMargin: round(event.usedMarginUsdt),
        gross: round(event.grossExposureUsdt),
        net: round(event.netExposureUsdt),
        drawdownPct: round(event.drawdownPct),
        dayStart: round(event.dayStartEquityUsdt),
        positions: event.positions.map((p) => [p.side, p.qty, p.markPrice, round(p.liquidationPrice)]),
        lastExitTs: event.lastExitTs,
      }
    : {
        tradeId: event.tradeId,
        side: event.side,
        qty: event.qty,
        entryPrice: round(event.entryPrice),
        exitPrice: round(event.exitPrice),
        gross: round(event.grossPnlUsdt),
        fees: round(event.feesUsdt),
        funding: round(event.fundingUsdt),
        net: round(event.netPnlUsdt),
        rMultiple: event.rMultiple === undefined ? undefined : round(event.rMultiple),
        reason: event.reason,
      };

const funding = (amountUsdt: number, ts: number): FundingPaid => ({
  kind: 'funding-paid',
  symbol: 'BTCUSDT',
  ts,
  positionSide: 'LONG',
  rate: 0.0001,
  markPrice: 100,
  qty: 2,
  amountUsdt,
});

test('a round trip: snapshots per kline, TradeClosed with fees, funding and rMultiple', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<PortfolioInput>('-k-s-f-K-u-x-L-|', {
      k: kline({ ts: 60_000, close: 100 }),
      s: sizing({ intentId: 'i1', riskPerUnit: 2 }),
      f: fill({ intentId: 'i1', ts: 120_000, qty: 2, price: 100, feeUsdt: 0.1, leverage: 5 }),
      K: kline({ ts: 120_000, close: 103 }),
      u: funding(0.02, 150_000),
      x: fill({
        side: 'SELL',
        reduceOnly: true,
        ts: 180_000,
        qty: 2,
        price: 101,
        feeUsdt: 0.101,
        exitReason: 'TAKE_PROFIT',
      }),
      L: kline({ ts: 180_000, close: 99 }),
    });
    const flat = { unrealized: 0, usedMargin: 0, gross: 0, net: 0, positions: [] };
    expectObservable(source.pipe(portfolioAccounting({ initialBalanceUsdt: 10_000 }), map(summary))).toBe(
      '-a-----b---c-d-|',
      {
        a: {
          ts: 60_000,
          wallet: 10_000,
          equity: 10_000,
          drawdownPct: 0,
          dayStart: 10_000,
          lastExitTs: {},
          ...flat,
        },
        // wallet 10 000 − 0.1; unrealized (103 − 100) × 2 = 6; margin 200 / 5 = 40; exposure 103 × 2
        // liq = (100 − 40 / 2) / (1 − 0.004) = 80 / 0.996
        b: {
          ts: 120_000,
          wallet: 9_999.9,
          unrealized: 6,
          equity: 10_005.9,
          usedMargin: 40,
          gross: 206,
          net: 206,
          drawdownPct: 0,
          dayStart: 10_000,
          positions: [['LONG', 2, 103, round(80 / 0.996)]],
          lastExitTs: {},
        },
        // gross (101 − 100) × 2 = 2; fees 0.1 + 0.101; funding 0.02; net 1.779; R = 1.779 / (2 × 2)
        c: {
          tradeId: 'i1#1',
          side: 'LONG',
          qty: 2,
          entryPrice: 100,
          exitPrice: 101,
          gross: 2,
          fees: 0.201,
          funding: 0.02,
          net: 1.779,
          rMultiple: 0.44475,
          reason: 'TAKE_PROFIT',
        },
        // wallet 10 000 + 2 − 0.201 − 0.02; drawdown from the 10 005.9 peak
        d: {
          ts: 180_000,
          wallet: 10_001.779,
          equity: 10_001.779,
          drawdownPct: round(((10_005.9 - 10_001.779) / 10_005.9) * 100),
          dayStart: 10_000,
          lastExitTs: { BTCUSDT: 180_000 },
          ...flat,
        },
      },
    );
  });
});

test('a flip closes the trade and opens the rest the other way, splitting the fee pro rata', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<PortfolioInput>('-a-b-|', {
      a: fill({ intentId: 'long', qty: 1, price: 100, feeUsdt: 0.05, leverage: 2 }),
      b: fill({ intentId: 'short', side: 'SELL', positionSide: 'SHORT', qty: 3, price: 98, feeUsdt: 0.147 }),
    });
    const closed = source.pipe(
      portfolioAccounting({}),
      filter((event) => event.kind === 'trade-closed'),
      map(summary),
    );
    // closes 1 of 3: its fee share 0.147 / 3 = 0.049; gross (98 − 100) × 1 = −2; net −2 − 0.099
    expectObservable(closed).toBe('---c-|', {
      c: {
        tradeId: 'long#1',
        side: 'LONG',
        qty: 1,
        entryPrice: 100,
        exitPrice: 98,
        gross: -2,
        fees: 0.099,
        funding: 0,
        net: -2.099,
        rMultiple: undefined,
        reason: 'SIGNAL_EXIT',
      },
    });
  });
});

test('fills after the last kline get one final snapshot on completion', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<PortfolioInput>('-k-f-|', {
      k: kline({ ts: 60_000, close: 100 }),
      f: fill({ ts: 60_000, qty: 1, price: 100, feeUsdt: 0.05, leverage: 1 }),
    });
    const wallets = source.pipe(
      portfolioAccounting({}),
      map((e) => (e.kind === 'portfolio-snapshot' ? e.walletUsdt : Number.NaN)),
    );
    // 10 000 before the fill; after it only the 0.05 fee has left the wallet
    expectObservable(wallets).toBe('-a---(b|)', { a: 10_000, b: 9_999.95 });
  });
});

test('an accepted entry order is a working entry, valued at the mark, until it fills or dies', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const entry = {
      clientOrderId: 'e1',
      side: 'BUY' as const,
      type: 'MARKET' as const,
      purpose: 'ENTRY' as const,
      qty: 2,
    };
    const source = cold<PortfolioInput>('-n-a-f-b-r-c|', {
      n: execution({ ...entry, status: 'NEW' }),
      a: kline({ ts: 60_000, close: 100 }),
      f: execution({ ...entry, status: 'FILLED', filledQty: 2, avgPrice: 100 }),
      b: kline({ ts: 120_000, close: 101 }),
      r: execution({ ...entry, clientOrderId: 'e2', status: 'REJECTED' }),
      c: kline({ ts: 180_000, close: 102 }),
    });
    const working = source.pipe(
      portfolioAccounting({}),
      filter((event) => event.kind === 'portfolio-snapshot'),
      map((event) =>
        event.workingEntries.map((w) => [w.clientOrderId, w.symbol, w.side, w.qty, w.notionalUsdt]),
      ),
    );
    // 2 × mark 100 = 200 USDT working at a; gone once FILLED; a REJECTED entry never counts
    expectObservable(working).toBe('---a---b---c|', {
      a: [['e1', 'BTCUSDT', 'LONG', 2, 200]],
      b: [],
      c: [],
    });
  });
});

test('day start equity resets at the first snapshot of each UTC day', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const day = 86_400_000;
    const source = cold<PortfolioInput>('-f-a-b-c|', {
      f: fill({ qty: 1, price: 100, feeUsdt: 0, leverage: 1 }),
      a: kline({ ts: day - 60_000, close: 100 }),
      b: kline({ ts: day + 60_000, close: 110 }),
      c: kline({ ts: day + 120_000, close: 90 }),
    });
    const dayStarts = source.pipe(
      portfolioAccounting({}),
      map((e) => (e.kind === 'portfolio-snapshot' ? e.dayStartEquityUsdt : Number.NaN)),
    );
    // day 0: 10 000; day 1 starts at 10 000 + (110 − 100) and stays there
    expectObservable(dayStarts).toBe('---a-b-c|', { a: 10_000, b: 10_010, c: 10_010 });
  });
});

test('errors propagate, unsubscription reaches the source, other events pass silently', () => {
  scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const failing = cold<PortfolioInput>('-s-#', { s: sizing() }, new Error('feed down'));
    expectObservable(failing.pipe(portfolioAccounting({}))).toBe('---#', undefined, new Error('feed down'));
    const source = hot<PortfolioInput>('-k--k-', { k: kline({ ts: 60_000 }) });
    expectObservable(
      source.pipe(
        portfolioAccounting({}),
        map(() => 'x'),
      ),
      '^--!',
    ).toBe('-x--');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test("snapshot liquidation prices follow the venue's leverage brackets when given its filters", () => {
  // 2 BTCUSDT at 43 000 at 20×: 86 000 notional is BTCUSDT's tier 2 (0.5 %, amount 50; bundled brackets)
  const events: PortfolioInput[] = [
    fill({ qty: 2, price: 43_000, leverage: 20, feeUsdt: 0 }),
    kline({ ts: 120_000, close: 43_000 }),
  ];
  const liquidationOf = (options: Parameters<typeof portfolioAccounting>[1]) => {
    let shown = Number.NaN;
    from(events)
      .pipe(portfolioAccounting({}, options))
      .subscribe((event) => {
        if (event.kind === 'portfolio-snapshot') shown = event.positions[0].liquidationPrice;
      });
    return shown;
  };
  const venue = new SimExchange({}, createPrng(1));
  const tiered = liquidationOf({ filtersOf: (symbol) => venue.filtersOf(symbol) });
  // (43 000 − (4 300 + 50) / 2) / (1 − 0.005)
  assert.ok(Math.abs(tiered - (43_000 - 4_350 / 2) / 0.995) < 1e-9, String(tiered));
  // without the venue's filters: one rate (params.maintenanceMarginRate 0.004)
  assert.ok(Math.abs(liquidationOf({}) - (43_000 - 4_300 / 2) / 0.996) < 1e-9);
  // maintenanceMarginRateOf keeps its one-rate meaning
  assert.ok(
    Math.abs(liquidationOf({ maintenanceMarginRateOf: () => 0.01 }) - (43_000 - 4_300 / 2) / 0.99) < 1e-9,
  );
});

test('params are strict', () => {
  assert.throws(() => portfolioAccounting({ initialBalance: 1 } as never));
});

test.run();
