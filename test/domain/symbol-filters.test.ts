import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { roundToStep } from '../../src/domain/index.js';

test('a price exactly half a tick away rounds up, as its decimal text says', () => {
  // 122.62265 / 0.0001 is 1226226.4999999998 in binary floats
  assert.is(roundToStep(122.62265, 0.0001), 122.6227);
  assert.is(roundToStep(118.52505, 0.0001), 118.5251);
});

test('results are the doubles nearest the decimal values, for odd steps too', () => {
  assert.is(roundToStep(0.1 + 0.2, 0.1), 0.3);
  assert.is(roundToStep(1.0374, 0.025, 'down'), 1.025);
  assert.is(roundToStep(1.0374, 0.025, 'up'), 1.05);
  assert.is(roundToStep(7, 0.5, 'nearest'), 7);
  assert.is(roundToStep(12_345.678, 10, 'down'), 12_340);
});

test('values a float hair below a step boundary count as on it', () => {
  assert.is(roundToStep(0.3 - 1e-13, 0.1, 'down'), 0.3);
  assert.is(roundToStep(0.3 + 1e-13, 0.1, 'up'), 0.3);
});

test.run();
