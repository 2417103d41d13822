import { lastValueFrom, of } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelFindingRaised, ModelPerformanceMeasured } from '../../../src/domain/index.js';
import {
  buildReportJson,
  collectReportInputs,
  createModelReportCollector,
  formatModelReport,
  renderReportHtml,
} from '../../../src/sinks/report/index.js';
import { syntheticReport } from './fixtures/synthetic-report.js';

const finding = (ts: number, model: string, enforced = false): ModelFindingRaised => ({
  kind: 'model-finding-raised',
  ts,
  model,
  finding: 'bias',
  value: 0.9,
  threshold: 0.7,
  sample: 200,
  enforced,
  reason: `bias: 90 % of 200 votes BUY > 70 % (${ts})`,
});

const record: ModelPerformanceMeasured = {
  kind: 'model-performance-measured',
  ts: 9_000,
  horizon: 4,
  thresholdPct: 0.3,
  models: [
    {
      model: 'gbdt',
      votes: { BUY: 10, SELL: 5, HOLD: 20, abstain: 2 },
      resolved: 31,
      accuracy: 0.5,
      precisionBuy: 0.6,
      precisionSell: null,
      recentAccuracy: 0.45,
      weightFactor: 1,
      excluded: true,
    },
  ],
};

test('findings are counted per model and kind with first and last time; the last record wins', () => {
  const collector = createModelReportCollector();
  assert.is(collector.result(), undefined, 'nothing seen: no model section');
  collector.add(finding(3_000, 'gbdt', true));
  collector.add(finding(1_000, 'alpha'));
  collector.add(finding(5_000, 'gbdt'));
  collector.add({ ...record, ts: 1 });
  collector.add(record);
  const models = collector.result();
  assert.is(models?.ts, 9_000);
  assert.equal(
    models?.findings.map((f) => [f.model, f.count, f.enforced, f.firstTs, f.lastTs]),
    [
      ['alpha', 1, 0, 1_000, 1_000],
      ['gbdt', 2, 1, 3_000, 5_000],
    ],
  );
  assert.is(models?.findings[1].lastReason, 'bias: 90 % of 200 votes BUY > 70 % (5000)');
  assert.is(
    formatModelReport(models),
    'gbdt             votes B/S/H/abstain 10/5/20/2  resolved 31  accuracy 50.0 %  BUY precision 60.0 %  SELL precision –  EXCLUDED\n' +
      'alpha            bias ×1 (0 enforced): bias: 90 % of 200 votes BUY > 70 % (1000)\n' +
      'gbdt             bias ×2 (1 enforced): bias: 90 % of 200 votes BUY > 70 % (5000)\n',
  );
});

test('the report inputs carry the model section only when the run published one; report.json and html follow', async () => {
  const withFinding = await lastValueFrom(of(finding(1, 'x')).pipe(collectReportInputs()));
  assert.ok(withFinding.models !== undefined);
  const none = await lastValueFrom(of().pipe(collectReportInputs()));
  assert.is('models' in none, false);
  const plain = syntheticReport(100, 3);
  assert.is('models' in buildReportJson(plain), false);
  assert.not.ok(renderReportHtml(plain).includes('Models against outcomes'));
  const collector = createModelReportCollector();
  collector.add(record);
  collector.add(finding(2_000, 'gbdt', true));
  const withModels = { ...plain, models: collector.result() };
  const json = buildReportJson(withModels) as { models: { scores: { model: string }[] } };
  assert.equal(
    json.models.scores.map((s) => s.model),
    ['gbdt'],
  );
  const html = renderReportHtml(withModels);
  assert.ok(html.includes('<h2>Models against outcomes</h2>'));
  assert.ok(html.includes('<td>excluded</td>'));
  assert.ok(html.includes('bias: 90 % of 200 votes BUY &gt; 70 % (2000)'));
});

test.run();
