import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeReportFiles } from '../../../src/sinks/report/index.js';
import { syntheticReport } from './fixtures/synthetic-report.js';

test('writes the four files into a new folder and returns their paths', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qt-report-'));
  try {
    const dir = join(root, 'run-1');
    const paths = await writeReportFiles(dir, {
      ...syntheticReport(1500, 30),
      generatedAt: '2026-03-01T00:00:00Z',
    });
    assert.equal(paths, {
      reportJson: join(dir, 'report.json'),
      tradesCsv: join(dir, 'trades.csv'),
      equityCsv: join(dir, 'equity.csv'),
      reportHtml: join(dir, 'report.html'),
    });
    for (const path of Object.values(paths)) assert.ok(existsSync(path), path);
    assert.is(JSON.parse(readFileSync(paths.reportJson, 'utf8')).counts.trades, 30);
    assert.is(readFileSync(paths.tradesCsv, 'utf8').trimEnd().split('\n').length, 31);
    assert.is(readFileSync(paths.equityCsv, 'utf8').trimEnd().split('\n').length, 1501);
    // the caller's generatedAt goes to json/html only, never to the CSV files
    assert.not.ok(readFileSync(paths.tradesCsv, 'utf8').includes('2026-03-01T00:00:00Z'));
    assert.ok(readFileSync(paths.reportHtml, 'utf8').includes('Generated: 2026-03-01T00:00:00Z'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a bad display time zone fails before any file is written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'qt-report-'));
  try {
    let failed = false;
    try {
      await writeReportFiles(root, syntheticReport(100, 2), { timeZone: 'Bad/Zone' });
    } catch {
      failed = true;
    }
    assert.ok(failed);
    assert.not.ok(existsSync(join(root, 'trades.csv')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
