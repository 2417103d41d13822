// The request-weight budget (issue #16, item 3) with ccxt clients against the fake Binance with a small
// weight limit, on a clock 30× wall time so a Binance minute lasts 2 s: a burst several minutes'
// weight long completes, slowed, with no 418; a 429 caused by a client outside the budget is waited
// out to its Retry-After, for reads and for orders (looked up by client order id before they are sent
// again). The budget's rules, in-process and through Redis, are in `request-budget.test.ts`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOrderIdFor, type OrderRequest, type VenueEvent } from '../../src/domain/index.js';
import { closeBinanceClient, createBinanceClient } from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import { inProcessRequestBudget } from '../../src/exchange/request-budget.js';
import { get, KEY, LINK, SECRET, signed, startLinkFake } from '../fake-binance/harness.js';
import {
  FAST_EDGE_MS,
  MINUTE,
  minuteOf,
  minutesSpanned,
  readCandles,
  startFastFake,
} from './request-budget-helpers.js';

test('without a budget, a burst over the weight limit meets 429 and then a 418 ban (what the budget prevents)', async () => {
  const { fake, clock } = await startFastFake(10);
  const client = createBinanceClient({ baseUrl: fake.restUrl });
  try {
    await client.loadMarkets();
    clock.restart();
    await Promise.allSettled(Array.from({ length: 16 }, () => readCandles(client, clock)));
    assert.ok(fake.weights.refused.tooMany >= 1, 'a 429');
    assert.ok(fake.weights.refused.banned >= 1, 'then 418s');
  } finally {
    await closeBinanceClient(client);
    await fake.close();
  }
});

test('in-process budget: a burst 2½ minutes of weight long completes, slowed over the minutes it needs, with no 429 and no 418', async () => {
  const { fake, clock } = await startFastFake(10);
  const budget = inProcessRequestBudget({ clock, edgeMs: FAST_EDGE_MS });
  const client = createBinanceClient({ baseUrl: fake.restUrl, budget });
  try {
    await client.loadMarkets();
    clock.restart();
    assert.is(budget.limitPerMinute, 10, 'learned from exchangeInfo');
    const answered = await Promise.all(Array.from({ length: 20 }, () => readCandles(client, clock)));
    assert.equal(fake.weights.refused, { tooMany: 0, banned: 0 });
    // 21 requests at 9 a minute: three minutes at least.
    assert.ok(minutesSpanned(answered) >= 3, `answers in ${minutesSpanned(answered)} minutes`);
    assert.ok(budget.stats.waits >= 11, `${budget.stats.waits} requests waited`);
  } finally {
    await closeBinanceClient(client);
    await fake.close();
  }
});

test('a 429 caused by a client outside the budget: the budgeted read waits out Retry-After, is sent again, and never meets a 418', async () => {
  const { fake, clock } = await startFastFake(10);
  const budget = inProcessRequestBudget({ clock, edgeMs: FAST_EDGE_MS });
  const client = createBinanceClient({ baseUrl: fake.restUrl, budget });
  try {
    await client.loadMarkets();
    clock.restart();
    // Another program on the same IP takes the rest of the minute, to the last unit.
    let used = 0;
    while (used < 10) used = Number((await get(fake, '/fapi/v1/ping')).headers.get('x-mbx-used-weight-1m'));
    const minute = minuteOf(clock.now());
    const answeredAt = await readCandles(client, clock);
    assert.equal(fake.weights.refused, { tooMany: 1, banned: 0 });
    assert.is(budget.stats.pauses, 1);
    assert.ok(answeredAt >= (minute + 1) * MINUTE, 'sent again only after Retry-After (the next minute)');
  } finally {
    await closeBinanceClient(client);
    await fake.close();
  }
});

/** An order of intent `intentId` (LINKUSDT, MARKET unless said otherwise). */
const order = (
  intentId: string,
  over: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'qty'>,
): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(intentId, 'ENTRY'),
  intentId,
  symbol: LINK,
  ts: 0,
  type: 'MARKET',
  purpose: 'ENTRY',
  reduceOnly: false,
  positionSide: 'LONG',
  leverage: 5,
  ...over,
});

const until = async (what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('an order refused with 429 is looked up by client order id after Retry-After, then sent once more: one order at the venue, no 418', async () => {
  // Signed requests need the server's clock on wall time: the fake's minutes are shifted instead, so
  // the minute of the 429 ends ~3 s later (the skew fault keeps its signature clock on wall time).
  const shift = { ms: 0 };
  const wall = (): number => Date.now() + shift.ms;
  const fake = await startLinkFake({ weightLimit: 40, wallClock: wall });
  const budget = inProcessRequestBudget({
    clock: { now: wall, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  });
  const client = createBinanceClient({ apiKey: KEY, secret: SECRET, baseUrl: fake.restUrl, budget });
  const events: VenueEvent[] = [];
  const exchange = new CcxtExchange({ client, symbols: [LINK], reconnectDelayMs: 50 });
  exchange.events$.subscribe((event) => events.push(event));
  const accepted = (clientOrderId: string): boolean =>
    events.some(
      (e) => e.kind === 'execution-result' && e.clientOrderId === clientOrderId && e.status !== 'REJECTED',
    );
  try {
    await exchange.connect(0);
    const first = order('budget-1', { side: 'BUY', qty: 10 });
    exchange.createOrder(first);
    await exchange.drain();
    assert.ok(accepted(first.clientOrderId));
    const now = Date.now();
    shift.ms = (minuteOf(now) + 2) * MINUTE - 3_000 - now;
    fake.faults.clockSkewMs = -shift.ms;
    let used = 0;
    while (used < 40) used = Number((await get(fake, '/fapi/v1/ping')).headers.get('x-mbx-used-weight-1m'));
    const minute = minuteOf(wall());
    const second = order('budget-2', { side: 'BUY', qty: 10 });
    exchange.createOrder(second);
    await exchange.drain();
    await until('the second order filled', () => fake.venue.trades.length === 2);
    assert.ok(accepted(second.clientOrderId), JSON.stringify(events.at(-1)));
    assert.ok(minuteOf(wall()) > minute, 'nothing was sent again before Retry-After');
    assert.equal(fake.weights.refused, { tooMany: 1, banned: 0 });
    assert.equal(
      [fake.requests.get('POST /fapi/v1/order'), fake.requests.get('GET /fapi/v1/order')],
      [3, 1],
      'first order, the refused one, the lookup, the one sent again',
    );
  } finally {
    exchange.close(0);
    await exchange.drain();
    await fake.close();
  }
});

test('order-count limits: a -1015 from orders the budget did not see pauses new orders to the next 10-second window, the order is looked up and sent once more; a burst then waits its turn without another -1015', async () => {
  const fake = await startLinkFake({ orderLimits: { tenSeconds: 3, minute: 100 } });
  const budget = inProcessRequestBudget();
  const client = createBinanceClient({ apiKey: KEY, secret: SECRET, baseUrl: fake.restUrl, budget });
  const events: VenueEvent[] = [];
  const exchange = new CcxtExchange({ client, symbols: [LINK], reconnectDelayMs: 50 });
  exchange.events$.subscribe((event) => events.push(event));
  const accepted = (clientOrderId: string): boolean =>
    events.some(
      (e) => e.kind === 'execution-result' && e.clientOrderId === clientOrderId && e.status !== 'REJECTED',
    );
  try {
    await exchange.connect(0);
    // exchangeInfo told the budget the venue's limits.
    assert.is(budget.stats.orders, 0);
    // Another tool on the same account takes the 10-second window's three orders.
    let placed = 0;
    for (let i = 0; i < 10 && placed < 3; i++) {
      const answer = await signed(fake, 'POST', '/fapi/v1/order', {
        symbol: LINK,
        side: 'BUY',
        type: 'MARKET',
        quantity: 1,
      });
      placed = answer.status === 200 ? Number(answer.headers.get('x-mbx-order-count-10s')) : 0;
    }
    assert.is(placed, 3);
    const first = order('orders-1', { side: 'BUY', qty: 10 });
    exchange.createOrder(first);
    await exchange.drain();
    assert.ok(accepted(first.clientOrderId), JSON.stringify(events.at(-1)));
    assert.is(fake.orders.refused, 1, 'one -1015');
    assert.is(budget.stats.orderPauses, 1);
    // A burst of three: two fit a window (90 % of 3), the third waits for the next one.
    const burst = ['orders-2', 'orders-3', 'orders-4'].map((id) => order(id, { side: 'BUY', qty: 1 }));
    for (const o of burst) exchange.createOrder(o);
    await exchange.drain();
    for (const o of burst) assert.ok(accepted(o.clientOrderId), o.clientOrderId);
    assert.is(fake.orders.refused, 1, 'no further -1015');
    assert.is(fake.weights.refused.banned, 0);
    assert.ok(budget.stats.waits >= 1);
    assert.is(fake.venue.trades.length, 3 + 4, 'each order placed once');
  } finally {
    exchange.close(0);
    await exchange.drain();
    await fake.close();
  }
});

test.run();
