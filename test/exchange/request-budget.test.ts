// The request-weight budget (issue #16, item 3): its rules on a virtual clock, in-process and shared
// through Redis by two "processes" (two budgets on their own connections); then ccxt clients against
// the fake Binance with a small weight limit, on a clock 30× wall time so a Binance minute lasts 2 s:
// a burst several minutes' weight long completes, slowed, with no 418; a 429 caused by a client
// outside the budget is waited out to its Retry-After, for reads and for orders (looked up by
// client order id before they are sent again).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOrderIdFor, type OrderRequest, type VenueEvent } from '../../src/domain/index.js';
import {
  type BinanceClient,
  closeBinanceClient,
  createBinanceClient,
} from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import {
  type BudgetClock,
  budgetIdOf,
  inProcessRequestBudget,
  type RequestBudget,
  type RequestBudgetOptions,
  redisRequestBudget,
  WEIGHT_WINDOW_MS,
} from '../../src/exchange/request-budget.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { freePort, type LocalRedis, startLocalRedis } from '../../src/services/local-redis.js';
import { closeQuietly, connectRedis } from '../../src/services/redis-client.js';
import { get, KEY, LINK, SECRET, signed, startLinkFake } from '../fake-binance/harness.js';
import { missingRedis, requires } from '../requirements.js';

const MINUTE = WEIGHT_WINDOW_MS;
/** 12:00:10 UTC: ten seconds into a minute. */
const T0 = Date.UTC(2026, 5, 1, 12, 0, 10);
const minuteOf = (t: number): number => Math.floor(t / MINUTE);
/** Where the budget lets a request go once minute `index` is full: the next minute, past the 1 s edge. */
const freedAfter = (index: number): number => (index + 1) * MINUTE + 1_000;

/** Time that moves only when a budget sleeps: the rules with no real waiting. */
const virtualClock = (startMs: number): BudgetClock & { t: number } => {
  const clock = {
    t: startMs,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
};

/**
 * Wall time `speed` times faster from `startMs`, for the fake server and the budget alike;
 * `restart` sets it back to `startMs` (after the slow first requests of a process, so a burst
 * starts where the test means it to).
 */
const fastClock = (startMs: number, speed: number): BudgetClock & { restart(): void } => {
  let realStart = Date.now();
  return {
    now: () => startMs + (Date.now() - realStart) * speed,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / speed)),
    restart: () => {
      realStart = Date.now();
    },
  };
};

type MakeBudget = (options: RequestBudgetOptions) => RequestBudget;

/** The rules, the same for each implementation. */
const budgetRules = (label: string, make: () => MakeBudget): void => {
  test(`${label}: grants up to 90 % of the minute's limit, then holds the next request until the next minute, past the edge`, async () => {
    const clock = virtualClock(T0);
    const budget = make()({ limitPerMinute: 100, clock });
    for (let i = 0; i < 90; i++) assert.is(await budget.acquire(1), T0);
    assert.is(await budget.acquire(1), freedAfter(minuteOf(T0)));
    assert.equal(
      { granted: budget.stats.granted, weight: budget.stats.weight, waits: budget.stats.waits },
      { granted: 91, weight: 91, waits: 1 },
    );
  });

  test(`${label}: a request within the edge of a minute counts in both minutes`, async () => {
    const edge = (minuteOf(T0) + 1) * MINUTE;
    const clock = virtualClock(edge - 500);
    const budget = make()({ limitPerMinute: 100, clock });
    await budget.acquire(50);
    clock.t = edge + 1_500;
    assert.is(await budget.acquire(40), edge + 1_500, '50 + 40 fit the new minute');
    assert.is(await budget.acquire(1), freedAfter(minuteOf(edge)), 'the 50 sent at the edge counted in it');
  });

  test(`${label}: a pause holds every request until it ends, plus the edge`, async () => {
    const clock = virtualClock(T0);
    const budget = make()({ limitPerMinute: 100, clock });
    await budget.pause(T0 + 5_000);
    assert.is(await budget.acquire(1), T0 + 6_000);
    await budget.pause(T0 + 2_000);
    assert.is(await budget.acquire(1), T0 + 6_000, 'a shorter pause does not shorten it');
    assert.is(budget.stats.pauses, 2);
  });

  test(`${label}: Binance's count raises the minute's and never lowers it`, async () => {
    const clock = virtualClock(T0);
    const budget = make()({ limitPerMinute: 100, clock });
    const sentAt = await budget.acquire(10);
    clock.t += 200;
    await budget.observe(85, sentAt);
    await budget.observe(3, sentAt);
    assert.is(await budget.acquire(5), T0 + 200, '85 + 5 fit');
    assert.is(await budget.acquire(1), freedAfter(minuteOf(T0)));
  });

  test(`${label}: an answer to a request sent at a minute's edge is credited to neither minute`, async () => {
    const edge = (minuteOf(T0) + 1) * MINUTE;
    const clock = virtualClock(edge + 5_000);
    const budget = make()({ limitPerMinute: 100, clock });
    await budget.observe(90, edge - 300);
    assert.is(await budget.acquire(90), edge + 5_000);
  });

  // 12:00:13: three seconds into a 10-second window, clear of its 1 s edges.
  const ORDER_T = T0 + 3_000;
  const nextTenSeconds = (t: number): number => (Math.floor(t / 10_000) + 1) * 10_000 + 1_000;
  const tight = [
    { windowMs: 10_000, limit: 10 },
    { windowMs: 60_000, limit: 100 },
  ];

  test(`${label}: new orders wait for room in the 10-second window (90 % of its limit); other requests do not`, async () => {
    const clock = virtualClock(ORDER_T);
    const budget = make()({ clock, orderLimits: tight });
    for (let i = 0; i < 9; i++) assert.is(await budget.acquire(1, 1), ORDER_T);
    assert.is(await budget.acquire(1), ORDER_T, 'a request that places no order goes');
    assert.is(await budget.acquire(1, 1), nextTenSeconds(ORDER_T));
    assert.equal({ orders: budget.stats.orders, waits: budget.stats.waits }, { orders: 10, waits: 1 });
  });

  test(`${label}: the minute's order limit holds orders across 10-second windows`, async () => {
    const clock = virtualClock(ORDER_T);
    const budget = make()({
      clock,
      orderLimits: [
        { windowMs: 10_000, limit: 100 },
        { windowMs: 60_000, limit: 20 },
      ],
    });
    for (let i = 0; i < 18; i++) await budget.acquire(1, 1);
    clock.t = ORDER_T + 20_000;
    assert.is(await budget.acquire(1, 1), freedAfter(minuteOf(ORDER_T)));
  });

  test(`${label}: an order-count pause (-1015) holds new orders only; Binance's order counts raise the window's`, async () => {
    const clock = virtualClock(ORDER_T);
    const budget = make()({ clock, orderLimits: tight });
    await budget.pauseOrders(ORDER_T + 4_000);
    assert.is(await budget.acquire(1), ORDER_T, 'other requests go on');
    assert.is(await budget.acquire(1, 1), ORDER_T + 5_000);
    assert.is(budget.stats.orderPauses, 1);
    const sentAt = clock.t;
    clock.t += 100;
    await budget.observeOrders([{ windowMs: 10_000, count: 8 }], sentAt);
    await budget.observeOrders([{ windowMs: 10_000, count: 2 }], sentAt);
    assert.is(await budget.acquire(1, 1), sentAt + 100, '8 + 1 fit');
    assert.is(await budget.acquire(1, 1), nextTenSeconds(sentAt));
  });

  test(`${label}: the order limits exchangeInfo states replace the default`, async () => {
    const clock = virtualClock(ORDER_T);
    const budget = make()({ clock });
    for (let i = 0; i < 200; i++) assert.is(await budget.acquire(0, 1), ORDER_T, '270 a window by default');
    budget.setOrderLimits([
      { windowMs: 10_000, limit: 5 },
      { windowMs: 60_000, limit: 1_200 },
    ]);
    clock.t = nextTenSeconds(ORDER_T) + 1_000;
    const at = clock.t;
    for (let i = 0; i < 4; i++) assert.is(await budget.acquire(0, 1), at);
    assert.is(await budget.acquire(0, 1), nextTenSeconds(at));
  });

  test(`${label}: the limit exchangeInfo states replaces the default`, async () => {
    const clock = virtualClock(T0);
    const budget = make()({ clock });
    assert.is(budget.limitPerMinute, 2_400);
    budget.setLimit(20);
    for (let i = 0; i < 18; i++) await budget.acquire(1);
    assert.is(await budget.acquire(1), freedAfter(minuteOf(T0)));
  });
};

budgetRules('in-process', () => inProcessRequestBudget);

// --- ccxt clients against the fake server ------------------------------------------------------------

const SPEED = 30;
/** The edge allowance on the fast clock: 3 s there is 100 ms of wall time (a loaded machine's latency). */
const FAST_EDGE_MS = 3_000;
const UNIFIED = 'LINK/USDT:USDT';

/** A fake Binance with `weightLimit` on a clock 30× wall time, started 5 s into a minute. */
const startFastFake = async (
  weightLimit: number,
): Promise<{ fake: FakeBinance; clock: ReturnType<typeof fastClock> }> => {
  const clock = fastClock(Date.UTC(2026, 5, 1, 12, 0, 5), SPEED);
  const fake = await startLinkFake({ weightLimit, wallClock: clock.now });
  return { fake, clock };
};

/** Recent candles, weight 1 (limit < 100). Resolves with the fake time of the answer. */
const readCandles = async (client: BinanceClient, clock: BudgetClock): Promise<number> => {
  const rows = await client.fetchOHLCV(UNIFIED, '1h', undefined, 5);
  assert.is(rows.length, 5);
  return clock.now();
};

/** How many distinct Binance minutes the answers came in. */
const minutesSpanned = (times: readonly number[]): number => new Set(times.map(minuteOf)).size;

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

// --- shared through Redis ----------------------------------------------------------------------------

if (requires(missingRedis())) {
  let server: LocalRedis;
  const connections: Redis[] = [];
  const connect = (name: string): Redis => {
    const redis = connectRedis(server.url, name);
    connections.push(redis);
    return redis;
  };
  let admin: Redis;
  let budgetCount = 0;

  test.before(async () => {
    server = await startLocalRedis({ dir: join(mkdtempSync(join(tmpdir(), 'quantum-budget-')), 'redis') });
    admin = connect('request-budget-test');
  });
  test.before.each(async () => {
    await admin.flushall();
  });
  test.after(async () => {
    for (const redis of connections) closeQuietly(redis);
    await server.stop();
  });

  // Each test's budgets get a fresh id; each budget its own connection, as a process would.
  budgetRules('Redis', () => {
    const budgetId = `rules-${budgetCount++}`;
    return (options) => redisRequestBudget({ ...options, redis: connect('budget'), budgetId });
  });

  test('Redis: two processes on one key share the minute — what one takes, the other cannot', async () => {
    const clock = virtualClock(T0);
    const budgetId = budgetIdOf(KEY);
    const first = redisRequestBudget({ redis: connect('first'), budgetId, limitPerMinute: 100, clock });
    const second = redisRequestBudget({ redis: connect('second'), budgetId, limitPerMinute: 100, clock });
    await first.acquire(60);
    assert.is(await second.acquire(30), T0);
    assert.is(await second.acquire(1), freedAfter(minuteOf(T0)));
    await first.pause(clock.t + 10_000);
    const pausedAt = clock.t;
    assert.is(await second.acquire(1), pausedAt + 11_000, "the other's pause holds it too");
  });

  test('Redis: another API key has a budget of its own', async () => {
    const clock = virtualClock(T0);
    const mine = redisRequestBudget({
      redis: connect('a'),
      budgetId: budgetIdOf(KEY),
      limitPerMinute: 10,
      clock,
    });
    const theirs = redisRequestBudget({
      redis: connect('b'),
      budgetId: budgetIdOf('another-key'),
      limitPerMinute: 10,
      clock,
    });
    for (let i = 0; i < 9; i++) await mine.acquire(1);
    assert.is(await theirs.acquire(9), T0);
  });

  test('Redis away: the process keeps a budget of its own and says so', async () => {
    const warnings: string[] = [];
    const away = connectRedis(`redis://127.0.0.1:${await freePort()}`, 'nowhere');
    connections.push(away);
    const clock = virtualClock(T0);
    const budget = redisRequestBudget({
      redis: away,
      budgetId: budgetIdOf(KEY),
      limitPerMinute: 10,
      redisTimeoutMs: 50,
      clock,
      onWarning: (w) => warnings.push(w),
    });
    for (let i = 0; i < 9; i++) assert.is(await budget.acquire(1), T0);
    assert.is(await budget.acquire(1), freedAfter(minuteOf(T0)), 'still a budget');
    assert.is(warnings.length, 1);
    assert.match(warnings[0], /Redis is away \(no answer in 50 ms\)/);
  });

  test('Redis: two processes bursting 2½ minutes of weight complete with at most one 429 and no 418; no Redis key or value holds the API key', async () => {
    const { fake, clock } = await startFastFake(10);
    const budgetId = budgetIdOf(KEY, fake.restUrl);
    const clients = ['process-a', 'process-b'].map((name) =>
      createBinanceClient({
        apiKey: KEY,
        secret: SECRET,
        baseUrl: fake.restUrl,
        budget: redisRequestBudget({ redis: connect(name), budgetId, clock, edgeMs: FAST_EDGE_MS }),
      }),
    );
    try {
      const answered = (
        await Promise.all(
          clients.map(async (client) => {
            await client.loadMarkets();
            return Promise.all(Array.from({ length: 10 }, () => readCandles(client, clock)));
          }),
        )
      ).flat();
      assert.is(fake.weights.refused.banned, 0);
      assert.ok(fake.weights.refused.tooMany <= 1, `${fake.weights.refused.tooMany} 429s`);
      // 22 requests at 9 a minute: three minutes at least, whichever process sent them.
      assert.ok(minutesSpanned(answered) >= 3, `answers in ${minutesSpanned(answered)} minutes`);
      const keys = await admin.keys(`*${budgetId}*`);
      assert.ok(keys.length > 0, 'the budget lives in Redis');
      for (const key of await admin.keys('*')) {
        assert.not.ok(key.includes(KEY), key);
        const type = await admin.type(key);
        if (type === 'string') assert.not.ok(String(await admin.get(key)).includes(KEY), key);
      }
      assert.ok(
        keys.every((key) => key.startsWith(`quantum:{request-weight:${budgetId}}:`)),
        keys.join(' '),
      );
    } finally {
      for (const client of clients) await closeBinanceClient(client);
      await fake.close();
    }
  });
}

test.run();
