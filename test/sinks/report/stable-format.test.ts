import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../../src/domain/index.js';
import {
  createIsoUtcFormatter,
  formatDecimal,
  formatDurationMs,
  formatFixedGrouped,
  formatIsoUtc,
} from '../../../src/sinks/report/index.js';

test('formatDecimal rounds to 8 decimals, trims zeros and hides float noise', () => {
  assert.is(formatDecimal(0.1 + 0.2), '0.3');
  assert.is(formatDecimal(100), '100');
  assert.is(formatDecimal(-2.5), '-2.5');
  assert.is(formatDecimal(1 / 3), '0.33333333');
  assert.is(formatDecimal(0.000012345678), '0.00001235');
  assert.is(formatDecimal(1e-9), '0');
  assert.is(formatDecimal(-1e-12), '0');
  assert.is(formatDecimal(-0), '0');
  assert.is(formatDecimal(2 / 3, 2), '0.67');
  assert.is(formatDecimal(123456789.5), '123456789.5');
});

test('formatDecimal prints non-finite numbers as an empty cell', () => {
  assert.is(formatDecimal(Number.NaN), '');
  assert.is(formatDecimal(Number.POSITIVE_INFINITY), '');
});

test('formatFixedGrouped groups thousands with commas regardless of the host locale', () => {
  assert.is(formatFixedGrouped(1234567.891, 2), '1,234,567.89');
  assert.is(formatFixedGrouped(-1234.5, 2), '-1,234.50');
  assert.is(formatFixedGrouped(999, 0), '999');
  assert.is(formatFixedGrouped(1000, 0), '1,000');
  assert.is(formatFixedGrouped(-0.001, 2), '0.00');
});

test('formatIsoUtc prints ms and Z', () => {
  assert.is(formatIsoUtc(Date.UTC(2026, 1, 1, 12, 30, 5, 7)), '2026-02-01T12:30:05.007Z');
});

test('formatDurationMs prints the largest units first and leaves zero units out', () => {
  assert.is(formatDurationMs(0), '0m');
  assert.is(formatDurationMs(59_999), '0m');
  assert.is(formatDurationMs(3_600_000), '1h');
  assert.is(formatDurationMs(86_400_000 + 5 * 60_000), '1d 5m');
  assert.is(formatDurationMs(2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000), '2d 3h 4m');
});

test('createIsoUtcFormatter equals toISOString across days, years and odd milliseconds', () => {
  const format = createIsoUtcFormatter();
  const prng = createPrng('iso');
  const samples = [
    0,
    1,
    999,
    86_399_999,
    86_400_000,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    -1,
    253_402_300_799_999,
  ];
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(prng.next() * 4_102_444_800_000));
  // ascending runs too, the case the day cache is for
  for (let ts = Date.UTC(2026, 0, 31, 23, 58); ts < Date.UTC(2026, 1, 1, 0, 3); ts += 7_001) samples.push(ts);
  for (const ts of samples) assert.is(format(ts), new Date(ts).toISOString(), String(ts));
});

test.run();
