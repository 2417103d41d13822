// The request-weight budget (issue #16, item 3): its rules on a virtual clock, in-process and shared
// through Redis by two "processes" (two budgets on their own connections), and two processes bursting
// through Redis against the fake Binance. ccxt clients with an in-process budget against the fake
// Binance are in `request-budget-ccxt.test.ts`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeBinanceClient, createBinanceClient } from '../../src/exchange/binance-client.js';
import {
  type BudgetClock,
  budgetIdOf,
  inProcessRequestBudget,
  type RequestBudget,
  type RequestBudgetOptions,
  redisRequestBudget,
} from '../../src/exchange/request-budget.js';
import { freePort, type LocalRedis, startLocalRedis } from '../../src/services/local-redis.js';
import { closeQuietly, connectRedis } from '../../src/services/redis-client.js';
import { KEY, SECRET } from '../fake-binance/harness.js';
import { missingRedis, requires } from '../requirements.js';
import {
  FAST_EDGE_MS,
  MINUTE,
  minuteOf,
  minutesSpanned,
  readCandles,
  startFastFake,
} from './request-budget-helpers.js';

/** 12:00:10 UTC: ten seconds into a minute. */
const T0 = Date.UTC(2026, 5, 1, 12, 0, 10);
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
