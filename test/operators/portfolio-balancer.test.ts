// Portfolio balancing (PBA): correlations of returns aligned by time, and the symbol, net and
// correlated-exposure limits on hand-computed cases — a shrink names the correlated symbols, a
// refusal is an OrderDenied (gate pba) naming them, an entry on the other side of the bet goes whole.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createPrng,
  type Kline,
  type OrderDenied,
  type PortfolioSnapshot,
  type Position,
  type SizingDecision,
} from '../../src/domain/index.js';
import { type Handler, operate } from '../../src/kernel/operate.js';
import {
  correlationOf,
  createPortfolioBalancer,
  portfolioBalancerParams,
  Returns,
} from '../../src/operators/portfolio-balancer.js';
import { kline, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const MINUTE = 60_000;
const N = 120;

/** Closes of a random walk, and walks that follow it (same returns), mirror it, or go their own way. */
const prng = createPrng(11);
const shocks = Array.from({ length: N }, () => prng.normal() * 0.002);
const own = Array.from({ length: N }, () => prng.normal() * 0.002);
const walk = (start: number, returns: readonly number[]): number[] => {
  const closes = [start];
  for (const r of returns) closes.push(closes[closes.length - 1] * Math.exp(r));
  return closes;
};
const closes: Record<string, number[]> = {
  BTCUSDT: walk(100, shocks),
  ETHUSDT: walk(50, shocks),
  INVUSDT: walk(
    20,
    shocks.map((r) => -r),
  ),
  SOLUSDT: walk(10, own),
};
/** Minute `m`'s candles of every symbol, BTC last (its decision comes with its own candle). */
const minute = (m: number): Kline[] =>
  ['ETHUSDT', 'INVUSDT', 'SOLUSDT', 'BTCUSDT'].map((symbol) =>
    kline({ symbol, ts: (m + 1) * MINUTE, close: closes[symbol][m] }),
  );

const position = (symbol: string, side: 'LONG' | 'SHORT', notional: number): Position => {
  const mark = closes[symbol][N];
  return {
    symbol,
    side,
    qty: notional / mark,
    entryPrice: mark,
    leverage: 2,
    marginUsdt: notional / 2,
    liquidationPrice: 0,
    markPrice: mark,
    unrealizedPnlUsdt: 0,
    openedTs: 0,
    intentId: `open-${symbol}`,
  };
};

const decision = (side: 'LONG' | 'SHORT', notional: number): SizingDecision => ({
  kind: 'sizing-decision',
  intentId: `BTCUSDT-${(N + 1) * MINUTE}-${side}`,
  symbol: 'BTCUSDT',
  ts: (N + 1) * MINUTE,
  side,
  price: 100,
  qty: notional / 100,
  notionalUsdt: notional,
  leverage: 2,
  stopPrice: side === 'LONG' ? 98 : 102,
  riskPerUnit: 2,
  method: 'fixed-fraction',
});

/** The balancer after N minutes of candles and a snapshot holding `positions`; its answer to `ask`. */
const answer = (
  positions: Position[],
  ask: SizingDecision,
  params: Record<string, unknown> = {},
): SizingDecision | OrderDenied => {
  const balancer = createPortfolioBalancer(portfolioBalancerParams.parse(params), 10_000);
  const out: (SizingDecision | OrderDenied)[] = [];
  for (let m = 0; m <= N; m++) for (const k of minute(m)) balancer.next(k, () => undefined);
  const snap: PortfolioSnapshot = { ...snapshot({ equityUsdt: 10_000 }), positions };
  balancer.next(snap, () => undefined);
  balancer.next(ask, (e) => out.push(e));
  assert.is(out.length, 1);
  return out[0];
};

test('correlation of returns aligned by time: the same walk 1, its mirror −1, another walk near 0; a symbol a candle behind still lines up', () => {
  const series = (symbol: string, upTo: number): Returns => {
    const r = new Returns(100);
    for (let m = 0; m <= upTo; m++) r.push(kline({ symbol, ts: (m + 1) * MINUTE, close: closes[symbol][m] }));
    return r;
  };
  const near = (value: number | undefined, expected: number, tolerance: number): boolean =>
    value !== undefined && Math.abs(value - expected) <= tolerance;
  assert.ok(near(correlationOf(series('BTCUSDT', N), series('ETHUSDT', N), 30), 1, 1e-9));
  assert.ok(near(correlationOf(series('BTCUSDT', N), series('INVUSDT', N), 30), -1, 1e-9));
  assert.ok(near(correlationOf(series('BTCUSDT', N), series('SOLUSDT', N), 30), 0, 0.3));
  // ETH's candle of the last minute has not arrived yet: the pairs still match minute by minute.
  assert.ok(near(correlationOf(series('BTCUSDT', N), series('ETHUSDT', N - 1), 30), 1, 1e-9));
  assert.is(correlationOf(series('BTCUSDT', 10), series('ETHUSDT', 10), 30), undefined, 'too few returns');
});

test('correlated bet over its cap: shrunk to the room left (quantity and notional alike), naming the correlated symbol', () => {
  // Cap 0.5 × 10 000 = 5 000; ETH (corr 1, long) holds 3 000: a 3 000 BTC long gets 2 000.
  const out = answer([position('ETHUSDT', 'LONG', 3_000)], decision('LONG', 3_000), {
    maxCorrelatedExposure: 0.5,
  });
  assert.ok(out.kind === 'sizing-decision');
  assert.ok(Math.abs(out.notionalUsdt - 2_000) < 1e-6);
  assert.ok(Math.abs(out.qty - 20) < 1e-9);
  assert.equal([out.stopPrice, out.leverage, out.riskPerUnit], [98, 2, 2]);
  assert.match(
    out.method,
    /^fixed-fraction · balanced 3000\.00 → 2000\.00 USDT \(correlated with ETHUSDT 1\.00: 3000\.00 USDT open, cap 5000\.00/,
  );
});

test('no room left: refused with an OrderDenied (gate pba) naming the correlated symbols; a mirror symbol on the other side is the same bet', () => {
  const out = answer(
    [position('ETHUSDT', 'LONG', 3_000), position('INVUSDT', 'SHORT', 2_500)],
    decision('LONG', 1_000),
    { maxCorrelatedExposure: 0.5 },
  );
  assert.ok(out.kind === 'order-denied');
  assert.is(out.gate, 'pba');
  assert.match(
    out.reason,
    /no room for 1000\.00 USDT: correlated with ETHUSDT 1\.00, INVUSDT -1\.00: 5500\.00 USDT open/,
  );
});

test('the other side of the bet, and an uncorrelated symbol, go whole', () => {
  const hedge = answer([position('ETHUSDT', 'LONG', 5_000)], decision('SHORT', 3_000), {
    maxCorrelatedExposure: 0.5,
  });
  assert.ok(
    hedge.kind === 'sizing-decision' && hedge.notionalUsdt === 3_000 && hedge.method === 'fixed-fraction',
  );
  const apart = answer([position('SOLUSDT', 'LONG', 5_000)], decision('LONG', 3_000), {
    maxCorrelatedExposure: 0.5,
  });
  assert.ok(apart.kind === 'sizing-decision' && apart.notionalUsdt === 3_000);
});

test('net exposure: a long that would push the net past its cap is shrunk; a short that lowers it goes whole; the symbol cap holds one symbol', () => {
  // Net cap 0.5 × 10 000 = 5 000; SOL (uncorrelated) long 4 000: a 3 000 long fits 1 000.
  const long = answer([position('SOLUSDT', 'LONG', 4_000)], decision('LONG', 3_000), { maxNetExposure: 0.5 });
  assert.ok(long.kind === 'sizing-decision');
  assert.ok(Math.abs(long.notionalUsdt - 1_000) < 1e-6);
  assert.match(long.method, /net exposure 4000\.00 USDT, cap 5000\.00/);
  const short = answer([position('SOLUSDT', 'LONG', 4_000)], decision('SHORT', 3_000), {
    maxNetExposure: 0.5,
  });
  assert.ok(short.kind === 'sizing-decision' && short.notionalUsdt === 3_000);
  const capped = answer([], decision('LONG', 3_000), { maxSymbolExposure: 0.2 });
  assert.ok(capped.kind === 'sizing-decision');
  assert.ok(Math.abs(capped.notionalUsdt - 2_000) < 1e-6);
  assert.match(capped.method, /symbol cap 2000\.00 USDT \(0\.2× equity\)/);
});

test('marble: snapshots and candles only inform; each decision is answered in its own frame — whole, shrunk, or refused', () => {
  new TestScheduler(assertEqual).run(({ cold, expectObservable }) => {
    // Net cap 3000, symbol cap 1500; no shared returns, so nothing correlates.
    const p = portfolioBalancerParams.parse({ maxSymbolExposure: 0.15, maxNetExposure: 0.3 });
    const holding = (notional: number): PortfolioSnapshot => ({
      ...snapshot({ equityUsdt: 10_000 }),
      positions: [{ ...position('ETHUSDT', 'LONG', notional), symbol: 'YUSDT' }],
    });
    const ask = (side: 'LONG' | 'SHORT', notional: number, intentId: string): SizingDecision => ({
      ...decision(side, notional),
      symbol: 'XUSDT',
      intentId,
    });
    const source = cold('s-k-a-b-t-c|', {
      s: holding(2_000),
      k: kline({ symbol: 'XUSDT', close: 100 }),
      a: ask('SHORT', 500, 'a'), // lowers the net: whole
      b: ask('LONG', 2_000, 'b'), // symbol cap 1500, then net room 1000
      t: holding(3_000),
      c: ask('LONG', 500, 'c'), // net at its cap: refused
    });
    const handler = () =>
      createPortfolioBalancer(p, 10_000) as Handler<{ kind: string }, SizingDecision | OrderDenied>;
    expectObservable(
      source.pipe(
        operate(handler),
        map((e) =>
          e.kind === 'order-denied'
            ? `denied ${e.intentId} ${e.gate}`
            : `${e.intentId} ${e.notionalUsdt.toFixed(0)}`,
        ),
      ),
    ).toBe('----A-B---C|', { A: 'a 500', B: 'b 1000', C: 'denied c pba' });
  });
});

test.run();
