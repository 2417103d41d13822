// Acceptance of the services split under faults (issue: services over Redis streams): services
// SIGKILLed at random moments and restarted, and Redis itself restarted mid-run — the split replay
// still writes the in-process backtest's trades, no order reaches the venue twice, and nothing
// lands in the dlq that was not put there on purpose.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/index.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { loadPipelineConfig } from '../../src/pipeline/config.js';
import { readRange } from '../../src/services/inbox-reader.js';
import { type LocalRedis, startLocalRedis } from '../../src/services/local-redis.js';
import { connectRedis } from '../../src/services/redis-client.js';
import { keyspace } from '../../src/services/redis-keys.js';
import { runSplit, type SplitRunOptions } from '../../src/services/split-run.js';
import type { Supervisor } from '../../src/services/supervisor.js';
import { parseEnvelopeFields } from '../../src/services/wire.js';
import { tempDir } from '../pipeline/harness.js';
import { missingRedis, requires } from '../requirements.js';

const CONFIG = 'examples/real-data.yaml';
const KEYS = keyspace('replay');

/** Client order ids of every `OrderSubmitted` the venue published (one per order it was handed). */
const submittedOrderIds = async (url: string): Promise<string[]> => {
  const redis = connectRedis(url, 'test');
  const ids: string[] = [];
  for await (const entry of readRange(redis, KEYS.stream('execution.result'))) {
    const parsed = parseEnvelopeFields(entry.fields);
    if (parsed.ok && parsed.value.event.kind === 'order-submitted')
      ids.push(parsed.value.event.clientOrderId);
  }
  redis.disconnect();
  return ids;
};

const dlqLength = async (url: string): Promise<number> => {
  const redis = connectRedis(url, 'test');
  const length = await redis.xlen(KEYS.dlq);
  redis.disconnect();
  return length;
};

if (requires(missingRedis())) {
  let redis: LocalRedis;
  const out = tempDir('split-faults');
  const config = loadPipelineConfig(CONFIG);
  let expected: { trades: string; orders: number };

  const splitOptions = (dir: string, onStarted: (supervisor: Supervisor) => void): SplitRunOptions => ({
    config,
    configPath: CONFIG,
    outDir: join(out, dir),
    url: redis.url,
    supervisor: { restartDelayMs: 100 },
    onStarted,
  });

  test.before(async () => {
    redis = await startLocalRedis({ dir: join(out, 'redis') });
    const backtest = await runBacktest({ config, configPath: CONFIG, outDir: join(out, 'backtest') });
    expected = {
      trades: readFileSync(join(out, 'backtest', 'trades.csv'), 'utf8'),
      orders: backtest.stats.summary().counts
        ? Object.entries(backtest.stats.summary().counts as Record<string, number>)
            .filter(([key]) => key.startsWith('orders.'))
            .reduce((sum, [, n]) => sum + n, 0)
        : 0,
    };
  });
  test.after(async () => {
    await redis.stop();
  });

  test('services SIGKILLed at random moments (publisher included) and restarted: same trades, no order twice', async () => {
    const prng = createPrng(7);
    let kills = 0;
    const killed: string[] = [];
    const timers: ReturnType<typeof setTimeout>[] = [];
    await runSplit(
      splitOptions('chaos', (supervisor) => {
        const names = supervisor.names();
        // Six kills spread over the run's first ~15 s, at seeded random moments, of seeded random services.
        let at = 0;
        for (let i = 0; i < 6; i++) {
          at += 1500 + Math.floor(prng.next() * 1500);
          const name = names[Math.floor(prng.next() * names.length)];
          timers.push(
            setTimeout(() => {
              if (supervisor.kill(name, 'SIGKILL')) {
                kills++;
                killed.push(name);
              }
            }, at),
          );
        }
      }),
    );
    for (const timer of timers) clearTimeout(timer);
    console.log(`killed: ${killed.join(', ')}`);
    assert.ok(kills >= 5, `at least 5 kills landed (killed: ${killed.join(', ')})`);
    assert.is(readFileSync(join(out, 'chaos', 'trades.csv'), 'utf8'), expected.trades);
    const ids = await submittedOrderIds(redis.url);
    assert.is(new Set(ids).size, ids.length, 'no client order id reached the venue twice');
    assert.is(ids.length, expected.orders, 'every order reached the venue');
    assert.is(await dlqLength(redis.url), 0, 'the dlq is empty');
  });

  test('a hung service (SIGSTOP) is found stale, restarted, and alerted once to the webhook', async () => {
    const posts: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        posts.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await runSplit({
        ...splitOptions('hung', (supervisor) => {
          // Once the portfolio serves (its heartbeat says running), it stops answering.
          const watcher = connectRedis(redis.url, 'test');
          const poll = setInterval(() => {
            void watcher.hget(KEYS.health('portfolio', 0), 'status').then((status) => {
              if (status !== 'running') return;
              clearInterval(poll);
              setTimeout(() => {
                supervisor.kill('portfolio', 'SIGSTOP');
                watcher.disconnect();
              }, 1000);
            });
          }, 100);
        }),
        staleAfterMs: 3000,
        heartbeatMs: 500,
        alertWebhook: `http://127.0.0.1:${port}/hook/secret-token`,
      });
    } finally {
      server.close();
    }
    assert.is(readFileSync(join(out, 'hung', 'trades.csv'), 'utf8'), expected.trades);
    const alerts = posts.map((body) => JSON.parse(body) as { key: string; message: string });
    assert.equal(alerts.filter((alert) => alert.key === 'stale:portfolio').length, 1, JSON.stringify(alerts));
    assert.ok(
      alerts.some((alert) => alert.key === 'restart:portfolio'),
      'the restart is alerted too',
    );
  });

  test('Redis restarted mid-run: the services reconnect and the run completes with nothing lost', async () => {
    let restarted = false;
    await runSplit(
      splitOptions('redis-restart', () => {
        setTimeout(() => {
          redis.restart().then(() => {
            restarted = true;
          });
        }, 4000);
      }),
    );
    assert.ok(restarted, 'Redis was restarted during the run');
    console.log(`orders ${expected.orders}`);
    assert.is(readFileSync(join(out, 'redis-restart', 'trades.csv'), 'utf8'), expected.trades);
    const ids = await submittedOrderIds(redis.url);
    assert.is(new Set(ids).size, ids.length);
    assert.is(ids.length, expected.orders);
  });
}

test.run();
