import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../../src/domain/index.js';
import { jsonForScript, renderReportHtml } from '../../../src/sinks/report/index.js';
import { syntheticReport } from './fixtures/synthetic-report.js';

const embeddedData = (html: string): Record<string, unknown> => {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'report-data block present');
  return JSON.parse(match![1]);
};

test('the page inlines uPlot JS and CSS and loads nothing from the network', () => {
  const html = renderReportHtml(syntheticReport(2000, 50));
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  assert.ok(html.includes(uplotJs), 'uPlot JS inlined verbatim');
  assert.ok(html.includes(uplotCss), 'uPlot CSS inlined verbatim');
  assert.not.match(html, /<script[^>]*\ssrc=/i);
  assert.not.match(html, /<link[^>]*href=/i);
  assert.not.match(html, /url\(\s*['"]?https?:/i);
  assert.ok(html.startsWith('<!doctype html>'));
});

test('model votes from a backtest are tabulated per model; without them there is no table', () => {
  const report = syntheticReport(200, 5);
  assert.not.ok(renderReportHtml(report).includes('id="model-votes"'));
  const html = renderReportHtml({
    ...report,
    extra: {
      modelVotes: {
        'ema-rsi': { BUY: 7, SELL: 3, HOLD: 1, abstain: 0 },
        xgb: { BUY: 2, SELL: 0, HOLD: 0, abstain: 9 },
      },
    },
  });
  const table = /<table id="model-votes"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  assert.match(
    table,
    '<td>ema-rsi</td><td data-v="7">7</td><td data-v="3">3</td><td data-v="1">1</td><td data-v="0">0</td>',
  );
  assert.match(
    table,
    '<td>xgb</td><td data-v="2">2</td><td data-v="0">0</td><td data-v="0">0</td><td data-v="9">9</td>',
  );
});

test('the embedded JSON parses back to the chart data, metrics and time zone', () => {
  const report = syntheticReport(2000, 50);
  const html = renderReportHtml(report, { timeZone: 'Europe/Oslo' });
  const data = embeddedData(html) as {
    timeZone: string;
    metrics: { trades: number; sharpe: number };
    equity: { ts: number[]; equity: number[]; wallet: number[]; drawdownPct: number[] };
  };
  assert.is(data.timeZone, 'Europe/Oslo');
  assert.is(data.metrics.trades, 50);
  assert.is(data.metrics.sharpe, report.metrics.sharpe);
  assert.is(data.equity.ts.length, 2000);
  assert.is(data.equity.ts[0], report.equity[0].ts);
  assert.is(data.equity.equity[10], Math.round(report.equity[10].equityUsdt * 1e4) / 1e4);
  assert.is(data.equity.wallet.length, 2000);
});

test('strings that could close the script element are escaped and still round-trip', () => {
  const evil = '</script><script>alert(1)</script><!--';
  const report = { ...syntheticReport(300, 5), run: { ...syntheticReport(300, 5).run, dataSource: evil } };
  const html = renderReportHtml(report, { title: evil });
  const data = embeddedData(html) as { run: { dataSource: string } };
  assert.is(data.run.dataSource, evil);
  assert.not.ok(html.includes('<script>alert(1)'));
  assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(1)'), 'title escaped as text');
  assert.is(jsonForScript({ a: '</script>' }), '{"a":"\\u003c/script>"}');
  assert.equal(JSON.parse(jsonForScript({ a: '</script>\u2028' })), { a: '</script>\u2028' });
});

test('the equity series is downsampled to maxEquityPoints with a note', () => {
  const html = renderReportHtml(syntheticReport(20_000, 100), { maxEquityPoints: 600 });
  const data = embeddedData(html) as { equity: { ts: number[] } };
  assert.ok(data.equity.ts.length <= 600 && data.equity.ts.length > 300, `${data.equity.ts.length}`);
  assert.match(html, /of 20,000 equity points shown/);
});

test('the benchmark is buy-and-hold at each shown equity point, found by its time', () => {
  const report = syntheticReport(20_000, 100);
  // A benchmark whose value encodes its point's index: each shown value must be its own point's.
  const benchmarkUsdt = report.equity.map((_, i) => 10_000 + i / 4);
  const html = renderReportHtml({ ...report, benchmarkUsdt }, { maxEquityPoints: 600 });
  const data = embeddedData(html) as { equity: { ts: number[]; benchmark: number[] } };
  const indexOfTs = new Map(report.equity.map((point, i) => [point.ts, i]));
  assert.ok(data.equity.ts.length > 300);
  assert.equal(
    data.equity.benchmark,
    data.equity.ts.map((ts) => 10_000 + (indexOfTs.get(ts) as number) / 4),
  );
  // Without a benchmark of the right length there is none.
  const none = embeddedData(renderReportHtml({ ...report, benchmarkUsdt: [1, 2] })) as {
    equity: { benchmark: null };
  };
  assert.is(none.equity.benchmark, null);
});

test('the trades table is capped to the last maxTrades with a note', () => {
  const report = syntheticReport(5000, 300);
  const html = renderReportHtml(report, { maxTrades: 100 });
  const tbody = /<table id="trades"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1];
  assert.is(tbody.split('<tr>').length - 1, 100);
  assert.ok(tbody.includes('>T00300<') && tbody.includes('>T00201<') && !tbody.includes('>T00200<'));
  assert.match(html, /Showing the last 100 of 300 trades/);
});

test('shows summary cards, exit reasons, denied gates and times in the display zone', () => {
  const report = syntheticReport(3000, 40);
  const html = renderReportHtml(report, { timeZone: 'Europe/Oslo' });
  assert.match(html, /<div class="label">Sharpe<\/div>/);
  assert.match(html, /<div class="label">Profit factor<\/div>/);
  assert.match(html, /<table id="exit-reasons"/);
  // Per symbol and per month, as freqtrade and backtesting.py users look for them.
  assert.match(html, /<table id="by-symbol"[\s\S]*?<td>AVAXUSDT<\/td>/);
  assert.match(html, /<table id="monthly-returns"[\s\S]*?<td>2026-02<\/td>/);
  assert.match(html, /<td>cooldown<\/td><td data-v="40">40<\/td>/);
  assert.match(html, /Dead letters \(malformed inputs\): 2/);
  // 2026-02-01T00:00Z is 01:00 in Oslo (CET)
  assert.match(html, /Period: 2026-02-01 01:00:00 → /);
  assert.match(renderReportHtml(report), /Period: 2026-02-01 00:00:00 → /);
});

test('same report ⇒ same bytes', () => {
  assert.is(renderReportHtml(syntheticReport(1000, 20)), renderReportHtml(syntheticReport(1000, 20)));
});

test('bad options are a ConfigError naming the option', () => {
  const report = syntheticReport(100, 2);
  assert.throws(
    () => renderReportHtml(report, { timeZone: 'Nowhere/City' }),
    (error: unknown) => error instanceof ConfigError && /Nowhere\/City/.test(error.message),
  );
  assert.throws(
    () => renderReportHtml(report, { colour: 'red' } as never),
    (error: unknown) => error instanceof ConfigError && /colour/.test(error.message),
  );
});

test.run();
