import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOrderIdFor, createPrng, roundToStep } from '../../src/domain/index.js';

test('same seed gives the same sequence, another seed another one', () => {
  const a = createPrng(42);
  const b = createPrng(42);
  const c = createPrng(43);
  const seqA = Array.from({ length: 5 }, () => a.next());
  assert.equal(
    seqA,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.not.equal(
    seqA,
    Array.from({ length: 5 }, () => c.next()),
  );
});

test('normal draws have mean ≈ 0 and variance ≈ 1', () => {
  const prng = createPrng('normal');
  const n = 20_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = prng.normal();
    sum += x;
    sumSq += x * x;
  }
  assert.ok(Math.abs(sum / n) < 0.03);
  assert.ok(Math.abs(sumSq / n - 1) < 0.05);
});

test('client order ids are stable, distinct per purpose, and fit Binance 36 chars', () => {
  const id = clientOrderIdFor('AVAXUSDT-1769904060000-LONG', 'ENTRY');
  assert.is(id, clientOrderIdFor('AVAXUSDT-1769904060000-LONG', 'ENTRY'));
  assert.is.not(id, clientOrderIdFor('AVAXUSDT-1769904060000-LONG', 'STOP_LOSS'));
  assert.ok(id.length <= 36);
  assert.ok(/^[.A-Z:/a-z0-9_-]+$/.test(id));
});

test('roundToStep rounds without float drift', () => {
  assert.is(roundToStep(0.1 + 0.2, 0.1, 'down'), 0.3);
  assert.is(roundToStep(12.3456, 0.01, 'down'), 12.34);
  assert.is(roundToStep(12.3411, 0.01, 'up'), 12.35);
  assert.is(roundToStep(1.0005, 0.001, 'nearest'), 1.001);
});

test.run();
