import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, type Kline } from '../../src/domain/index.js';
import { readFreqtradeJson } from '../../src/streams/freqtrade-json.js';
import {
  attachFunding,
  fundingCoverageGaps,
  parseFundingCsv,
  readFundingCsv,
} from '../../src/streams/funding-csv.js';
import { needSharedData, sharedData } from '../shared-data.js';

const FUNDING = sharedData('funding/XRPUSDT-funding.csv');
const KLINES = sharedData('klines/XRPUSDT-5m-futures.freqtrade.json');

const kline = (openTime: number, intervalMs = 60_000): Kline => ({
  kind: 'kline',
  symbol: 'XRPUSDT',
  interval: intervalMs === 60_000 ? '1m' : '1d',
  openTime,
  ts: openTime + intervalMs,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
  quoteVolume: 1,
  trades: 1,
  takerBuyVolume: 0,
});

if (needSharedData(FUNDING)) {
  test('reads the 91 XRPUSDT funding rates every 8 h', () => {
    const { rates, issues } = readFundingCsv(FUNDING);
    assert.equal(issues, []);
    assert.is(rates.length, 91);
    assert.equal(rates[0], { ts: 1_637_193_600_017, rate: 0.0001 });
    assert.equal(rates[90], { ts: 1_639_785_600_014, rate: 0.0001 });
  });
}

if (needSharedData(FUNDING, KLINES)) {
  test('attaches the real rates to the 5m candles whose (openTime, ts] holds the funding time', () => {
    const { rates } = readFundingCsv(FUNDING);
    const { klines } = readFreqtradeJson(KLINES);
    const funded = attachFunding(klines, rates).filter((k) => k.fundingRate !== undefined);
    // Candles run 2021-11-15 00:00 → 2021-11-21 22:35; funding times 11-18 00:00 … inside that range.
    const hourOf = (ts: number): number => Math.round(ts / 3_600_000) * 3_600_000;
    const inRange = rates.filter(
      (r) => hourOf(r.ts) > klines[0].openTime && hourOf(r.ts) <= klines[klines.length - 1].ts,
    );
    assert.is(funded.length, inRange.length);
    assert.is(
      funded[0].ts,
      1_637_193_600_000,
      'the 00:00 settlement (stamped 00:00:00.017) lies in the candle that closes at 00:00',
    );
    // Every settlement in the candle that closes at its hour, however many ms its stamp lags.
    assert.equal(
      funded.map((k) => k.ts),
      inRange.map((r) => hourOf(r.ts)),
    );
  });
}

test('a settlement belongs to the candle that closes at its whole hour, its stamp a few ms late or early', () => {
  const hour = 3_600_000;
  const klines = [kline(7 * hour, hour), kline(8 * hour, hour), kline(9 * hour, hour)];
  const result = attachFunding(klines, [
    { ts: 8 * hour + 17, rate: 0.0001 },
    { ts: 10 * hour - 3, rate: -0.0002 },
  ]);
  assert.equal(
    result.map((k) => k.fundingRate),
    [0.0001, undefined, -0.0002],
  );
  assert.is(result[1], klines[1], 'untouched candles are the same objects');
  assert.is(klines[0].fundingRate, undefined, 'inputs are not mutated');
});

test('rates falling in one coarse candle are summed; rates outside all candles are ignored', () => {
  const day = 86_400_000;
  const result = attachFunding(
    [kline(day, day)],
    [
      { ts: 10, rate: 0.5 },
      { ts: day + 8 * 3_600_000, rate: 0.0001 },
      { ts: day + 16 * 3_600_000, rate: 0.0002 },
      { ts: 2 * day, rate: 0.0003 },
      { ts: 3 * day, rate: 0.5 },
    ],
  );
  assert.ok(Math.abs((result[0].fundingRate ?? 0) - 0.0006) < 1e-15);
});

test('bad funding rows are issues with their line', () => {
  const text =
    'calc_time,funding_interval_hours,last_funding_rate\n1000,8,0.0001\n2000,8,abc\n1000,8,0.0001\n';
  const result = parseFundingCsv(text, 'XRPUSDT-funding.csv');
  assert.equal(
    result.issues.map((i) => [i.line, i.kind, i.message]),
    [
      [3, 'invalid-number', 'last_funding_rate is "abc", expected a number'],
      [4, 'duplicate', 'calc_time 1000 is not after the previous 1000'],
    ],
  );
});

test('funding data that stops covering the candles is a gap issue: a hole between settlements, or an end before theirs', () => {
  const hour = 3_600_000;
  const day = Date.UTC(2026, 0, 1);
  // Hourly candles over two days; settlements every 8 h, stamped a few ms late.
  const candles = Array.from({ length: 48 }, (_, i) => kline(day + i * hour, hour));
  const every8h = [8, 16, 24, 32, 40, 48].map((h) => ({ ts: day + h * hour + 7, rate: 0.0001 }));
  assert.equal(fundingCoverageGaps('XRPUSDT', candles, every8h, 'f.csv', 'skip'), []);
  // 4 h symbols: denser is fine.
  const every4h = Array.from({ length: 12 }, (_, i) => ({ ts: day + (i + 1) * 4 * hour, rate: 0.0001 }));
  assert.equal(fundingCoverageGaps('XRPUSDT', candles, every4h, 'f.csv', 'skip'), []);
  const holed = every8h.filter((r) => r.ts !== day + 24 * hour + 7);
  assert.equal(
    fundingCoverageGaps('XRPUSDT', candles, holed, 'f.csv', 'skip').map((i) => [i.kind, i.file, i.message]),
    [
      [
        'gap',
        'f.csv',
        'XRPUSDT: no funding settlement between 2026-01-01T16:00:00.000Z and 2026-01-02T08:00:00.000Z (16.0 h; Binance settles at least every 8 h): none is charged in between',
      ],
    ],
  );
  const ended = every8h.slice(0, 3);
  assert.equal(
    fundingCoverageGaps('XRPUSDT', candles, ended, 'f.csv', 'skip').map((i) => i.message),
    [
      'XRPUSDT: the funding data ends at 2026-01-02T00:00:00.000Z, 24.0 h before the candles do (2026-01-03T00:00:00.000Z); Binance settles at least every 8 h: none is charged after it',
    ],
  );
  // A strict run refuses it, naming the file.
  assert.throws(
    () => fundingCoverageGaps('XRPUSDT', candles, ended, 'f.csv', 'fail'),
    (error: Error) =>
      error instanceof DataError && /^f\.csv:0: XRPUSDT: the funding data ends/.test(error.message),
  );
});

test.run();
