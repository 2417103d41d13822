// Questions: what do the services over Redis cost, against baselines measured in the same run?
// 1. Publisher: our StreamPublisher writing N kline envelopes to a stream vs raw ioredis pipelined
//    XADD of the same messages (same serialization, same batch size). Target: ratio ≥ 0.7×.
// 2. Latency: wall time from a market event's due time to the quiescence of its whole cascade
//    (every stage's answer, orders and venue reports included) with every stage service in its own
//    process over Redis, the market paced at 100 and at 1,000 events/s (three symbols whose candles
//    close together: events come in threes, each waits for the cascades before it, as live) — and
//    the same graph on the in-process bus at 1,000 events/s. Target: p50 ≤ 2 ms, p99 ≤ 10 ms at
//    1,000 events/s. Baseline: the bare floor of any design that waits for each stage's answer
//    through Redis (`floorChain`: as many round trips per event, to as many processes, due at the
//    same times, nothing parsed or handled), and the ratio of ours to it.
// 3. Sustained load: 10,000 deliveries/s for 60 s (`--quick`: 10 s) from the publisher into a stage
//    host in another process (the quiet-delivery path: no reply awaited); the maximum consumer lag
//    (entries not yet read) sampled every second must stay bounded.
// 4. Replay throughput: the bundled real-data example through `quantum run --split` vs the
//    in-process backtest, as a ratio.
// Prints a JSON line and a table; writes bench/results/redis.json.
// Usage: `npx tsx bench/redis.ts [--quick] [--only part] [--tsx]` (needs redis-server on PATH): runs
// compiled (tsc into dist/, the services too, as a deployment runs them), or with `--tsx` under tsx.
// First: under tsx this runs the compiled bench and exits (see lib/compiled.ts).
import './lib/redis/compiled-first.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kline } from '../src/domain/index.js';
import { createPrng } from '../src/domain/index.js';
import { SimExchange } from '../src/exchange/sim-exchange.js';
import { sourceIdOf } from '../src/kernel/envelope.js';
import type { Stage } from '../src/kernel/stage.js';
import { TOPICS } from '../src/kernel/topics.js';
import { runBacktest } from '../src/pipeline/backtest.js';
import { buildModels } from '../src/pipeline/build-models.js';
import { loadPipelineConfig, parsePipelineConfig, simExchangeParamsOf } from '../src/pipeline/config.js';
import { connectVenue, tradingKernel } from '../src/pipeline/graph.js';
import { loadMarketReplay } from '../src/pipeline/market-source.js';
import { Conductor } from '../src/services/conductor.js';
import { ensureGroup, groupLag } from '../src/services/inbox-reader.js';
import { startLocalRedis } from '../src/services/local-redis.js';
import { connectRedis } from '../src/services/redis-client.js';
import { type Keyspace, keyspace } from '../src/services/redis-keys.js';
import { STAGE_SERVICES } from '../src/services/service-catalog.js';
import { runSplit } from '../src/services/split-run.js';
import { StageHost } from '../src/services/stage-host.js';
import { StreamPublisher } from '../src/services/stream-publisher.js';
import { Supervisor } from '../src/services/supervisor.js';
import { deliveryFields, envelopeFields } from '../src/services/wire.js';
import { echoChild, floorChain, latencySummary } from './lib/redis/floor-chain.js';

const quick = process.argv.includes('--quick');
const work = mkdtempSync(join(tmpdir(), 'quantum-bench-redis-'));

function klineAt(index: number): Kline {
  const close = 100 + (index % 97) * 0.01;
  return {
    kind: 'kline',
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime: index * 60_000,
    ts: index * 60_000 + 59_999,
    open: close,
    high: close + 0.05,
    low: close - 0.05,
    close,
    volume: 10,
    quoteVolume: 1000,
    trades: 5,
    takerBuyVolume: 5,
  };
}

function envelopeOf(kline: Kline) {
  return {
    id: sourceIdOf(kline),
    topic: TOPICS.klines,
    causeId: undefined,
    tsEvent: kline.ts,
    tsInit: kline.ts,
    origin: 'source',
    event: kline,
  };
}

async function publisherVsRaw(
  url: string,
): Promise<{ oursMs: number; rawMs: number; ratio: number; messages: number }> {
  const messages = quick ? 50_000 : 200_000;
  const envelopes = Array.from({ length: messages }, (_, i) => envelopeOf(klineAt(i)));
  const redis = connectRedis(url, 'bench');
  const key = 'bench:publisher';
  const ours = async (): Promise<number> => {
    await redis.del(key);
    const started = performance.now();
    const publisher = new StreamPublisher(redis, 512);
    for (const envelope of envelopes) publisher.publish(key, envelopeFields(envelope));
    await publisher.flush();
    return performance.now() - started;
  };
  const raw = async (): Promise<number> => {
    await redis.del(key);
    const started = performance.now();
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < envelopes.length; i += 512) {
      const pipeline = redis.pipeline();
      for (const envelope of envelopes.slice(i, i + 512))
        pipeline.xadd(key, '*', 'v', '1', 'id', envelope.id, 'e', JSON.stringify(envelope));
      sent.push(pipeline.exec());
    }
    await Promise.all(sent);
    return performance.now() - started;
  };
  let oursMs = Number.POSITIVE_INFINITY;
  let rawMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    rawMs = Math.min(rawMs, await raw());
    oursMs = Math.min(oursMs, await ours());
  }
  await redis.del(key);
  redis.disconnect();
  return { oursMs, rawMs, ratio: rawMs / oursMs, messages };
}

/** Resolves when every service's heartbeat says it serves (status running); fails after 120 s. */
async function untilServing(url: string, keys: Keyspace, services: readonly string[]): Promise<void> {
  const redis = connectRedis(url, 'bench-ready');
  try {
    for (let waited = 0; waited < 120_000; waited += 100) {
      const statuses = await Promise.all(
        services.map((service) => redis.hget(keys.health(service, 0), 'status')),
      );
      if (statuses.every((status) => status === 'running')) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`bench/redis.ts: the services did not all start serving within 120 s`);
  } finally {
    redis.disconnect();
  }
}

/** Part 2: the default pipeline's cascade latency, split over Redis at `rates`, and in process. */
async function latency(url: string): Promise<Record<string, unknown>> {
  const events = quick ? 1500 : 4500;
  const config = parsePipelineConfig({
    data: { source: 'synthetic', synthetic: { count: events / 3 } },
    output: { progress: false },
  });
  const configFile = join(work, 'pipeline.json');
  writeFileSync(configFile, JSON.stringify(config));
  const market = loadMarketReplay(config, { baseDir: '.', seed: config.seed });
  // Three symbols of 1m candles: one event per 20 s of market time.
  const speedFor = (perSecond: number): number => (20_000 * perSecond) / 1000;
  const results: Record<string, unknown> = {};
  for (const rate of [100, 1000]) {
    const shard = `lat${rate}`;
    const supervisor = new Supervisor({ env: { ...process.env, REDIS_URL: url, QUANTUM_LOG_LEVEL: 'warn' } });
    supervisor.start(
      STAGE_SERVICES.map((service) => ({
        name: service,
        args: ['service', service, '--config', configFile, '--shard', shard],
      })),
    );
    // The services' start-up (a process each, on this host's cores) is not the latency measured:
    // pacing starts once every one of them serves its inboxes.
    await untilServing(url, keyspace(shard), STAGE_SERVICES);
    const conductor = new Conductor({ url, keys: keyspace(shard), config, speed: speedFor(rate) });
    const started = performance.now();
    const summary = await conductor.replay(market);
    const seconds = (performance.now() - started) / 1000;
    await conductor.close();
    await supervisor.stop();
    results[`split${rate}`] = {
      ratePerSec: rate,
      events: market.klines.length,
      achievedPerSec: market.klines.length / seconds,
      roundTripsPerEvent: summary.roundTripsPerEvent,
      ...summary.latencyMs,
    };
    // The floor at the same rate: as many round trips per event, to as many processes, bare.
    // Due at the same times as the market's events (the symbols' candles close together).
    const hops = Math.max(1, summary.roundTripsPerEvent);
    const firstTs = market.klines[0].ts;
    const dueOffsetsMs = market.klines
      .slice(0, quick ? 1000 : 3000)
      .map((kline) => (kline.ts - firstTs) / speedFor(rate));
    results[`floor${rate}`] = await floorChain(url, rate, hops, dueOffsetsMs, 1200);
  }
  // In process, paced the same way (1,000 events/s): the kernel alone.
  const kernel = tradingKernel(config, {
    exchange: new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange')),
    models: buildModels(config),
  });
  await connectVenue(kernel, market.klines[0].openTime);
  const sample: number[] = [];
  const startedMs = performance.now();
  const firstTs = market.klines[0].ts;
  for (let i = 0; i < market.klines.length; i++) {
    const dueMs = startedMs + (market.klines[i].ts - firstTs) / speedFor(1000);
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const pending = kernel.process(market.klines[i], TOPICS.klines);
    if (pending !== undefined) await pending;
    sample.push(performance.now() - Math.max(dueMs, startedMs));
  }
  results.inProcess1000 = { ratePerSec: 1000, ...latencySummary(sample) };
  return results;
}

/** Part 3: sustained deliveries into a stage host in another process; max lag sampled each second. */
async function sustained(url: string): Promise<Record<string, unknown>> {
  const seconds = quick ? 10 : 60;
  const perSecond = 10_000;
  const keys = keyspace('load');
  const redis = connectRedis(url, 'bench-load');
  const inbox = keys.inbox('sink', 0);
  await ensureGroup(redis, inbox);
  const supervisor = new Supervisor({
    command: [process.execPath, ...process.execArgv, process.argv[1]],
    env: { ...process.env, QUANTUM_LOG_LEVEL: 'warn' },
  });
  supervisor.start([{ name: 'sink', args: ['--consumer', url] }]);
  // Load starts once the consumer reads (its start-up is not what is measured).
  for (let waited = 0; waited < 30_000; waited += 50) {
    const consumers = (await redis.xinfo('CONSUMERS', inbox, 'quantum')) as unknown[];
    if (consumers.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const publisher = new StreamPublisher(redis, 256);
  let maxLag = 0;
  let sent = 0;
  const lagOf = (): Promise<number> => groupLag(redis, inbox);
  const started = performance.now();
  let nextSample = started + 1000;
  const lags: number[] = [];
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const kline = klineAt(sent);
      publisher.publish(
        inbox,
        deliveryFields({ deliveryId: `load${sent}`, nowMs: kline.ts, envelope: envelopeOf(kline) }),
        200_000,
      );
    }
    await publisher.flush();
    if (performance.now() >= nextSample) {
      const lag = await lagOf();
      lags.push(lag);
      maxLag = Math.max(maxLag, lag);
      nextSample += 1000;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const finalLag = await lagOf();
  await supervisor.stop();
  redis.disconnect();
  return { seconds, perSecond, sent, maxLag, finalLag, lagsPerSecond: lags, bounded: maxLag < perSecond };
}

async function replayRatio(
  url: string,
): Promise<{ klines: number; backtestMs: number; splitMs: number; ratioSplitOverBacktest: number }> {
  const configPath = 'examples/real-data.yaml';
  const config = loadPipelineConfig(configPath);
  const backtestStarted = performance.now();
  await runBacktest({ config, configPath, outDir: null });
  const backtestMs = performance.now() - backtestStarted;
  const splitStarted = performance.now();
  await runSplit({ config, configPath, outDir: join(work, 'split'), url, shard: 'ratio' });
  const splitMs = performance.now() - splitStarted;
  return { klines: 4704, backtestMs, splitMs, ratioSplitOverBacktest: splitMs / backtestMs };
}

async function main(): Promise<void> {
  const redis = await startLocalRedis({ dir: join(work, 'redis') });
  try {
    const only = process.argv.includes('--only')
      ? process.argv[process.argv.indexOf('--only') + 1]
      : undefined;
    const part = <T>(name: string, run: () => Promise<T>, none: T): Promise<T> =>
      only === undefined || only === name ? run() : Promise.resolve(none);
    const publisher = await part('publisher', () => publisherVsRaw(redis.url), {
      oursMs: 0,
      rawMs: 0,
      ratio: 0,
      messages: 0,
    });
    const latencies = await part('latency', () => latency(redis.url), {
      split1000: { p50: 0, p99: 0 },
    } as Record<string, unknown>);
    const load = await part('sustained', () => sustained(redis.url), {
      seconds: 0,
      perSecond: 0,
      sent: 0,
      maxLag: 0,
      finalLag: 0,
    } as Record<string, unknown>);
    const replay = await part('replay', () => replayRatio(redis.url), {
      klines: 0,
      backtestMs: 0,
      splitMs: 0,
      ratioSplitOverBacktest: 0,
    });
    const split1000 = latencies.split1000 as { p50: number; p99: number };
    // Ours against the bare floor at the same rate (a design that waits for every answer through Redis).
    const latencyOverFloor: Record<string, number> = {};
    for (const rate of [100, 1000]) {
      const split = latencies[`split${rate}`] as { p50: number } | undefined;
      const floor = latencies[`floor${rate}`] as { p50: number } | undefined;
      if (split !== undefined && floor !== undefined)
        latencyOverFloor[`split${rate}`] = split.p50 / floor.p50;
    }
    const result = {
      bench: 'redis',
      quick,
      publisher,
      meetsPublisherTarget: publisher.ratio >= 0.7,
      latency: latencies,
      meetsLatencyTarget: split1000.p50 <= 2 && split1000.p99 <= 10,
      latencyOverFloor,
      sustained: load,
      replay,
    };
    console.log(JSON.stringify(result));
    const ms = (value: unknown): string => `${Number(value).toFixed(2)} ms`;
    console.log(
      `publisher: ours ${publisher.oursMs.toFixed(0)} ms, raw pipelined XADD ${publisher.rawMs.toFixed(0)} ms for ${publisher.messages} messages → ratio ${publisher.ratio.toFixed(2)}× (target ≥ 0.7×)`,
    );
    for (const [name, value] of Object.entries(latencies)) {
      const row = value as Record<string, number>;
      console.log(
        `latency ${name}: ${row.events} events at ${row.ratePerSec}/s${row.achievedPerSec === undefined ? '' : ` (achieved ${row.achievedPerSec.toFixed(0)}/s)`}${row.roundTripsPerEvent === undefined ? '' : `, ${row.roundTripsPerEvent.toFixed(2)} round trips/event`}${row.hops === undefined ? '' : `, bare floor: ${row.hops.toFixed(2)} round trips/event`}: p50 ${ms(row.p50)}, p99 ${ms(row.p99)}, max ${ms(row.max)}`,
      );
    }
    for (const [split, floor] of Object.entries(latencyOverFloor)) {
      console.log(`latency ${split} / its bare floor at p50: ${floor.toFixed(2)}×`);
    }
    console.log(
      `sustained ${load.perSecond}/s for ${load.seconds} s: ${load.sent} sent, max lag ${load.maxLag}, final lag ${load.finalLag}`,
    );
    console.log(
      `replay of ${replay.klines} klines: backtest ${replay.backtestMs.toFixed(0)} ms, split ${replay.splitMs.toFixed(0)} ms → split/backtest ${replay.ratioSplitOverBacktest.toFixed(0)}×`,
    );
    mkdirSync('bench/results', { recursive: true });
    if (only === undefined) writeFileSync('bench/results/redis.json', `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await redis.stop();
  }
}

if (process.argv[2] === '--echo') {
  // A child of part 2's floor (lib/redis/floor-chain.ts).
  await echoChild(process.argv.slice(3));
} else if (process.argv[2] === '--consumer') {
  /** A child of this bench: a stage host consuming the load inbox (part 3). */
  const [, , , url] = process.argv;
  const sink: Stage = {
    name: 'sink',
    rank: 0,
    consumes: [TOPICS.klines],
    quiet: [TOPICS.klines],
    handle: () => undefined,
  };
  const host = new StageHost({
    url,
    keys: keyspace('load'),
    consumer: 'sink',
    clockKind: 'event-time',
    batch: 256,
    stages: [{ stage: sink, partitions: [0] }],
    chains: new Map(),
  });
  await host.start();
  process.once('SIGTERM', () => void host.stop().then(() => process.exit(0)));
} else {
  await main();
}
