import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../../src/domain/index.js';
import { buyAndHold, displayCandles } from '../../../src/sinks/report/index.js';
import { kline } from '../../builders.js';

const MINUTE = 60_000;

test('display candles merge consecutive candles per symbol, keeping first open, extremes and last close', () => {
  const klines = [1, 2, 3, 4, 5].map((i) =>
    kline({
      symbol: 'BTCUSDT',
      ts: i * MINUTE,
      open: 100 + i,
      high: 110 + (i === 2 ? 20 : 0),
      low: 90 - (i === 4 ? 15 : 0),
      close: 101 + i,
    }),
  );
  const candles = displayCandles([kline({ symbol: 'ETHUSDT', ts: MINUTE, close: 50 }), ...klines], 2);
  // At most 2 candles: buckets of 3 (candles 1–3) and the rest (4–5).
  assert.equal(candles.BTCUSDT, [
    [0, 101, 130, 90, 104],
    [3 * MINUTE, 104, 110, 75, 106],
  ]);
  assert.equal(Object.keys(candles), ['BTCUSDT', 'ETHUSDT']);
  assert.equal(displayCandles([]), {});
});

test('buy and hold splits the initial equity over the symbols at their first close; a symbol not started is cash', () => {
  const klines = [
    kline({ symbol: 'AAAUSDT', ts: MINUTE, close: 100 }),
    kline({ symbol: 'AAAUSDT', ts: 2 * MINUTE, close: 110 }),
    kline({ symbol: 'BBBUSDT', ts: 2 * MINUTE, close: 50 }),
    kline({ symbol: 'AAAUSDT', ts: 3 * MINUTE, close: 120 }),
    kline({ symbol: 'BBBUSDT', ts: 3 * MINUTE, close: 40 }),
  ];
  assert.equal(buyAndHold(klines, [MINUTE, 2 * MINUTE, 3 * MINUTE], 1000), [
    1000,
    1050,
    500 * 1.2 + 500 * 0.8,
  ]);
});

test('buy and hold over many klines of staggered symbols equals the plain per-point definition', () => {
  let seed = 3;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const symbols = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT'];
  const klines: Kline[] = [];
  const price = [100, 50, 7];
  for (let minute = 1; minute <= 3000; minute++) {
    for (let s = 0; s < symbols.length; s++) {
      if (minute < s * 700) continue; // BBB starts at minute 700, CCC at 1400
      price[s] *= 1 + (random() - 0.5) / 50;
      klines.push(kline({ symbol: symbols[s], ts: minute * MINUTE, close: price[s] }));
    }
  }
  const equityTs = Array.from({ length: 1000 }, (_, i) => (i * 3 + 1) * MINUTE + (i % 2));
  // The plain definition: per point, every symbol's first and last close up to it.
  const expected = equityTs.map((ts) => {
    let value = 0;
    for (const symbol of symbols) {
      const seen = klines.filter((k) => k.symbol === symbol && k.ts <= ts);
      value += seen.length === 0 ? 10_000 / 3 : ((10_000 / 3) * seen[seen.length - 1].close) / seen[0].close;
    }
    return value;
  });
  assert.equal(buyAndHold(klines, equityTs, 10_000), expected);
});

test.run();
