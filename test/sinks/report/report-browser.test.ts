// The report as a trader opens it: a real browser (Debian's chromium, driven by playwright-core)
// loads report.html of a multi-symbol real-data run from disk and must render the candlestick charts
// with trade markers, the per-symbol table and the monthly returns — fetching nothing over the
// network. The screenshot is kept in reports/test-artifacts/.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBacktest } from '../../../src/pipeline/backtest.js';
import { parsePipelineConfig } from '../../../src/pipeline/config.js';
import { requires } from '../../requirements.js';
import { missingSharedData, sharedData } from '../../shared-data.js';

const CHROMIUM =
  process.env.QUANTUM_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const ARTIFACTS = resolve('reports', 'test-artifacts');

if (
  requires(
    CHROMIUM === undefined
      ? "needs Debian's chromium (apt-get install -y chromium) or QUANTUM_CHROMIUM"
      : undefined,
    missingSharedData('klines/um-2026-02-1h'),
  )
) {
  test('report.html of 7 real perpetuals renders candles with trade markers, the per-symbol table and monthly returns, offline', async () => {
    const outDir = join(ARTIFACTS, 'report-browser');
    mkdirSync(outDir, { recursive: true });
    const config = parsePipelineConfig({
      data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
      output: { progress: false },
    });
    const result = await runBacktest({ config, outDir });
    const htmlPath = result.paths?.reportHtml as string;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(htmlPath).href);
      await page.waitForFunction(
        'document.querySelectorAll(".candles[data-rendered]").length === 7',
        undefined,
        {
          timeout: 20_000,
        },
      );
      assert.equal(errors, [], 'no script error');
      const charts = await page.$$eval('.candles', (els) =>
        els.map((el) => ({
          symbol: el.getAttribute('data-symbol'),
          candles: Number(el.getAttribute('data-rendered')),
          markers: Number(el.getAttribute('data-markers')),
          canvases: el.querySelectorAll('canvas').length,
        })),
      );
      assert.equal(
        charts.map((c) => c.symbol),
        ['ALGOUSDT', 'AVAXUSDT', 'DOTUSDT', 'FILUSDT', 'LINKUSDT', 'LTCUSDT', 'NEARUSDT'],
      );
      for (const chart of charts) {
        assert.ok(chart.canvases > 0, `${chart.symbol}: drawn on a canvas`);
        assert.is(chart.candles, 672, `${chart.symbol}: a month of 1h candles`);
        const trades = result.report.trades.filter((t) => t.symbol === chart.symbol).length;
        assert.is(chart.markers, 2 * trades, `${chart.symbol}: an entry and an exit marker per trade`);
      }
      // The equity chart compares with buy and hold of the same symbols.
      assert.ok(await page.isVisible('text=buy & hold USDT'), 'buy-and-hold series in the legend');
      const symbolRows = await page.$$eval('#by-symbol tbody tr', (rows) =>
        rows.map((r) => r.cells[0].textContent),
      );
      assert.is(symbolRows.length, 7);
      const months = await page.$$eval('#monthly-returns tbody tr', (rows) =>
        rows.map((r) => r.cells[0].textContent),
      );
      assert.equal(months, ['2026-02']);
      assert.equal(
        requests.filter((url) => !url.startsWith('file:')),
        [],
        'nothing fetched over the network',
      );
      // Scrolled sideways, the trades table keeps # and the trade id pinned at its left edge.
      const pinned = await page.evaluate(`(() => {
        const table = document.getElementById('trades');
        const box = table.parentElement;
        box.scrollLeft = 500;
        const cell = table.tBodies[0].rows[0].cells[1];
        return { scrolled: box.scrollLeft, offset: cell.getBoundingClientRect().left - box.getBoundingClientRect().left };
      })()`);
      const { scrolled, offset } = pinned as { scrolled: number; offset: number };
      assert.ok(scrolled > 0, 'the table is wider than the page and scrolls');
      assert.ok(offset >= 0 && offset < 120, `the trade column stays pinned (${offset}px from the left)`);
      await page.screenshot({ path: join(ARTIFACTS, 'report-browser.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
}

test.run();
