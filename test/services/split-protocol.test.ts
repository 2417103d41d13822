// The Redis bus's protocol end to end inside one test process: every stage service hosted over a
// real redis-server, the conductor replaying a market through them; the journal's outcome must be
// the in-process backtest's.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBacktest, runWithReplay } from '../../src/pipeline/backtest.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import type { PipelineConfig } from '../../src/pipeline/config.js';
import { Conductor } from '../../src/services/conductor.js';
import { hostedService, hostedStages } from '../../src/services/hosted-stages.js';
import { readRange } from '../../src/services/inbox-reader.js';
import { outcomeFromJournal } from '../../src/services/journal.js';
import { startLocalRedis } from '../../src/services/local-redis.js';
import { connectRedis } from '../../src/services/redis-client.js';
import { type Keyspace, keyspace } from '../../src/services/redis-keys.js';
import { STAGE_SERVICES } from '../../src/services/service-catalog.js';
import { StageHost } from '../../src/services/stage-host.js';
import { parseEnvelopeFields } from '../../src/services/wire.js';
import { syntheticConfig, tempDir } from '../pipeline/harness.js';

/** Every stage service's host, in this process, over the Redis at `url`. */
const stageHosts = (url: string, config: PipelineConfig, keys: Keyspace): StageHost[] =>
  STAGE_SERVICES.map(
    (service) =>
      new StageHost({
        url,
        keys,
        consumer: `${service}-0`,
        clockKind: 'event-time',
        ...hostedService(service, config, buildModels(config, '.'), { replica: 0, replicas: 1 }),
      }),
  );

test('a replay through every stage over Redis trades exactly as the in-process backtest', async () => {
  const redis = await startLocalRedis({ dir: join(tempDir('redis'), 'data') });
  const config = syntheticConfig(1500);
  const keys = keyspace('t');
  const hosts = stageHosts(redis.url, config, keys);
  try {
    for (const host of hosts) await host.start();
    let summary = { released: 0, journal: 0, recovered: 0 };
    let killSwitchInbox = -1;
    const split = await runWithReplay({ config, outDir: null }, async ({ market }) => {
      const conductor = new Conductor({ url: redis.url, keys, config });
      summary = await conductor.replay(market);
      await conductor.close();
      const reader = connectRedis(redis.url, 'test');
      const outcome = await outcomeFromJournal(reader, keys.journal, market.intervalMs, []);
      // The kill switch runs chained to the portfolio in its service: it is never sent a delivery.
      killSwitchInbox = await reader.xlen(keys.inbox('kill-switch', 0));
      reader.disconnect();
      return outcome;
    });
    const backtest = await runBacktest({ config, outDir: null });
    assert.ok(backtest.report.trades.length > 0);
    assert.is(summary.released, 4500);
    assert.is(killSwitchInbox, 0);
    assert.equal(split.report.trades, backtest.report.trades);
    assert.equal(split.report.metrics, backtest.report.metrics);
  } finally {
    for (const host of hosts) await host.stop();
    await redis.stop();
  }
});

test('bad input on every stream a service reads becomes a dead letter with its reason; the run goes on', async () => {
  const redis = await startLocalRedis({ dir: join(tempDir('redis'), 'data') });
  const config = syntheticConfig(300);
  const keys = keyspace('bad');
  const hosts = stageHosts(redis.url, config, keys);
  const writer = connectRedis(redis.url, 'test');
  const kline = {
    kind: 'kline',
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime: 0,
    ts: 59_999,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 1,
  };
  const envelope = (event: unknown) =>
    JSON.stringify({ id: 'x', topic: 'market.klines', tsEvent: 0, tsInit: 0, origin: 'test', event });
  const { close: _close, ...klineWithoutClose } = kline;
  const body = (reply: boolean, event: unknown): string[] =>
    reply
      ? ['r', JSON.stringify({ emissions: [{ topic: 'market.klines', event }] })]
      : ['e', envelope(event)];
  // Each bad message in the shape of a delivery (field e) or of a reply (field r, emissions inside).
  const bad: [string, (reply: boolean) => string[], RegExp][] = [
    [
      'malformed JSON',
      (reply) => ['v', '1', 'd', 'd1', 't', '0', reply ? 'r' : 'e', '{"id": "x", '],
      /not JSON/,
    ],
    [
      'wrong schema version',
      (reply) => ['v', '9', 'd', 'd2', 't', '0', ...body(reply, kline)],
      /wire version 9 is not 1/,
    ],
    ['missing field', (reply) => ['v', '1', 'd', 'd3', 't', '0', ...body(reply, klineWithoutClose)], /close/],
    [
      '10 MB payload',
      (reply) => ['v', '1', 'd', 'd4', 't', '0', reply ? 'r' : 'e', 'x'.repeat(10 * 1024 * 1024)],
      /exceeds the 1048576-byte limit/,
    ],
    [
      'unknown kind',
      (reply) => ['v', '1', 'd', 'd5', 't', '0', ...body(reply, { kind: 'rocket-launch', ts: 0 })],
      /unknown event kind "rocket-launch"/,
    ],
  ];
  const inboxes =
    hosts.length > 0
      ? STAGE_SERVICES.flatMap((service) =>
          hostedStages(service, config, [], { replica: 0, replicas: 1 }).map(({ stage }) =>
            keys.inbox(stage.name, 0),
          ),
        )
      : [];
  try {
    for (const stream of [...inboxes, keys.replies]) {
      for (const [, fields] of bad) await writer.xadd(stream, '*', ...fields(stream === keys.replies));
    }
    for (const host of hosts) await host.start();
    const split = await runWithReplay({ config, outDir: null }, async ({ market }) => {
      const conductor = new Conductor({ url: redis.url, keys, config });
      await conductor.replay(market);
      await conductor.close();
      return outcomeFromJournal(writer, keys.journal, market.intervalMs, []);
    });
    const backtest = await runBacktest({ config, outDir: null });
    assert.equal(split.report.trades, backtest.report.trades);
    const letters: { origin: string; reason: string }[] = [];
    for await (const entry of readRange(writer, keys.dlq)) {
      const parsed = parseEnvelopeFields(entry.fields);
      assert.ok(parsed.ok);
      if (parsed.ok && parsed.value.event.kind === 'dead-letter') letters.push(parsed.value.event);
    }
    assert.is(letters.length, bad.length * (inboxes.length + 1));
    for (const stream of [...inboxes, keys.replies]) {
      const mine = letters.filter((letter) => letter.origin.startsWith(`stream ${stream} `));
      assert.is(mine.length, bad.length, stream);
      bad.forEach(([what, , reason], index) => {
        assert.match(mine[index].reason, reason, `${stream}: ${what}`);
      });
    }
  } finally {
    writer.disconnect();
    for (const host of hosts) await host.stop();
    await redis.stop();
  }
});

test.run();
