import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildReportJson, formatReportJson, metricsToJson } from '../../../src/sinks/report/index.js';
import { syntheticReport } from './fixtures/synthetic-report.js';

test('non-finite metrics become null and are named in nonFinite', () => {
  const { metrics } = syntheticReport(100, 3);
  const { metrics: json, nonFinite } = metricsToJson({
    ...metrics,
    profitFactor: Number.POSITIVE_INFINITY,
    sortino: Number.NEGATIVE_INFINITY,
    sharpe: Number.NaN,
  });
  assert.is(json.profitFactor, null);
  assert.is(json.sortino, null);
  assert.is(json.sharpe, null);
  assert.equal(nonFinite, { sharpe: 'NaN', sortino: '-Infinity', profitFactor: 'Infinity' });
  assert.is(json.trades, metrics.trades);
});

test('report.json carries run info, metrics, counts, gates (sorted), config and extra', () => {
  const report = syntheticReport(500, 20);
  const doc = JSON.parse(formatReportJson(report));
  assert.is(doc.version, 1);
  assert.is(doc.generatedAt, undefined);
  assert.is(doc.run.seed, 7);
  assert.equal(doc.run.symbols, ['AVAXUSDT', 'LINKUSDT', 'BTCUSDT']);
  assert.is(doc.run.fromIso, '2026-02-01T00:00:00.000Z');
  assert.is(doc.metrics.trades, 20);
  assert.equal(doc.nonFinite, {});
  assert.equal(doc.counts, { trades: 20, equityPoints: 500, denied: 55, deadLetters: 2 });
  assert.equal(Object.keys(doc.deniedByGate), ['cooldown', 'daily-loss', 'max-positions']);
  assert.equal(doc.config, { strategy: { fast: 12, slow: 26 }, risk: { maxPositions: 3 } });
  assert.equal(doc.extra, { votes: { gbdt: { buy: 10, sell: 8, hold: 30 } } });
  // Per-symbol trade counts add up to the run's; the run's month has its return.
  assert.is(
    (doc.bySymbol as { trades: number }[]).reduce((sum, s) => sum + s.trades, 0),
    20,
  );
  assert.ok((doc.monthlyReturns as { month: string }[]).some((m) => m.month === '2026-02'));
});

test('generatedAt appears only when the caller passes it; the rest is identical', () => {
  const report = syntheticReport(200, 5);
  const without = formatReportJson(report);
  assert.is(without, formatReportJson(syntheticReport(200, 5)));
  const stamped = buildReportJson({ ...report, generatedAt: '2026-03-01T10:00:00Z' });
  assert.is(stamped.generatedAt, '2026-03-01T10:00:00Z');
  const { generatedAt: _ignored, ...rest } = stamped;
  assert.equal(rest, JSON.parse(without));
});

test.run();
