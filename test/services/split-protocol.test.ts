// The Redis bus's protocol end to end inside one test process: every stage service hosted over a
// real redis-server, the conductor replaying a market through them; the journal's outcome must be
// the in-process backtest's.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBacktest, runWithReplay } from '../../src/pipeline/backtest.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { Conductor } from '../../src/services/conductor.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { outcomeFromJournal } from '../../src/services/journal.js';
import { startLocalRedis } from '../../src/services/local-redis.js';
import { connectRedis } from '../../src/services/redis-client.js';
import { keyspace } from '../../src/services/redis-keys.js';
import { STAGE_SERVICES } from '../../src/services/service-catalog.js';
import { StageHost } from '../../src/services/stage-host.js';
import { syntheticConfig, tempDir } from '../pipeline/harness.js';

test('a replay through every stage over Redis trades exactly as the in-process backtest', async () => {
  const redis = await startLocalRedis({ dir: join(tempDir('redis'), 'data') });
  const config = syntheticConfig(1500);
  const keys = keyspace('t');
  const hosts = STAGE_SERVICES.map(
    (service) =>
      new StageHost({
        url: redis.url,
        keys,
        consumer: `${service}-0`,
        clockKind: 'event-time',
        stages: hostedStages(service, config, buildModels(config, '.'), { replica: 0, replicas: 1 }),
      }),
  );
  try {
    for (const host of hosts) await host.start();
    let summary = { released: 0, journal: 0, recovered: 0 };
    const split = await runWithReplay({ config, outDir: null }, async ({ market }) => {
      const conductor = new Conductor({ url: redis.url, keys, config });
      summary = await conductor.replay(market);
      await conductor.close();
      const reader = connectRedis(redis.url, 'test');
      const outcome = await outcomeFromJournal(reader, keys.journal, market.intervalMs, []);
      reader.disconnect();
      return outcome;
    });
    const backtest = await runBacktest({ config, outDir: null });
    assert.ok(backtest.report.trades.length > 0);
    assert.is(summary.released, 4500);
    assert.equal(split.report.trades, backtest.report.trades);
    assert.equal(split.report.metrics, backtest.report.metrics);
  } finally {
    for (const host of hosts) await host.stop();
    await redis.stop();
  }
});

test.run();
