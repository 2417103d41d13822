import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downsampleEquity, type EquityPoint } from '../../../src/sinks/report/index.js';

const flatWithDip = (count: number, dipAt: number): EquityPoint[] =>
  Array.from({ length: count }, (_, i) => ({
    ts: i * 60_000,
    equityUsdt: i === dipAt ? 500 : 1000 + (i % 7),
    drawdownPct: i === dipAt ? 50 : 0,
  }));

test('a small curve is returned as it is', () => {
  const points = flatWithDip(100, 10);
  assert.is(downsampleEquity(points, 5000), points);
});

test('keeps at most maxPoints, the first and last points, and a one-bar dip', () => {
  const points = flatWithDip(100_000, 54_321);
  const shown = downsampleEquity(points, 1000);
  assert.ok(shown.length <= 1000, `${shown.length}`);
  assert.ok(shown.length > 600);
  assert.is(shown[0], points[0]);
  assert.is(shown.at(-1), points.at(-1));
  assert.ok(shown.includes(points[54_321]));
  for (let i = 1; i < shown.length; i++) assert.ok(shown[i].ts > shown[i - 1].ts, 'strictly in time order');
  // every-n-th sampling would have missed the dip: the check above can fail
  assert.not.ok(points.filter((_, i) => i % 100 === 0).includes(points[54_321]));
});

test('each bucket keeps its highest equity too', () => {
  const points = flatWithDip(50_000, -1).map((p, i) => (i === 777 ? { ...p, equityUsdt: 2000 } : p));
  const shown = downsampleEquity(points, 500);
  assert.ok(shown.some((p) => p.equityUsdt === 2000));
  assert.ok(shown.length <= 500);
});

test.run();
