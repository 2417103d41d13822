// Out-of-sample metrics against values worked out by hand, and the feature statistics the model
// supervisor computes PSI against.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureStats } from '../../src/models/model-manifest.js';
import { featureStatsOf, featureStatsOfRows } from '../../src/training/feature-stats.js';
import { classMetrics, meanMetrics } from '../../src/training/metrics.js';

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

test('4 samples: accuracy, precision/recall per class, log loss, Brier and the majority baseline', () => {
  // SELL, HOLD, BUY probabilities and true classes:
  //   BUY  [0.1 0.2 0.7] → BUY ✓   SELL [0.5 0.3 0.2] → SELL ✓
  //   HOLD [0.6 0.3 0.1] → SELL ✗  BUY  [0.2 0.5 0.3] → HOLD ✗
  const probabilities = [0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.6, 0.3, 0.1, 0.2, 0.5, 0.3];
  const metrics = classMetrics(probabilities, [2, 0, 1, 2]);
  close(metrics.accuracy, 0.5, 'accuracy');
  // Predicted SELL twice (1 right), HOLD once (wrong), BUY once (right).
  close(metrics.precision_SELL, 0.5, 'precision SELL');
  close(metrics.precision_HOLD, 0, 'precision HOLD');
  close(metrics.precision_BUY, 1, 'precision BUY');
  // Truly SELL once (found), HOLD once (missed), BUY twice (one found).
  close(metrics.recall_SELL, 1, 'recall SELL');
  close(metrics.recall_HOLD, 0, 'recall HOLD');
  close(metrics.recall_BUY, 0.5, 'recall BUY');
  // −(ln 0.7 + ln 0.5 + ln 0.3 + ln 0.3) / 4
  close(metrics.logLoss, -(Math.log(0.7) + Math.log(0.5) + 2 * Math.log(0.3)) / 4, 'log loss');
  assert.is(metrics.logLoss.toFixed(6), '0.864442');
  // (0.14 + 0.38 + 0.86 + 0.78) / 4
  close(metrics.brier, 0.54, 'brier');
  close(metrics.majorityAccuracy, 0.5, 'majority accuracy');
});

test('a class never predicted has precision 0 (not NaN); p = 0 for the true class is clipped in log loss', () => {
  const metrics = classMetrics([1, 0, 0, 1, 0, 0], [0, 2]);
  assert.is(metrics.precision_BUY, 0);
  assert.is(metrics.recall_BUY, 0);
  close(metrics.logLoss, -Math.log(1e-15) / 2, 'clipped log loss');
  close(metrics.brier, 1, 'brier (0 + 2) / 2');
});

test('meanMetrics averages every key over folds', () => {
  const mean = meanMetrics([
    { accuracy: 0.4, brier: 0.6 },
    { accuracy: 0.6, brier: 0.7 },
  ]);
  assert.equal(Object.keys(mean), ['accuracy', 'brier']);
  close(mean.accuracy, 0.5, 'accuracy');
  close(mean.brier, 0.65, 'brier');
});

test('feature stats: decile edges from the data, fractions of all rows per bin, the NaN share', () => {
  const values = [7, Number.NaN, 1, 2, 3, 4, 5, 6, 8, 9, 10, Number.NaN];
  const stats = featureStatsOf(values, values.length);
  assert.equal(stats.edges, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(stats.fractions, new Array(10).fill(1 / 12));
  close(stats.missing, 2 / 12, 'missing');
  close(stats.fractions.reduce((a, b) => a + b, 0) + stats.missing, 1, 'fractions + missing');
  assert.ok(FeatureStats.safeParse(stats).success);
});

test('feature stats: ties merge edges; a constant column is one bin; a column read with a stride', () => {
  const tied = featureStatsOf([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], 10);
  assert.equal(tied.edges, [1, 2, 3, 4]);
  assert.equal(tied.fractions, [0.6, 0.1, 0.1, 0.1, 0.1]);
  assert.equal(featureStatsOf([5, 5, 5, Number.NaN], 4), { edges: [], fractions: [0.75], missing: 0.25 });
  assert.equal(featureStatsOf([Number.NaN], 1), { edges: [], fractions: [0], missing: 1 });
  // Two columns, row-major: a = 1, 2; b = NaN, 3.
  const byName = featureStatsOfRows([1, Number.NaN, 2, 3], 2, ['a', 'b']);
  assert.equal(byName.a, { edges: [1], fractions: [0.5, 0.5], missing: 0 });
  assert.equal(byName.b, { edges: [], fractions: [0.5], missing: 0.5 });
});

test.run();
