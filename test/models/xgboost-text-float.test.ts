import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/prng.js';
import { formatXgboostFloat, parseXgboostFloat } from '../../src/models/xgboost-text-float.js';

test('short decimals read as their float32', () => {
  for (const text of ['0', '1', '-2.5', '0.1', '123.456', '1e3', '2.5E-2', '+7']) {
    assert.is(parseXgboostFloat(text), Math.fround(Number(text)), text);
  }
});

test('long decimals are rounded in two steps like dmlc ParseFloat (not correctly rounded)', () => {
  // int part 1 → 1f; fraction 0.8662524859233933 → float32 0.86625248; 1f + that in float32 → 1.86625230
  const value = parseXgboostFloat('1.8662524859233933');
  assert.is(value, Math.fround(Math.fround(1) + Math.fround(0.8662524859233933)));
  assert.is.not(value, Math.fround(1.8662524859233933));
});

test('exponents scale in float32 by powers of ten', () => {
  assert.is(parseXgboostFloat('3.5e-10'), Math.fround(Math.fround(3.5) / Math.fround(1e10)));
  assert.is(parseXgboostFloat('-1.25E+2'), -125);
});

test('fraction digits after the 19th are ignored', () => {
  assert.is(parseXgboostFloat('0.12345678901234567899999'), parseXgboostFloat('0.1234567890123456789'));
});

test('inf, nan and text without digits', () => {
  assert.is(parseXgboostFloat('inf'), Number.POSITIVE_INFINITY);
  assert.is(parseXgboostFloat('-Infinity'), Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(parseXgboostFloat('nan')));
  assert.ok(Number.isNaN(parseXgboostFloat('abc')));
  assert.ok(Number.isNaN(parseXgboostFloat('')));
});

test('formatXgboostFloat text reads back as exactly Math.fround(value), where String(value) often does not', () => {
  const prng = createPrng('format');
  let misreadFull = 0;
  for (let i = 0; i < 200_000; i++) {
    // 1e-10 … 1e18, both signs: the documented exact range.
    const sign = prng.next() < 0.5 ? -1 : 1;
    const value = sign * (1 + 9 * prng.next()) * 10 ** (prng.int(28) - 10);
    assert.is(parseXgboostFloat(formatXgboostFloat(value)), Math.fround(value), `${value}`);
    if (parseXgboostFloat(String(value)) !== Math.fround(value)) misreadFull++;
  }
  assert.ok(misreadFull > 1000, `String(value) misread ${misreadFull} times`);
  for (const value of [0, 1, -1, 2 ** 24 + 2, 1e19, 4.7e-7]) {
    assert.is(parseXgboostFloat(formatXgboostFloat(value)), Math.fround(value), `${value}`);
  }
  assert.is(formatXgboostFloat(0.1), '0.10000000149011612');
  assert.is(formatXgboostFloat(Number.NaN), 'NaN');
});

test.run();
