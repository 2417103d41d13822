import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOrderIdFor, OrderRequest, type SizingDecision } from '../../src/domain/index.js';
import { orderBracket } from '../../src/operators/order-bracket.js';
import { sizing } from '../builders.js';

const scheduler = () => new TestScheduler((actual, expected) => assert.equal(actual, expected));

const long = sizing({ ts: 60_000, qty: 10, stopPrice: 98, takeProfitPrice: 104, leverage: 3 });
const id = 'BTCUSDT-60000-LONG';
const entry = {
  kind: 'order',
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
  kind: 'order',
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
  kind: 'order',
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

test('a long decision becomes entry, reduce-only stop and take-profit, in that order', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a----|', { a: long }).pipe(orderBracket())).toBe('-(est)|', {
      e: entry,
      s: stop,
      t: takeProfit,
    });
  });
});

test('every order of the bracket is a valid OrderRequest with a distinct id', () => {
  const orders: OrderRequest[] = [];
  scheduler().run(({ cold }) => {
    cold('a|', { a: long })
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
    expectObservable(cold('a---|', { a: short }).pipe(orderBracket())).toBe('(es)|', {
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
    expectObservable(cold('a---|', { a: long }).pipe(orderBracket({ takeProfit: false }))).toBe('(es)|', {
      e: entry,
      s: stop,
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
