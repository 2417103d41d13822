import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng, timestampText } from '../../src/domain/index.js';

test('timestampText is String(ts) for every number: the fast halves and the fallback', () => {
  const values = [
    0,
    1,
    99_999_999,
    100_000_000,
    100_000_001,
    1_700_000_059_999,
    1_700_000_000_000,
    1e15,
    1e16 - 1,
    1e16,
    2 ** 53,
    -1,
    -1_700_000_059_999,
    1.5,
    1_700_000_059_999.5,
    Number.NaN,
    Infinity,
    -0,
  ];
  const prng = createPrng(11);
  for (let i = 0; i < 20_000; i++) values.push(Math.floor(prng.next() * 10 ** (1 + (i % 16))));
  for (const value of values) assert.is(timestampText(value), String(value), `timestampText(${value})`);
});

test.run();
