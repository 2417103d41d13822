import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type CancelOrder,
  clientOrderIdFor,
  type ExecutionResult,
  OrderRequest,
  type SizingDecision,
} from '../../src/domain/index.js';
import { type OrderBracketInput, orderBracket } from '../../src/operators/order-bracket.js';
import { execution, sizing } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);

const long = sizing({ ts: 60_000, qty: 10, stopPrice: 98, takeProfitPrice: 104, leverage: 3 });
const id = 'BTCUSDT-60000-LONG';
const entry = {
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(id, 'ENTRY'),
  intentId: id,
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'BUY',
  type: 'MARKET',
  qty: 10,
  reduceOnly: false,
  leverage: 3,
  purpose: 'ENTRY',
  positionSide: 'LONG',
};
const stop = {
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(id, 'STOP_LOSS'),
  intentId: id,
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'SELL',
  type: 'STOP_MARKET',
  qty: 10,
  stopPrice: 98,
  reduceOnly: true,
  purpose: 'STOP_LOSS',
  positionSide: 'LONG',
  exitReason: 'STOP_LOSS',
};
const takeProfit = {
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(id, 'TAKE_PROFIT'),
  intentId: id,
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'SELL',
  type: 'TAKE_PROFIT_MARKET',
  qty: 10,
  stopPrice: 104,
  reduceOnly: true,
  purpose: 'TAKE_PROFIT',
  positionSide: 'LONG',
  exitReason: 'TAKE_PROFIT',
};

/** The venue's report on the entry of `intentId`. */
const entryReport = (status: ExecutionResult['status'], ts = 60_000, intentId = id, filledQty = 0) =>
  execution({
    clientOrderId: clientOrderIdFor(intentId, 'ENTRY'),
    intentId,
    ts,
    side: 'BUY',
    type: 'MARKET',
    purpose: 'ENTRY',
    status,
    filledQty,
  });

test('a long decision sends the entry; its acceptance sends the reduce-only stop and take-profit, in that order', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const accepted = entryReport('NEW', 120_000);
    expectObservable(cold<OrderBracketInput>('-a-n---|', { a: long, n: accepted }).pipe(orderBracket())).toBe(
      '-e-(st)|',
      {
        e: entry,
        s: { ...stop, ts: 120_000 },
        t: { ...takeProfit, ts: 120_000 },
      },
    );
  });
});

test('a rejected entry ends its bracket: no stop, no take-profit, ever', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const rejected = { ...entryReport('REJECTED'), errorCode: 'QT_EXCHANGE_INSUFFICIENT_MARGIN' };
    // A late NEW for the same id (a replayed report) must not resurrect the bracket.
    const late = entryReport('NEW', 180_000);
    expectObservable(
      cold<OrderBracketInput>('-a-r-n-|', { a: long, r: rejected, n: late }).pipe(orderBracket()),
    ).toBe('-e-----|', { e: entry });
  });
});

test('an entry cancelled before any fill cancels the stop and take-profit it had; a partly filled one keeps them', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const accepted = entryReport('NEW');
    const cancelled = entryReport('CANCELED', 240_000);
    const cancel = (purpose: 'STOP_LOSS' | 'TAKE_PROFIT') => ({
      kind: 'cancel-order',
      clientOrderId: clientOrderIdFor(id, purpose),
      symbol: 'BTCUSDT',
      ts: 240_000,
      reason: `entry ${clientOrderIdFor(id, 'ENTRY')} canceled before any fill`,
    });
    expectObservable(
      cold<OrderBracketInput>('a-n----c---|', { a: long, n: accepted, c: cancelled }).pipe(orderBracket()),
    ).toBe('e-(st)-(xy)|', {
      e: entry,
      s: stop,
      t: takeProfit,
      x: cancel('STOP_LOSS'),
      y: cancel('TAKE_PROFIT'),
    });
    const partlyFilled = entryReport('CANCELED', 240_000, id, 4);
    expectObservable(
      cold<OrderBracketInput>('a-n----c---|', { a: long, n: accepted, c: partlyFilled }).pipe(orderBracket()),
    ).toBe('e-(st)-----|', { e: entry, s: stop, t: takeProfit });
  });
});

test('a FILLED first report (an instant market fill) still sends the protection once', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const filled = entryReport('FILLED', 60_000, id, 10);
    expectObservable(cold<OrderBracketInput>('a-f-f-|', { a: long, f: filled }).pipe(orderBracket())).toBe(
      'e-(st)|',
      { e: entry, s: stop, t: takeProfit },
    );
  });
});

test('every order of the bracket is a valid OrderRequest with a distinct id', () => {
  const orders: (OrderRequest | CancelOrder)[] = [];
  scheduler().run(({ cold }) => {
    cold<OrderBracketInput>('an|', { a: long, n: entryReport('NEW') })
      .pipe(orderBracket())
      .subscribe((o) => orders.push(o));
  });
  for (const order of orders) OrderRequest.parse(order);
  assert.is(new Set(orders.map((o) => o.clientOrderId)).size, 3);
});

test('a short without take-profit: SELL entry and BUY stop only; takeProfit false drops the TP', () => {
  const short = sizing({ side: 'SHORT', stopPrice: 102, takeProfitPrice: undefined });
  const shortId = 'BTCUSDT-60000-SHORT';
  scheduler().run(({ cold, expectObservable }) => {
    const shortAccepted = { ...entryReport('NEW', 60_000, shortId), side: 'SELL' as const };
    expectObservable(
      cold<OrderBracketInput>('an--|', { a: short, n: shortAccepted }).pipe(orderBracket()),
    ).toBe('es--|', {
      e: {
        ...entry,
        clientOrderId: clientOrderIdFor(shortId, 'ENTRY'),
        intentId: shortId,
        side: 'SELL',
        positionSide: 'SHORT',
      },
      s: {
        ...stop,
        clientOrderId: clientOrderIdFor(shortId, 'STOP_LOSS'),
        intentId: shortId,
        side: 'BUY',
        stopPrice: 102,
        positionSide: 'SHORT',
      },
    });
    expectObservable(
      cold<OrderBracketInput>('an--|', { a: long, n: entryReport('NEW') }).pipe(
        orderBracket({ takeProfit: false }),
      ),
    ).toBe('es--|', {
      e: entry,
      s: stop,
    });
  });
});

test('a scale-in (addsTo) sends its entry alone: no stop or take-profit when accepted, nothing cancelled when it ends unfilled', () => {
  const addId = `${id}+add1`;
  const add = sizing({ ts: 120_000, intentId: addId, qty: 4, addsTo: id });
  const addReport = (status: ExecutionResult['status'], filledQty = 0) =>
    execution({
      clientOrderId: clientOrderIdFor(addId, 'ENTRY'),
      intentId: addId,
      ts: 180_000,
      side: 'BUY',
      type: 'MARKET',
      purpose: 'ENTRY',
      status,
      qty: 4,
      filledQty,
    });
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(
      cold<OrderBracketInput>('a-n-f-x|', {
        a: add,
        n: addReport('NEW'),
        f: addReport('FILLED', 4),
        x: addReport('CANCELED'),
      }).pipe(orderBracket()),
    ).toBe('a------|', {
      a: {
        ...entry,
        clientOrderId: clientOrderIdFor(addId, 'ENTRY'),
        intentId: addId,
        ts: 120_000,
        qty: 4,
        reason: `scale-in of ${id}: no stop or take-profit of its own (the position's stop is resized when it fills)`,
      },
    });
  });
});

test('errors and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold<SizingDecision>('--#', undefined, new Error('x')).pipe(orderBracket())).toBe(
      '--#',
      undefined,
      new Error('x'),
    );
    const source = cold('----a|', { a: long });
    expectObservable(source.pipe(orderBracket()), '^-!').toBe('---');
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test.run();
