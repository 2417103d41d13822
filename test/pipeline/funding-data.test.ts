import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { readFundingCsv } from '../../src/streams/funding-csv.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind } from './engine-events.js';

// Funding from data (the files `quantum data download` writes beside the klines): a backtest over a
// folder charges each position the rate Binance settled at that instant — real XRPUSDT rates,
// including the ones that are not the 0.01 % default — and nothing at instants the file does not list.

const KLINES = sharedData('klines/XRPUSDT-5m-futures.freqtrade.json');
const FUNDING = sharedData('funding/XRPUSDT-funding.csv');
const workDir = mkdtempSync(join(tmpdir(), 'quantum-funding-data-'));

test.after(() => rmSync(workDir, { recursive: true, force: true }));

if (needSharedData(KLINES) && needSharedData(FUNDING)) {
  const folder = join(workDir, 'xrp');
  const setUp = (): void => {
    rmSync(folder, { recursive: true, force: true });
    copyFileSync(KLINES, join(workDir, basename(KLINES)));
    // `quantum data download`'s layout: klines and <SYM>-fundingRate-<YYYY-MM>.csv side by side.
    mkdirSync(folder);
    copyFileSync(KLINES, join(folder, basename(KLINES)));
    copyFileSync(FUNDING, join(folder, 'XRPUSDT-fundingRate-2021-11.csv'));
  };

  test('a folder with a funding CSV: each settlement lands on the candle that closes at its hour', () => {
    setUp();
    const data = loadMarketData(folder);
    const klines = data.klinesBySymbol.get('XRPUSDT') ?? [];
    const rates = readFundingCsv(FUNDING).rates;
    // Binance stamps a settlement a few ms after its whole hour: the candle closing at the hour holds it.
    const hourOf = (ts: number): number => Math.round(ts / 3_600_000) * 3_600_000;
    const inRange = rates.filter(
      (r) => hourOf(r.ts) > klines[0].openTime && hourOf(r.ts) <= (klines.at(-1)?.ts ?? 0),
    );
    const funded = klines.filter((k) => k.fundingRate !== undefined);
    assert.ok(inRange.length >= 10, `${inRange.length} settlements in the candles' range`);
    assert.equal(
      funded.map((k) => k.fundingRate),
      inRange.map((r) => r.rate),
    );
    assert.equal(
      funded.map((k) => k.ts),
      inRange.map((r) => hourOf(r.ts)),
    );
    const file = data.files.find((f) => f.format === 'funding-csv');
    assert.equal(
      { rates: file?.fundingRates, symbols: file?.symbols, skipped: file?.skipped },
      { rates: rates.length, symbols: ['XRPUSDT'], skipped: undefined },
    );
    // Not selected: the file is listed as skipped and no candle is touched.
    const other = loadMarketData(folder, { symbols: ['XRPUSDT'] });
    assert.is(
      other.klinesBySymbol.get('XRPUSDT')?.filter((k) => k.fundingRate !== undefined).length,
      funded.length,
    );
  });

  test('two files repeating a settlement count it once; a funding file without a symbol in its name is skipped with the reason', () => {
    setUp();
    copyFileSync(FUNDING, join(folder, 'XRPUSDT-fundingRate-2021-11-copy.csv'));
    writeFileSync(
      join(folder, 'funding.csv'),
      'calc_time,funding_interval_hours,last_funding_rate\n1637193600017,8,0.5\n',
    );
    const data = loadMarketData(folder);
    const once = loadMarketData(join(workDir, basename(KLINES)));
    const funded = (data.klinesBySymbol.get('XRPUSDT') ?? []).filter((k) => k.fundingRate !== undefined);
    assert.ok(
      funded.every((k) => Math.abs(k.fundingRate ?? 0) < 0.01),
      'no rate summed twice',
    );
    assert.is(
      once.klinesBySymbol.get('XRPUSDT')?.some((k) => k.fundingRate !== undefined),
      false,
    );
    const nameless = data.files.find((f) => basename(f.path) === 'funding.csv');
    assert.match(nameless?.skipped ?? '', /funding CSV whose name carries no symbol/);
  });

  test('a backtest over the folder pays the file’s rates: every payment is qty × mark × the rate settled in its candle', async () => {
    setUp();
    const config = parsePipelineConfig({
      data: { source: 'files', path: folder },
      // Trade often, hold long: positions cross many settlements.
      risk: { cooldownMs: 0 },
      monitor: { maxHoldMs: 0 },
      sizing: { method: 'fixed-fraction', fraction: 0.1, leverage: 2, stopLossPct: 5, takeProfitPct: 8 },
      exchange: { defaultFundingRate: null },
      output: { progress: false },
    });
    const market = loadMarketReplay(config);
    const events = await engineEvents(config, market.klines);
    const payments = ofKind(events, 'funding-paid');
    assert.ok(payments.length >= 5, `${payments.length} funding payments`);
    const rates = readFundingCsv(FUNDING).rates;
    // Binance stamps a settlement a few ms after its whole hour: it settles at the hour.
    const hourOf = (ts: number): number => Math.round(ts / 3_600_000) * 3_600_000;
    const byCandleClose = new Map(
      market.klines.filter((k) => k.fundingRate !== undefined).map((k) => [k.ts, k.fundingRate]),
    );
    for (const payment of payments) {
      const settled = rates.find((r) => hourOf(r.ts) === payment.ts);
      assert.ok(settled !== undefined, `a settlement at ${new Date(payment.ts).toISOString()}`);
      assert.is(payment.rate, settled.rate);
      assert.is(byCandleClose.get(payment.ts), settled.rate);
      const sign = payment.positionSide === 'LONG' ? 1 : -1;
      assert.ok(
        Math.abs(payment.amountUsdt - sign * payment.qty * payment.markPrice * settled.rate) < 1e-9,
        `${payment.amountUsdt} = ${sign} × ${payment.qty} × ${payment.markPrice} × ${settled.rate}`,
      );
    }
    // Every settlement while a position was open is paid once, the ones stamped late included.
    const trades = ofKind(events, 'trade-closed');
    const held = rates
      .map((r) => hourOf(r.ts))
      .filter((instant) => trades.some((t) => t.entryTs <= instant && instant < t.ts));
    assert.equal(
      payments.map((p) => p.ts),
      held,
    );
    assert.ok(
      payments.some((p) => rates.some((r) => hourOf(r.ts) === p.ts && r.ts > p.ts)),
      'a settlement stamped after its hour was charged',
    );
    assert.ok(
      payments.some((p) => p.rate !== 0.0001),
      'a real rate other than the 0.01 % default was charged',
    );
  });
}

test.run();
