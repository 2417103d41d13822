// portfolioAccounting: marble specs with hand-computed accounting, and a property test that runs
// random markets and orders through SimExchange and checks the account invariants.
import fc from 'fast-check';
import { filter, from, map, type Observable, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FundingPaid, PortfolioSnapshot, TradeClosed, VenueEvent } from '../../src/domain/index.js';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { type PortfolioInput, portfolioAccounting } from '../../src/operators/portfolio.js';
import { execution, fill, kline, sizing } from '../builders.js';
import { bar, harness, order, stopLoss, T0, takeProfit } from '../exchange/sim-harness.js';
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

/** A random market (a walk of candles) with random brackets and exits, through SimExchange. */
const scenario = fc.record({
  moves: fc.array(fc.double({ min: -0.03, max: 0.03, noNaN: true }), { minLength: 5, maxLength: 60 }),
  wicks: fc.array(fc.double({ min: 0, max: 0.02, noNaN: true }), { minLength: 60, maxLength: 60 }),
  actions: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 60, maxLength: 60 }),
  leverage: fc.integer({ min: 1, max: 50 }),
  funding: fc.double({ min: -0.001, max: 0.001, noNaN: true }),
});

type ScenarioInput = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const runScenario = ({ moves, wicks, actions, leverage, funding: rate }: ScenarioInput) => {
  const h = harness({ defaultFundingRate: rate, fundingIntervalHours: 1, slippage: { model: 'volatility' } });
  const stream: PortfolioInput[] = [];
  let cursor = 0;
  const drain = () => {
    stream.push(...(h.events.slice(cursor) as VenueEvent[]));
    cursor = h.events.length;
  };
  let price = 100;
  let n = 0;
  for (let i = 0; i < moves.length; i++) {
    const ts = T0 + i * 60_000;
    const action = actions[i];
    const id = `i${i}`;
    const side = action % 2 === 0 ? 'BUY' : 'SELL';
    const positionSide = side === 'BUY' ? 'LONG' : 'SHORT';
    if (action < 4) {
      h.venue.createOrder(
        order({ clientOrderId: `en-${n++}`, intentId: id, ts, side, positionSide, qty: 1, leverage }),
      );
      const [sl, tp] = side === 'BUY' ? [price * 0.97, price * 1.03] : [price * 1.03, price * 0.97];
      const exitSide = side === 'BUY' ? 'SELL' : 'BUY';
      const r = (p: number) => Math.round(p * 100) / 100;
      h.venue.createOrder(
        stopLoss(r(sl), { clientOrderId: `sl-${n++}`, intentId: id, ts, side: exitSide, positionSide }),
      );
      h.venue.createOrder(
        takeProfit(r(tp), { clientOrderId: `tp-${n++}`, intentId: id, ts, side: exitSide, positionSide }),
      );
    } else if (action === 4) {
      const limit = Math.round(price * 0.99 * 100) / 100;
      h.venue.createOrder(
        order({
          clientOrderId: `lm-${n++}`,
          intentId: id,
          ts,
          type: 'LIMIT',
          price: limit,
          qty: 2,
          leverage,
        }),
      );
    } else if (action === 5) {
      const [position] = h.venue.fetchPositions();
      if (position !== undefined) {
        const exitSide = position.side === 'LONG' ? 'SELL' : 'BUY';
        h.venue.createOrder(
          order({
            clientOrderId: `ex-${n++}`,
            intentId: id,
            ts,
            side: exitSide,
            positionSide: position.side,
            qty: position.qty,
            reduceOnly: true,
            purpose: 'EXIT',
          }),
        );
      }
    }
    drain();
    const next = price * (1 + moves[i]);
    const candle = bar(i, {
      open: price,
      high: Math.max(price, next) * (1 + wicks[i]),
      low: Math.min(price, next) * (1 - wicks[i]),
      close: next,
      volume: 5,
    });
    h.venue.onMarket(candle);
    drain();
    stream.push(candle);
    price = next;
  }
  const endTs = T0 + moves.length * 60_000;
  h.venue.close(endTs);
  drain();
  stream.push(bar(moves.length, { open: price, high: price, low: price, close: price }));
  return { h, stream };
};

const seen = { trades: 0, liquidations: 0, flips: 0 };

test('property: Σ net PnL of trades = final wallet − initial; equity = wallet + unrealized; fees ≥ 0', () => {
  fc.assert(
    fc.property(scenario, (input) => {
      const { h, stream } = runScenario(input);
      let outputs: (PortfolioSnapshot | TradeClosed)[] = [];
      (
        from(stream).pipe(portfolioAccounting({ initialBalanceUsdt: 10_000 }), toArray()) as Observable<
          (PortfolioSnapshot | TradeClosed)[]
        >
      ).subscribe((all) => {
        outputs = all;
      });
      const trades = outputs.filter((e): e is TradeClosed => e.kind === 'trade-closed');
      const snapshots = outputs.filter((e): e is PortfolioSnapshot => e.kind === 'portfolio-snapshot');
      const last = snapshots.at(-1);
      assert.ok(last !== undefined);
      assert.is(last.positions.length, 0, 'flat after close()');
      const sumNet = trades.reduce((sum, t) => sum + t.netPnlUsdt, 0);
      assert.ok(
        Math.abs(sumNet - (last.walletUsdt - 10_000)) < 1e-6,
        `Σnet ${sumNet} vs ${last.walletUsdt - 10_000}`,
      );
      // the engine's view and the venue's wallet agree
      assert.ok(Math.abs(last.walletUsdt - h.venue.account().walletUsdt) < 1e-6);
      for (const s of snapshots) {
        assert.ok(Math.abs(s.equityUsdt - (s.walletUsdt + s.unrealizedPnlUsdt)) < 1e-9);
        assert.ok(s.feesUsdt >= 0 && s.drawdownPct >= 0 && s.drawdownPct <= 100);
      }
      seen.trades += trades.length;
      seen.liquidations += trades.filter((t) => t.reason === 'LIQUIDATION').length;
      seen.flips += h
        .fills()
        .filter(
          (f) => !f.reduceOnly && trades.some((t) => t.ts === f.ts && t.side !== f.positionSide),
        ).length;
      for (const t of trades) {
        assert.ok(t.feesUsdt >= 0);
        assert.ok(Math.abs(t.netPnlUsdt - (t.grossPnlUsdt - t.feesUsdt - t.fundingUsdt)) < 1e-9);
      }
    }),
    { numRuns: 200, seed: 42 },
  );
  // the random scenarios really exercise liquidations, flips and many round trips
  assert.ok(seen.trades > 300 && seen.liquidations > 0 && seen.flips > 0, JSON.stringify(seen));
});

test.run();
