// A backtest over candles a model was trained on says so: one warning per such model, naming the
// overlap; none for models trained before the run or without a known training span.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inSampleWarnings } from '../../src/pipeline/backtest.js';
import { kline } from '../builders.js';

const H = 3_600_000;
const klines = [kline({ ts: 100 * H }), kline({ ts: 101 * H }), kline({ ts: 150 * H })];

test('a model trained on part of the run is named with the overlap', () => {
  const warnings = inSampleWarnings(
    [
      { name: 'before', trainingRange: { from: 0, to: 99 * H } },
      { name: 'overlaps', trainingRange: { from: 0, to: 120 * H } },
      { name: 'unknown' },
    ],
    klines,
  );
  assert.is(warnings.length, 1);
  assert.match(
    warnings[0],
    /^model overlaps was trained on candles from 1970-01-01 00:00 to 1970-01-06 00:00/,
  );
  assert.match(warnings[0], /1970-01-05 04:00 … 1970-01-06 00:00 is in sample/);
});

test('no candles, no warning', () => {
  assert.equal(inSampleWarnings([{ name: 'm', trainingRange: { from: 0, to: 1 } }], []), []);
});

test.run();
