// portfolioAccounting: a property test that runs random markets and orders through SimExchange and
// checks the account invariants. The marble specs: portfolio.test.ts.
import fc from 'fast-check';
import { from, type Observable, toArray } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PortfolioSnapshot, TradeClosed, VenueEvent } from '../../src/domain/index.js';
import { type PortfolioInput, portfolioAccounting } from '../../src/operators/portfolio.js';
import { bar, harness, order, stopLoss, T0, takeProfit } from '../exchange/sim-harness.js';

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
