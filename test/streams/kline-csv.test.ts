import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kline } from '../../src/domain/index.js';
import { parseKlineCsv, readKlineCsv, toEpochMs } from '../../src/streams/kline-csv.js';
import { assertError } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';

const DATA = sharedData('klines');
const FIXTURES = join(import.meta.dirname, '../fixtures/klines');
const hasData = needSharedData(DATA);

if (hasData) {
  test('reads the 40,320 AVAXUSDT 1m candles with the first and last values of the file', () => {
    const result = readKlineCsv(join(DATA, 'AVAXUSDT-1m-2026-02.csv'));
    assert.is(result.symbol, 'AVAXUSDT');
    assert.is(result.interval, '1m');
    assert.is(result.klines.length, 40_320);
    assert.equal(result.issues, []);
    // Row 1 of the file: 1769904000000,10.1130,10.1300,10.1090,10.1280,38521,1769904059999,389800.3310,1077,28754,…
    assert.equal(result.klines[0], {
      kind: 'kline',
      symbol: 'AVAXUSDT',
      interval: '1m',
      openTime: 1_769_904_000_000,
      ts: 1_769_904_060_000,
      open: 10.113,
      high: 10.13,
      low: 10.109,
      close: 10.128,
      volume: 38_521,
      quoteVolume: 389_800.331,
      trades: 1077,
      takerBuyVolume: 28_754,
    });
    // Last row: 1772323140000,9.1660,9.1670,9.1570,9.1620,5486,1772323199999,50262.4490,224,4312,…
    const last = result.klines[40_319];
    assert.equal(
      [
        last.openTime,
        last.ts,
        last.open,
        last.high,
        last.low,
        last.close,
        last.volume,
        last.quoteVolume,
        last.trades,
      ],
      [1_772_323_140_000, 1_772_323_200_000, 9.166, 9.167, 9.157, 9.162, 5486, 50_262.449, 224],
    );
    assert.is(result.lines[0], 2, 'line numbers count the header');
    assert.ok(Kline.safeParse(last).success, 'candles satisfy the domain schema');
  });

  test('reads a 12-column file without a header (ADABTC) and infers symbol and interval from the name', () => {
    const result = readKlineCsv(join(DATA, 'ADABTC-1m-2021-11-27.csv'));
    assert.is(result.symbol, 'ADABTC');
    assert.is(result.interval, '1m');
    assert.is(result.klines.length, 10);
    assert.is(result.lines[0], 1);
    assert.equal(
      [result.klines[0].openTime, result.klines[0].open, result.klines[0].volume, result.klines[0].trades],
      [1_637_971_200_000, 0.00002853, 36_304.2, 79],
    );
  });

  test('reads BTCUSD with a header; first and last candle match the file', () => {
    const result = readKlineCsv(join(DATA, 'BTCUSD-1m-2023-03.csv'));
    assert.is(result.klines.length, 30_240);
    const first = result.klines[0];
    const last = result.klines[30_239];
    assert.equal(
      [first.openTime, first.open, first.high, first.low, first.close],
      [1_677_628_800_000, 23_144.78, 23_152.48, 23_133.11, 23_143.72],
    );
    assert.equal(
      [last.openTime, last.open, last.high, last.low, last.close, last.volume],
      [1_679_443_140_000, 28_211.29, 28_211.4, 28_183, 28_194.93, 11.06334],
    );
  });

  test('takes the interval from the name of a spot file (BTCUSDT-1h-2022-01-spot.csv)', () => {
    const result = readKlineCsv(join(DATA, 'BTCUSDT-1h-2022-01-spot.csv'));
    assert.is(result.symbol, 'BTCUSDT');
    assert.is(result.interval, '1h');
    assert.is(result.klines.length, 744);
    assert.is(result.klines[0].ts - result.klines[0].openTime, 3_600_000);
  });

  test('from/to filter on the close time: from inclusive, to exclusive', () => {
    const from = 1_769_904_060_000 + 60_000 * 10;
    const result = readKlineCsv(join(DATA, 'AVAXUSDT-1m-2026-02.csv'), { from, to: from + 5 * 60_000 });
    assert.equal(
      result.klines.map((k) => k.ts),
      [0, 1, 2, 3, 4].map((i) => from + i * 60_000),
    );
  });
}

test('converts µs timestamps per value and infers the interval from the open-time deltas', () => {
  const result = readKlineCsv(join(FIXTURES, 'SOLUSDT-micros.csv'));
  assert.is(result.symbol, 'SOLUSDT');
  assert.is(result.interval, '1m');
  assert.equal(
    result.klines.map((k) => k.openTime),
    [1_769_904_000_000, 1_769_904_060_000, 1_769_904_120_000, 1_769_904_180_000],
  );
  assert.is(result.klines[0].ts, 1_769_904_060_000);
  assert.is(toEpochMs(1_769_904_000_000_123), 1_769_904_000_000);
  assert.is(toEpochMs(1_769_904_000_123), 1_769_904_000_123);
});

test('accepts the 6-column layout; quote volume is estimated as close × volume', () => {
  const text = '1769904000000,10,11,9,10.5,100\n1769904060000,10.5,10.6,10.4,10.4,50\n';
  const result = parseKlineCsv(text, 'in-memory.csv', { symbol: 'AVAXUSDT', interval: '1m' });
  assert.is(result.klines.length, 2);
  assert.equal(
    [result.klines[0].quoteVolume, result.klines[0].trades, result.klines[0].takerBuyVolume],
    [1050, 0, 0],
  );
});

test('handles CRLF line endings and a trailing blank line', () => {
  const text =
    'open_time,open,high,low,close,volume\r\n1769904000000,10,11,9,10.5,100\r\n1769904060000,10.5,10.6,10.4,10.4,50\r\n\r\n';
  const result = parseKlineCsv(text, 'crlf.csv', { symbol: 'AVAXUSDT' });
  assert.is(result.interval, '1m');
  assert.equal(
    result.klines.map((k) => k.close),
    [10.5, 10.4],
  );
  assert.equal(result.issues, []);
});

test('refuses a file whose symbol cannot be told, naming the fix', () => {
  assert.throws(
    () => parseKlineCsv('1769904000000,10,11,9,10.5,100\n', 'data.csv'),
    /data\.csv:0: cannot tell the symbol.*--symbol, data\.symbol/,
  );
});

test('refuses a file whose interval cannot be told', () => {
  assert.throws(
    () => parseKlineCsv('1769904000000,10,11,9,10.5,100\n', 'X.csv', { symbol: 'AVAXUSDT' }),
    /cannot tell the candle interval.*options\.interval/,
  );
});

test('rejects unknown option keys', () => {
  assertError(() => parseKlineCsv('', 'AVAXUSDT-1m.csv', { policy: 'skip', polcy: 'fail' } as never), {
    message: /Unrecognized key: .*polcy/,
  });
});

test.run();
