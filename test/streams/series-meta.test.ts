import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { intervalFromOpenTimes, intervalOfMs, metaFromFileName } from '../../src/streams/series-meta.js';

test('reads symbol and interval from Binance-style file names', () => {
  assert.equal(metaFromFileName('/data/AVAXUSDT-1m-2026-02.csv'), { symbol: 'AVAXUSDT', interval: '1m' });
  assert.equal(metaFromFileName('BTCUSDT-1h-2022-01-spot.csv'), { symbol: 'BTCUSDT', interval: '1h' });
  assert.equal(metaFromFileName('ADABTC-1m-2021-11-27.csv'), { symbol: 'ADABTC', interval: '1m' });
  assert.equal(metaFromFileName('ETHBTC-5m.json'), { symbol: 'ETHBTC', interval: '5m' });
  assert.equal(metaFromFileName('ETHUSDT-trades-2023-02-02.csv'), { symbol: 'ETHUSDT', interval: undefined });
  assert.equal(metaFromFileName('SOLUSDT-7m.csv'), { symbol: 'SOLUSDT', interval: undefined });
  assert.equal(metaFromFileName('candles.csv'), {});
});

test('infers the interval from the most common open-time delta, despite a gap', () => {
  const times = [0, 300_000, 600_000, 1_500_000, 1_800_000, 2_100_000];
  assert.is(intervalFromOpenTimes(times, times.length), '5m');
  assert.is(intervalFromOpenTimes([0, 7_000], 2), undefined);
  assert.is(intervalFromOpenTimes([0], 1), undefined);
  assert.is(intervalOfMs(3_600_000), '1h');
});

test.run();
