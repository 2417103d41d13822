import { test } from 'uvu';
import * as assert from 'uvu/assert';
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

test.run();
