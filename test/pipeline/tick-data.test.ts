import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { readTickCsv } from '../../src/streams/tick-csv.js';
import { ticksToKlines } from '../../src/streams/ticks-to-klines.js';
import { hasSharedData, sharedData } from '../shared-data.js';
import { tempDir } from './harness.js';

if (hasSharedData()) {
  const dir = tempDir('ticks');
  copyFileSync(
    sharedData('trades/ETHUSDT-trades-2023-02-02.csv'),
    join(dir, 'ETHUSDT-trades-2023-02-02.csv'),
  );
  copyFileSync(sharedData('trades/XRPETH-trades.csv'), join(dir, 'XRPETH-trades.csv'));
  const config = (ticksInterval?: '1m' | '5m') =>
    parsePipelineConfig({
      data: { source: 'files', path: dir, ...(ticksInterval ? { ticksInterval } : {}) },
      output: { progress: false },
    });

  test('trade files are skipped unless data.ticksInterval asks for candles', () => {
    assert.is(loadMarketReplay(config()).klines.length, 0);
  });

  test('with ticksInterval the trades become the closed candles ticksToKlines makes, merged by event time', async () => {
    const replay = loadMarketReplay(config('5m'));
    assert.equal([...replay.symbols].sort(), ['ETHUSDT', 'XRPETH']);
    for (const symbol of ['ETHUSDT', 'XRPETH']) {
      const file = symbol === 'ETHUSDT' ? 'ETHUSDT-trades-2023-02-02.csv' : 'XRPETH-trades.csv';
      const expected = await lastValueFrom(
        from(readTickCsv(join(dir, file)).ticks).pipe(ticksToKlines({ interval: '5m' }), toArray()),
      );
      assert.equal(
        replay.klines.filter((k) => k.symbol === symbol),
        expected,
      );
    }
    for (let i = 1; i < replay.klines.length; i++) assert.ok(replay.klines[i].ts >= replay.klines[i - 1].ts);
    assert.is(replay.intervalMs, 300_000);
  });

  test('a backtest over recorded trades runs end to end; a pair not quoted in USDT is refused by name', async () => {
    const usdtOnly = parsePipelineConfig({
      data: { source: 'files', path: dir, ticksInterval: '1m', symbols: ['ETHUSDT'] },
      output: { progress: false },
    });
    const result = await runBacktest({ config: usdtOnly, outDir: null });
    assert.equal(result.report.run.symbols, ['ETHUSDT']);
    // The ETHUSDT sample is a few minutes of trades: its closed 1m candles.
    assert.is(result.report.extra?.klines, 3);
    await runBacktest({ config: config('1m'), outDir: null }).then(
      () => assert.unreachable('XRPETH is quoted in ETH'),
      (error: Error) =>
        assert.match(
          error.message,
          /XRPETH \(quoted in ETH\) is not quoted in USDT.*data\.symbols: \[ETHUSDT\]/,
        ),
    );
  });
} else {
  process.stdout.write('tick-data: skipped, shared data is absent\n');
}

test.run();
