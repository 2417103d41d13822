import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  EQUITY_CSV_HEADER,
  formatDecimal,
  formatEquityCsv,
  formatIsoUtc,
  formatTradesCsv,
  TRADES_CSV_HEADER,
  writeEquityCsv,
  writeTradesCsv,
} from '../../../src/sinks/report/index.js';
import { HOUR_MS, T0, trade } from './fixtures/report-fixtures.js';
import { syntheticReport } from './fixtures/synthetic-report.js';

test('trades.csv has the fixed header and one exactly formatted line per trade', () => {
  const csv = formatTradesCsv([
    trade({
      tradeId: 'A',
      entryPrice: 0.1 + 0.2,
      exitPrice: 101.25,
      qty: 0.003,
      leverage: 5,
      grossPnlUsdt: 1 / 3,
      feesUsdt: 0.04,
      fundingUsdt: -0.0001,
      netPnlUsdt: 0.29343333333,
      rMultiple: 1.25,
      reason: 'TAKE_PROFIT',
    }),
    trade({ tradeId: 'B,"x"', side: 'SHORT', netPnlUsdt: -5, reason: 'STOP_LOSS', ts: T0 + 2 * HOUR_MS }),
  ]);
  assert.is(
    csv,
    [
      'trade_id,symbol,side,entry_ts,entry_time,exit_ts,exit_time,entry_price,exit_price,qty,leverage,gross_pnl,fees,funding,net_pnl,r_multiple,exit_reason',
      'A,BTCUSDT,LONG,1704067200000,2024-01-01T00:00:00.000Z,1704070800000,2024-01-01T01:00:00.000Z,0.3,101.25,0.003,5,0.33333333,0.04,-0.0001,0.29343333,1.25,TAKE_PROFIT',
      // a free-text id with a comma and a quote is RFC 4180-quoted; no stop ⇒ empty R cell
      '"B,""x""",BTCUSDT,SHORT,1704067200000,2024-01-01T00:00:00.000Z,1704074400000,2024-01-01T02:00:00.000Z,100,110,1,1,-5,0,0,-5,,STOP_LOSS',
      '',
    ].join('\n'),
  );
  assert.is(TRADES_CSV_HEADER.length, 17);
});

test('trades.csv of no trades is the header alone', () => {
  assert.is(formatTradesCsv([]), `${TRADES_CSV_HEADER.join(',')}\n`);
});

test('equity.csv prints ts, ISO time, equity, optional wallet and drawdown', () => {
  const csv = formatEquityCsv([
    { ts: T0, equityUsdt: 1000, walletUsdt: 1000, drawdownPct: 0 },
    { ts: T0 + HOUR_MS, equityUsdt: 987.654321987, drawdownPct: 1.2345678912 },
  ]);
  assert.is(
    csv,
    'ts,time,equity,wallet,drawdown_pct\n' +
      '1704067200000,2024-01-01T00:00:00.000Z,1000,1000,0\n' +
      '1704070800000,2024-01-01T01:00:00.000Z,987.65432199,,1.234568\n',
  );
});

test('the files are byte-identical for equal inputs built separately', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qt-csv-'));
  try {
    const first = syntheticReport(3000, 200, 11);
    const second = syntheticReport(3000, 200, 11);
    await writeTradesCsv(join(dir, 'a.csv'), first.trades);
    await writeTradesCsv(join(dir, 'b.csv'), second.trades);
    await writeEquityCsv(join(dir, 'ea.csv'), first.equity);
    await writeEquityCsv(join(dir, 'eb.csv'), second.equity);
    const a = readFileSync(join(dir, 'a.csv'));
    assert.ok(a.equals(readFileSync(join(dir, 'b.csv'))));
    assert.ok(readFileSync(join(dir, 'ea.csv')).equals(readFileSync(join(dir, 'eb.csv'))));
    assert.is(a.toString('utf8').split('\n').length, 200 + 2);
    // another seed gives another file: the comparison above can fail
    await writeTradesCsv(join(dir, 'c.csv'), syntheticReport(3000, 200, 12).trades);
    assert.not.ok(a.equals(readFileSync(join(dir, 'c.csv'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('equity.csv of many points (batches of lines) is the plain join of its lines, byte for byte', () => {
  // 10,001 points: two full batches of 4096 lines and a partial one; one-hour bars across months.
  const points = Array.from({ length: 10_001 }, (_, i) => ({
    ts: T0 + i * HOUR_MS,
    equityUsdt: 10_000 + Math.sin(i / 7) * 123.456789 + i / 3,
    walletUsdt: i % 5 === 0 ? undefined : 10_000 + i / 7,
    drawdownPct: (i % 97) / 9.1,
  }));
  const lines = points.map(
    (p) =>
      `${p.ts},${formatIsoUtc(p.ts)},${formatDecimal(p.equityUsdt)},${
        p.walletUsdt === undefined ? '' : formatDecimal(p.walletUsdt)
      },${formatDecimal(p.drawdownPct, 6)}`,
  );
  assert.is(formatEquityCsv(points), `${[EQUITY_CSV_HEADER.join(','), ...lines].join('\n')}\n`);
  assert.is(formatEquityCsv([]), `${EQUITY_CSV_HEADER.join(',')}\n`);
});

test.run();
