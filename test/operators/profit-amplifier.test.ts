// Profit amplification (PAL): the partial take-profit and the scale-in on hand-computed cases, the
// scale-in's path through the risk governor's gates and the balancer's symbol cap, and the
// monitor resizing the position's stop (new-first) when the add fills.
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  clientOrderIdFor,
  DEFAULT_SYMBOL_FILTERS,
  type OrderRequest,
  type SizingDecision,
  type SymbolFilters,
} from '../../src/domain/index.js';
import { type Handler, operate } from '../../src/kernel/operate.js';
import { createPortfolioBalancer, portfolioBalancerParams } from '../../src/operators/portfolio-balancer.js';
import { createPositionMonitor, positionMonitorParams } from '../../src/operators/position-monitor.js';
import {
  createProfitAmplifier,
  partialTakeProfitId,
  profitAmplifierParams,
  scaleInIntentId,
} from '../../src/operators/profit-amplifier.js';
import {
  maxOpenPositionsGate,
  positionExistsGate,
  type RiskContext,
  riskGatesParams,
} from '../../src/operators/risk-gates.js';
import { execution, fill, kline, position, sizing, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const FILTERS: SymbolFilters = {
  ...DEFAULT_SYMBOL_FILTERS,
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  minNotionalUsdt: 5,
};
const P = profitAmplifierParams.parse({ enabled: true });
const decision = sizing({ qty: 10, price: 100, stopPrice: 98, riskPerUnit: 2 });
const id = decision.intentId;

const run = async (events: readonly { readonly kind: string }[], params = P) =>
  lastValueFrom(
    from(events).pipe(
      operate(
        () =>
          createProfitAmplifier(params, () => FILTERS) as Handler<
            { kind: string },
            OrderRequest | SizingDecision
          >,
      ),
      toArray(),
    ),
  );

const entryFill = fill({ intentId: id, qty: 10, price: 100.05 });

test('partial take-profit: half of the decision at the first fill + 1R, reduce-only, resting at the venue', async () => {
  const out = await run([decision, entryFill]);
  assert.is(out.length, 1);
  const tp = out[0] as OrderRequest;
  assert.is(tp.type, 'TAKE_PROFIT_MARKET');
  assert.is(tp.clientOrderId, partialTakeProfitId(id));
  assert.is.not(tp.clientOrderId, clientOrderIdFor(id, 'TAKE_PROFIT'), 'apart from the bracket take-profit');
  assert.is(tp.side, 'SELL');
  assert.ok(tp.reduceOnly);
  assert.is(tp.qty, 5);
  assert.is(tp.stopPrice, 102.05); // 100.05 + 1 × 2
  assert.is(tp.exitReason, 'TAKE_PROFIT');
  assert.match(tp.reason ?? '', /50% of 10 at 1R/);
  // A SHORT: below the entry; 30% of 0.007 rounds down to the 0.001 step.
  const short = sizing({
    side: 'SHORT',
    qty: 0.007,
    price: 100,
    stopPrice: 101.5,
    riskPerUnit: 1.5,
    intentId: 's',
  });
  const [order] = (await run(
    [short, fill({ intentId: 's', side: 'SELL', positionSide: 'SHORT', qty: 0.007, price: 99.95 })],
    profitAmplifierParams.parse({ enabled: true, partialTakeProfit: { atR: 2, fraction: 0.3 } }),
  )) as OrderRequest[];
  assert.is(order.qty, 0.002);
  assert.is(order.stopPrice, 96.95); // 99.95 − 2 × 1.5
  assert.is(order.side, 'BUY');
});

test('partial take-profit: none when off, when its share rounds below minQty, or for a position PAL did not see decided', async () => {
  assert.equal(
    await run([decision, entryFill], profitAmplifierParams.parse({ partialTakeProfit: { atR: 0 } })),
    [],
  );
  assert.equal(await run([sizing({ qty: 0.001, intentId: id }), fill({ intentId: id, qty: 0.001 })]), []);
  assert.equal(await run([entryFill]), []);
});

test("partial take-profit grows with the entry's later fills (TWAP slices): the smaller one is cancelled first", async () => {
  const out = await run([
    decision,
    fill({ intentId: id, qty: 4, price: 100.05 }),
    fill({ intentId: id, qty: 6, price: 100.2, ts: 120_000 }),
  ]);
  assert.equal(
    out.map((o) => [o.kind, (o as OrderRequest).clientOrderId, (o as OrderRequest).qty]),
    [
      ['order-request', partialTakeProfitId(id, 1), 2],
      ['cancel-order', partialTakeProfitId(id, 1), undefined],
      ['order-request', partialTakeProfitId(id, 2), 5],
    ],
  );
  // The level stays at the first fill + 1R.
  assert.is((out[2] as OrderRequest).stopPrice, 102.05);
});

const noPartial = profitAmplifierParams.parse({ enabled: true, partialTakeProfit: { atR: 0 } });
const close = (price: number, ts = 120_000) => kline({ close: price, high: price, low: price, ts });

test('scale-in: only once leading by 1.5R and the stop has moved enough to keep the risk within 1R', async () => {
  // 103 is 1.475R beyond 100.05: not leading yet. 103.1 is 1.525R, but with the stop still at 98 the
  // position already risks 10 × 2.05 = 20.5 > 1R × 10 = 20: no room.
  assert.equal(await run([decision, entryFill, close(103), close(103.1, 180_000)], noPartial), []);
  // The stop moved to break-even+ (100.15): risk −1 (locked in), room 21, per unit 103.1 − 100.15 = 2.95
  // ⇒ 7.118…, capped at half the first entry: 5.
  const moved = execution({ intentId: id, status: 'NEW', stopPrice: 100.15, clientOrderId: 'sl1' });
  const [add, ...rest] = (await run(
    [decision, entryFill, moved, close(103.1), close(104, 180_000)],
    noPartial,
  )) as SizingDecision[];
  assert.is(rest.length, 0, 'at most maxAdds, one at a time');
  assert.is(add.kind, 'sizing-decision');
  assert.is(add.intentId, scaleInIntentId(id, 1));
  assert.is(add.addsTo, id);
  assert.is(add.side, 'LONG');
  assert.is(add.qty, 5);
  assert.is(add.price, 103.1);
  assert.is(add.stopPrice, 100.15);
  assert.ok(Math.abs(add.riskPerUnit - 2.95) < 1e-9);
  assert.ok(Math.abs(add.notionalUsdt - 515.5) < 1e-9);
  assert.is(add.takeProfitPrice, undefined);
  assert.match(add.method, /PAL scale-in 1\/1: 1\.52R ≥ 1\.5R/);
  // A stop at 99.5: risk 10 × 0.55 = 5.5, room 14.5, per unit 3.6 ⇒ 4.02777… ⇒ 4.027 on the step.
  const [tight] = (await run(
    [decision, entryFill, execution({ intentId: id, status: 'NEW', stopPrice: 99.5 }), close(103.1)],
    noPartial,
  )) as SizingDecision[];
  assert.is(tight.qty, 4.027);
});

test('scale-in: none for a symbol that left the universe (its position is still amplified)', async () => {
  const moved = execution({ intentId: id, status: 'NEW', stopPrice: 100.15 });
  const universe = (symbols: string[]) => ({
    kind: 'universe-changed',
    ts: 100_000,
    members: symbols.map((symbol, i) => ({ symbol, rank: i + 1, reason: 'test' })),
    added: [],
    removed: [],
    excluded: [],
    eligible: symbols.length,
    seen: 2,
    reason: 'test',
  });
  assert.equal(await run([decision, entryFill, moved, universe(['ETHUSDT']), close(103.1)], noPartial), []);
  const [add] = (await run(
    [decision, entryFill, moved, universe(['BTCUSDT']), close(103.1)],
    noPartial,
  )) as SizingDecision[];
  assert.is(add.addsTo, id);
});

test('scale-in: a refusal frees the slot but counts; a flat position is forgotten', async () => {
  const params = profitAmplifierParams.parse({
    enabled: true,
    partialTakeProfit: { atR: 0 },
    scaleIn: { maxAdds: 2, maxRiskMultiple: 3 },
  });
  const denied = {
    kind: 'order-denied',
    intentId: scaleInIntentId(id, 1),
    symbol: 'BTCUSDT',
    ts: 120_000,
    gate: 'max-gross-exposure',
    reason: 'test',
  };
  const out = (await run(
    [
      decision,
      entryFill,
      close(104),
      close(104.2, 180_000),
      denied,
      close(104.4, 240_000),
      close(104.6, 300_000),
    ],
    params,
  )) as SizingDecision[];
  assert.equal(
    out.map((d) => d.intentId),
    [scaleInIntentId(id, 1), scaleInIntentId(id, 2)],
  );
  assert.is(out[1].ts, 240_000, 'the second add waits for the first one to be refused');
  const flat = fill({
    intentId: id,
    side: 'SELL',
    qty: 10,
    price: 99,
    reduceOnly: true,
    purpose: 'STOP_LOSS',
  });
  assert.equal(await run([decision, entryFill, flat, close(110)], params), []);
});

test('risk governor: a scale-in passes position-exists and max-open-positions only onto its own side', () => {
  const p = riskGatesParams.parse({ maxOpenPositions: 1 });
  const add = sizing({ addsTo: id, intentId: scaleInIntentId(id, 1) });
  const context = (side: 'LONG' | 'SHORT' | undefined): RiskContext => ({
    snapshot: snapshot({ positions: side === undefined ? [] : [position({ side })] }),
    equityUsdt: 10_000,
    killSwitchTripped: false,
    lastEntryTs: new Map(),
    filters: FILTERS,
    takerFeeRate: 0.0005,
  });
  const gate = (g: typeof positionExistsGate, d: SizingDecision, side: 'LONG' | 'SHORT' | undefined) =>
    g(d, context(side), p);
  assert.ok(gate(positionExistsGate, add, 'LONG').ok);
  assert.ok(gate(maxOpenPositionsGate, add, 'LONG').ok);
  const onShort = gate(positionExistsGate, add, 'SHORT');
  assert.ok(!onShort.ok && /no LONG BTCUSDT position to add to \(open: SHORT\)/.test(onShort.reason));
  assert.ok(!gate(positionExistsGate, add, undefined).ok);
  assert.ok(!gate(positionExistsGate, sizing(), 'LONG').ok, 'a plain entry still may not stack');
});

test('balancer: a scale-in shares the symbol cap with its open position and keeps addsTo when shrunk', async () => {
  const balancer = createPortfolioBalancer(
    portfolioBalancerParams.parse({ maxSymbolExposure: 0.15 }),
    10_000,
  );
  const out: { kind: string }[] = [];
  const emit = (event: { kind: string }) => void out.push(event);
  // 10 × 100 = 1000 USDT open, cap 1500: room 500 of the 515.5 wanted.
  balancer.next(snapshot({ positions: [position({ qty: 10, markPrice: 100 })] }), emit);
  balancer.next(sizing({ addsTo: id, qty: 5, price: 103.1, notionalUsdt: 515.5 }), emit);
  const [shrunk] = out as SizingDecision[];
  assert.is(shrunk.addsTo, id);
  assert.ok(Math.abs(shrunk.notionalUsdt - 500) < 1e-9);
  assert.match(shrunk.method, /1000\.00 already open/);
});

test('monitor: an add that fills makes the stop whole again — new stop for 15 at the same price first, old cancelled after', async () => {
  const monitor = createPositionMonitor(
    positionMonitorParams.parse({ breakEvenAtR: 0, trailingActivationR: 0 }),
    {
      filtersOf: () => FILTERS,
    },
  );
  const out: { kind: string }[] = [];
  const emit = (event: { kind: string }) => void out.push(event);
  const stop0 = clientOrderIdFor(id, 'STOP_LOSS');
  monitor.next(decision, emit);
  monitor.next(fill({ intentId: id, qty: 10, price: 100 }), emit);
  monitor.next(execution({ intentId: id, clientOrderId: stop0, status: 'NEW', stopPrice: 98 }), emit);
  const add = sizing({ addsTo: id, intentId: scaleInIntentId(id, 1), qty: 5, stopPrice: 98 });
  monitor.next(add, emit);
  monitor.next(fill({ intentId: add.intentId, qty: 5, price: 103 }), emit);
  assert.is(out.length, 1);
  const resized = out[0] as OrderRequest;
  assert.is(resized.type, 'STOP_MARKET');
  assert.is(resized.qty, 15);
  assert.is(resized.stopPrice, 98);
  assert.is(resized.clientOrderId, clientOrderIdFor(id, 'STOP_LOSS', 1));
  assert.match(resized.reason ?? '', /resized from 10 to 15/);
  monitor.next(
    execution({ intentId: id, clientOrderId: resized.clientOrderId, status: 'NEW', qty: 15, stopPrice: 98 }),
    emit,
  );
  assert.equal(out[1], {
    kind: 'cancel-order',
    clientOrderId: stop0,
    symbol: 'BTCUSDT',
    ts: 60_000,
    reason: `replaced by ${resized.clientOrderId}`,
  });
  // A partial take-profit shrinks the position: the larger reduce-only stop stays (the venue clamps it).
  monitor.next(
    fill({ intentId: id, side: 'SELL', qty: 5, price: 104, reduceOnly: true, purpose: 'TAKE_PROFIT' }),
    emit,
  );
  monitor.next(close(104, 240_000), emit);
  assert.is(out.length, 2);
});

test('monitor: a stop placed after the venue closed the position in the same candle is cancelled at the candle; one the venue ended is not', () => {
  const run = (venueCancels: boolean) => {
    const monitor = createPositionMonitor(
      positionMonitorParams.parse({ breakEvenAtR: 0, trailingActivationR: 0 }),
      {
        filtersOf: () => FILTERS,
      },
    );
    const out: { kind: string }[] = [];
    const emit = (event: { kind: string }) => void out.push(event);
    monitor.next(decision, emit);
    monitor.next(fill({ intentId: id, qty: 10, price: 100 }), emit);
    monitor.next(
      execution({ intentId: id, clientOrderId: clientOrderIdFor(id, 'STOP_LOSS'), status: 'NEW' }),
      emit,
    );
    // One candle's reports, in order: the add filled at the open (the monitor resizes the stop),
    // then the take-profit closed everything later in the same candle.
    monitor.next(sizing({ addsTo: id, intentId: scaleInIntentId(id, 1), qty: 5 }), emit);
    monitor.next(fill({ intentId: scaleInIntentId(id, 1), qty: 5, price: 103, ts: 120_000 }), emit);
    const resized = out[0] as OrderRequest;
    monitor.next(
      execution({ intentId: id, clientOrderId: resized.clientOrderId, status: 'NEW', qty: 15 }),
      emit,
    );
    const tp = clientOrderIdFor(id, 'TAKE_PROFIT');
    monitor.next(
      fill({
        intentId: id,
        clientOrderId: tp,
        side: 'SELL',
        qty: 15,
        price: 104,
        reduceOnly: true,
        purpose: 'TAKE_PROFIT',
        ts: 120_000,
      }),
      emit,
    );
    if (venueCancels)
      monitor.next(
        execution({ intentId: id, clientOrderId: resized.clientOrderId, status: 'CANCELED', ts: 120_000 }),
        emit,
      );
    monitor.next(close(104), emit);
    return { resized, after: out.slice(2) };
  };
  const { resized, after } = run(false);
  assert.equal(after, [
    {
      kind: 'cancel-order',
      clientOrderId: resized.clientOrderId,
      symbol: 'BTCUSDT',
      ts: 120_000,
      reason: 'stop left resting after its position closed',
    },
  ]);
  assert.equal(run(true).after, []);
});

test('marble: the partial take-profit follows the entry fill in the same frame; the scale-in the leading candle; silent once flat', () => {
  new TestScheduler(assertEqual).run(({ cold, expectObservable }) => {
    const params = profitAmplifierParams.parse({ enabled: true, scaleIn: { maxRiskMultiple: 2 } });
    const source = cold('d-f-a-b-x-c|', {
      d: decision,
      f: entryFill,
      a: close(103, 120_000), // 1.475R: not leading
      b: close(103.1, 180_000), // 1.525R: risk 20.5 at the stop, budget 40 − 20.5 = 19.5 ⇒ 19.5 / 5.1 = 3.823
      x: fill({
        intentId: id,
        side: 'SELL',
        qty: 10,
        price: 98,
        reduceOnly: true,
        purpose: 'STOP_LOSS',
        clientOrderId: 'sl',
      }),
      c: close(110, 240_000),
    });
    const handler = () =>
      createProfitAmplifier(params, () => FILTERS) as Handler<
        { kind: string },
        OrderRequest | SizingDecision
      >;
    expectObservable(source.pipe(operate(handler), map(summary))).toBe('--T---S---C|', {
      T: `order-request ${partialTakeProfitId(id)} 5 @ 102.05`,
      S: `sizing-decision ${scaleInIntentId(id, 1)} 3.823 @ 103.1`,
      C: `cancel-order ${partialTakeProfitId(id)}`,
    });
  });
});

const summary = (event: { kind: string }): string => {
  if (event.kind === 'order-request') {
    const o = event as OrderRequest;
    return `order-request ${o.clientOrderId} ${o.qty} @ ${o.stopPrice}`;
  }
  if (event.kind === 'sizing-decision') {
    const d = event as SizingDecision;
    return `sizing-decision ${d.intentId} ${d.qty} @ ${d.price}`;
  }
  return `${event.kind} ${(event as { clientOrderId?: string }).clientOrderId}`;
};

test.run();
