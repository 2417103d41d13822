// Question: what does the request-weight budget cost each REST request, in-process and shared through
// Redis, against the same ccxt client with no limiter at all (baseline), measured in the same run?
// 1. End to end: `fapiPublicGetTime` (weight 1) against the fake Binance on 127.0.0.1, with a weight
//    limit too high to ever hold a request back, so only the budget's bookkeeping is measured (ccxt,
//    HTTP and fastify are in every row alike): sequential, and 8 in flight at a time.
// 2. The budget alone: `acquire(1)` + `observe(…)` per request, no HTTP — the part of (1) that is
//    the budget's (for Redis: one Lua script per request; the observe needs no Redis call while
//    Binance's count is not above the shared one).
// 3. For scale: a Redis PING before each request, the least any shared budget costs (one round trip
//    to another process); on a small VM, waking a second process per request costs more than
//    the round trip itself.
// Rows alternate over several rounds and each reports its median round. Ratios are ours / baseline
// (time per request; 1.00× = free). The baseline is a loopback server answering in a fraction of a
// millisecond; Binance answers in milliseconds to tens of milliseconds, so what matters is the
// overhead in µs. Target: in-process adds ≤ 50 µs a request (sequential), Redis ≤ 1.5× the
// PING-before-each-request floor.
// Prints a JSON line and a table; writes bench/results/request-budget.json.
// Usage: `npx tsx bench/request-budget.ts [--quick]` (the Redis rows need redis-server on PATH).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import {
  type BinanceClient,
  closeBinanceClient,
  createBinanceClient,
} from '../src/exchange/binance-client.js';
import {
  budgetIdOf,
  inProcessRequestBudget,
  type RequestBudget,
  redisRequestBudget,
} from '../src/exchange/request-budget.js';
import { startFakeBinance } from '../src/fake-binance/fake-binance-server.js';
import { type LocalRedis, startLocalRedis } from '../src/services/local-redis.js';
import { closeQuietly, connectRedis } from '../src/services/redis-client.js';
import { loadMarketData } from '../src/streams/market-data.js';

const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 300 : 1_500;
const BUDGET_OPS = quick ? 5_000 : 30_000;
const ROUNDS = quick ? 3 : 5;
const IN_FLIGHT = 8;
const CREDENTIALS = { apiKey: 'bench-key', secret: 'bench-secret' };
/** A weight limit no run reaches (the fake's, and the budgets' own): only bookkeeping is measured. */
const NEVER_FULL = 1e12;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** µs per request of `count` calls, `inFlight` at a time. */
const timeRequests = async (client: BinanceClient, count: number, inFlight: number): Promise<number> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < count) await client.fapiPublicGetTime();
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ((performance.now() - started) * 1000) / count;
};

/** µs per `acquire(1)` + `observe` pair (the count Binance would report: ours). */
const timeBudget = async (budget: RequestBudget, count: number): Promise<number> => {
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    const sentAt = await budget.acquire(1);
    await budget.observe(i, sentAt);
  }
  return ((performance.now() - started) * 1000) / count;
};

/** µs per request with a Redis PING before each: the floor of any budget kept in another process. */
const timePingThenRequest = async (client: BinanceClient, redis: Redis, count: number): Promise<number> => {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await redis.ping();
    await client.fapiPublicGetTime();
  }
  return ((performance.now() - started) * 1000) / count;
};

interface Row {
  readonly name: string;
  readonly sequentialUs: number;
  readonly inFlightUs: number;
  readonly budgetOnlyUs?: number;
}

const main = async (): Promise<void> => {
  const link = loadMarketData('examples/data/klines/um-2026-02-1h', { symbols: ['LINKUSDT'] });
  // One server per row: its weight count (X-MBX-USED-WEIGHT-1M) is then that row's alone, as a
  // key's count is on Binance when one engine uses it.
  const startFake = () =>
    startFakeBinance({
      credentials: CREDENTIALS,
      symbols: [
        {
          symbol: 'LINKUSDT',
          baseAsset: 'LINK',
          tickSize: 0.001,
          stepSize: 0.01,
          minQty: 0.01,
          maxQty: 1e6,
          minNotional: 5,
        },
      ],
      path: link.klinesBySymbol,
      revealed: 24,
      walletUsdt: 10_000,
      takerFeeRate: 0.0005,
      makerFeeRate: 0.0002,
      slippageBps: 2,
      defaultLeverage: 20,
      fundingRate: 0.0001,
      // Never holds a request back: only the bookkeeping is measured.
      weightLimit: NEVER_FULL,
    });
  const fakes = [await startFake(), await startFake(), await startFake()];
  const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
  let redisServer: LocalRedis | undefined;
  const connections: Redis[] = [];
  if (hasRedis)
    redisServer = await startLocalRedis({ dir: mkdtempSync(join(tmpdir(), 'quantum-bench-budget-')) });
  const redisBudget = (): RequestBudget => {
    const redis = connectRedis(redisServer?.url ?? '', 'bench-budget');
    connections.push(redis);
    return redisRequestBudget({
      redis,
      budgetId: budgetIdOf(CREDENTIALS.apiKey, fakes[2].restUrl),
      limitPerMinute: NEVER_FULL,
    });
  };

  const variants: { name: string; make: () => BinanceClient; budget?: () => RequestBudget }[] = [
    {
      name: 'no budget, no limiter (baseline)',
      make: () => {
        const client = createBinanceClient({ baseUrl: fakes[0].restUrl });
        client.enableRateLimit = false;
        return client;
      },
    },
    {
      name: 'in-process budget',
      make: () => createBinanceClient({ baseUrl: fakes[1].restUrl, budget: inProcessRequestBudget() }),
      budget: () => inProcessRequestBudget({ limitPerMinute: NEVER_FULL }),
    },
  ];
  if (hasRedis) {
    variants.push({
      name: 'Redis budget',
      make: () => createBinanceClient({ baseUrl: fakes[2].restUrl, budget: redisBudget() }),
      budget: redisBudget,
    });
  }

  try {
    const clients = variants.map((variant) => variant.make());
    for (const client of clients) {
      await client.loadMarkets();
      await timeRequests(client, 200, IN_FLIGHT); // warm-up: JIT, sockets, the scripts' cache
    }
    const samples = variants.map(() => ({
      sequential: [] as number[],
      inFlight: [] as number[],
      only: [] as number[],
    }));
    const pingFloor: number[] = [];
    const pinger = hasRedis ? connectRedis(redisServer?.url ?? '', 'bench-ping') : undefined;
    if (pinger !== undefined) connections.push(pinger);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order each round, so drift over the run hits every row alike.
      const order = variants.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        samples[i].sequential.push(await timeRequests(clients[i], REQUESTS, 1));
        samples[i].inFlight.push(await timeRequests(clients[i], REQUESTS, IN_FLIGHT));
        const make = variants[i].budget;
        if (make !== undefined) samples[i].only.push(await timeBudget(make(), BUDGET_OPS));
      }
      if (pinger !== undefined) pingFloor.push(await timePingThenRequest(clients[0], pinger, REQUESTS));
    }
    for (const client of clients) await closeBinanceClient(client);

    const rows: Row[] = variants.map((variant, i) => ({
      name: variant.name,
      sequentialUs: median(samples[i].sequential),
      inFlightUs: median(samples[i].inFlight),
      ...(samples[i].only.length === 0 ? {} : { budgetOnlyUs: median(samples[i].only) }),
    }));
    const [baseline] = rows;
    const ratio = (ours: number, base: number): number => Number((ours / base).toFixed(3));
    const rowOf = (name: string): Row | undefined => rows.find((row) => row.name === name);
    const inProcess = rowOf('in-process budget');
    const redis = rowOf('Redis budget');
    const floorUs = pingFloor.length === 0 ? undefined : median(pingFloor);
    const overheadUs = (row: Row | undefined): number | null =>
      row === undefined ? null : Number((row.sequentialUs - baseline.sequentialUs).toFixed(1));
    const result = {
      bench: 'request-budget',
      quick,
      node: process.version,
      requests: REQUESTS,
      rounds: ROUNDS,
      inFlight: IN_FLIGHT,
      rows: rows.map((row) => ({
        ...row,
        ratioSequential: ratio(row.sequentialUs, baseline.sequentialUs),
        ratioInFlight: ratio(row.inFlightUs, baseline.inFlightUs),
      })),
      ratioInProcess: inProcess === undefined ? null : ratio(inProcess.sequentialUs, baseline.sequentialUs),
      ratioRedis: redis === undefined ? null : ratio(redis.sequentialUs, baseline.sequentialUs),
      overheadInProcessUs: overheadUs(inProcess),
      overheadRedisUs: overheadUs(redis),
      pingThenRequestUs: floorUs ?? null,
      ratioRedisOverPingFloor:
        redis === undefined || floorUs === undefined ? null : ratio(redis.sequentialUs, floorUs),
      redis: hasRedis,
      meetsTarget:
        inProcess !== undefined &&
        inProcess.sequentialUs - baseline.sequentialUs <= 50 &&
        (redis === undefined || floorUs === undefined || redis.sequentialUs <= 1.5 * floorUs),
    };
    console.log(JSON.stringify(result));
    const us = (value: number | undefined): string => (value === undefined ? '—' : `${value.toFixed(1)} µs`);
    console.table(
      Object.fromEntries(
        rows.map((row) => [
          row.name,
          {
            'per request, sequential': us(row.sequentialUs),
            ratio: `${(row.sequentialUs / baseline.sequentialUs).toFixed(2)}×`,
            [`per request, ${IN_FLIGHT} in flight`]: us(row.inFlightUs),
            'ratio ': `${(row.inFlightUs / baseline.inFlightUs).toFixed(2)}×`,
            'added per request': us(row.sequentialUs - baseline.sequentialUs),
            'budget alone (acquire + observe)': us(row.budgetOnlyUs),
          },
        ]),
      ),
    );
    if (floorUs !== undefined && redis !== undefined) {
      console.log(
        `floor: a Redis PING before each request ${us(floorUs)} per request → Redis budget / floor ${(redis.sequentialUs / floorUs).toFixed(2)}× (target ≤ 1.5×)`,
      );
    }
    if (!hasRedis)
      console.log('redis-server is not on PATH: the Redis row was skipped (apt-get install -y redis-server)');
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/request-budget.json', `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const redis of connections) closeQuietly(redis);
    await redisServer?.stop();
    for (const fake of fakes) await fake.close();
  }
};

await main();
