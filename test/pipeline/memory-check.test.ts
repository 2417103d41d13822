// The memory check before a backtest's replay: when the market may not fit Node's heap, say so with
// the numbers and what to do, instead of a crash after minutes of work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKTEST_BYTES_PER_CANDLE, memoryWarning } from '../../src/pipeline/memory-check.js';

const GB = 1e9;

test('silent below 80 % of the heap limit; from there a warning with the estimate, the limit and a limit that fits', () => {
  const limit = 4 * GB;
  const fits = Math.floor((0.8 * limit) / BACKTEST_BYTES_PER_CANDLE) - 1;
  assert.is(memoryWarning(fits, limit), undefined);
  // A year of 1m candles of 20 symbols.
  const year20 = 20 * 525_600;
  assert.is(
    memoryWarning(year20, limit),
    "10,512,000 candles need about 5.8 GB of memory with what the run records, and Node's heap limit here is 4.0 GB: the run may run out of memory. Raise the limit (NODE_OPTIONS=--max-old-space-size=9216) or backtest fewer symbols or months at a time",
  );
});

test('the default limit is Node’s own heap limit: a small market is silent', () => {
  assert.is(memoryWarning(600_000), undefined);
});

test.run();
