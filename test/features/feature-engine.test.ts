// The feature engine copies each candle's indicator outputs into the vector by one of two paths:
// a straight copy when the features are the indicators' outputs in order (the default set), else
// by index. Whatever the order and subset of names, each feature's value is the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_FEATURES } from '../../src/features/feature-names.js';
import { createFeatureEngine } from '../../src/features/indicators/feature-engine.js';

/** Every candle's values by feature name, over a wavy, deterministic series of 300 candles. */
const valuesByName = (names: readonly string[]): Map<string, number[]> => {
  const state = createFeatureEngine(names).createState();
  const byName = new Map(names.map((name) => [name, [] as number[]]));
  const values = new Array<number>(names.length).fill(Number.NaN);
  for (let i = 0; i < 300; i++) {
    const close = 100 + 10 * Math.sin(i / 7) + 3 * Math.sin(i / 2.3);
    const high = close + 1 + Math.abs(Math.sin(i));
    const low = close - 1 - Math.abs(Math.cos(i));
    state.update(high, low, close, 1_000 + 400 * Math.sin(i / 3), values);
    for (let k = 0; k < names.length; k++) byName.get(names[k])?.push(values[k]);
  }
  return byName;
};

test('a reordered or partial feature list gives each feature the values of the default order', () => {
  const inOrder = valuesByName(DEFAULT_FEATURES);
  for (const names of [
    [...DEFAULT_FEATURES].reverse(),
    ['macd_hist_12_26_9', 'ema_12', 'macd_12_26_9'],
    ['natr_14', 'minus_di_14', 'bb_lower_20_2', 'volz_20'],
  ]) {
    const other = valuesByName(names);
    for (const name of names)
      assert.equal(other.get(name), inOrder.get(name), `${name} in [${names.join(', ')}]`);
  }
  // Past warm-up every default feature has a number (the comparison above is not of NaNs only).
  for (const [name, series] of inOrder) assert.ok(Number.isFinite(series[299]), name);
});

test.run();
