import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import { parseFreqtradeJson, readFreqtradeJson } from '../../src/streams/freqtrade-json.js';
import { needSharedData, sharedData } from '../shared-data.js';

const DATA = sharedData('klines');

if (needSharedData(DATA)) {
  test('reads XRPUSDT 5m futures candles with first and last values of the file', () => {
    const result = readFreqtradeJson(join(DATA, 'XRPUSDT-5m-futures.freqtrade.json'));
    assert.is(result.symbol, 'XRPUSDT');
    assert.is(result.interval, '5m');
    assert.is(result.klines.length, 1999);
    assert.equal(result.issues, []);
    const first = result.klines[0];
    assert.equal(
      [first.openTime, first.ts, first.open, first.high, first.low, first.close, first.volume],
      [1_636_934_400_000, 1_636_934_700_000, 1.1893, 1.1954, 1.1891, 1.1941, 9_289_043.5],
    );
    assert.is(first.quoteVolume, 1.1941 * 9_289_043.5);
    const last = result.klines[1998];
    assert.equal([last.openTime, last.close, last.volume], [1_637_533_800_000, 1.0713, 765_844.7]);
  });

  test('reads names with a month (BTCUSDT-5m-2023-01) and without (ETHBTC-5m)', () => {
    const btc = readFreqtradeJson(join(DATA, 'BTCUSDT-5m-2023-01.freqtrade.json'));
    assert.equal([btc.symbol, btc.interval, btc.klines.length], ['BTCUSDT', '5m', 10_999]);
    const eth = readFreqtradeJson(join(DATA, 'ETHBTC-5m.freqtrade.json'));
    assert.equal([eth.symbol, eth.interval, eth.klines.length], ['ETHBTC', '5m', 5760]);
  });

  test('a NaN volume (mark-price file) becomes 0 and is noted, the candle kept; fail refuses it', () => {
    const path = join(DATA, 'XRPUSDT-1h-mark.freqtrade.json');
    const result = readFreqtradeJson(path);
    assert.is(result.klines.length, 100);
    assert.is(result.klines[0].volume, 0);
    assert.is(result.issues.length, 100);
    assert.equal(result.issues[0], {
      file: path,
      line: 1,
      kind: 'repaired',
      message: 'volume is null (NaN in the file), read as 0',
    });
    assert.throws(
      () => readFreqtradeJson(path, { policy: 'fail' }),
      (e: unknown) =>
        e instanceof DataError && e.message === `${path}:1: volume is null (NaN in the file), read as 0`,
    );
  });
}

test('a bad candle is reported by its 1-based index', () => {
  const text =
    '[[1636934400000,1.1,1.2,1.0,1.1,5],[1636934700000,1.1,null,1.0,1.1,5],[1636935000000,1.1,1.2,1.0,1.1,5]]';
  const result = parseFreqtradeJson(text, 'XRPUSDT-5m.freqtrade.json');
  assert.equal(
    result.issues.map((i) => [i.line, i.kind, i.message]),
    [
      [2, 'invalid-number', 'high is null, expected a positive number'],
      [3, 'gap', 'gap: 1 missing 5m candle(s) between open_time 1636934400000 (line 1) and 1636935000000'],
    ],
  );
  assert.is(result.klines.length, 2);
});

test('infers the interval from open times when the name has none', () => {
  const text =
    '[[1636934400000,1.1,1.2,1.0,1.1,5],[1636935300000,1.1,1.2,1.0,1.1,5],[1636936200000,1.1,1.2,1.0,1.1,5]]';
  const result = parseFreqtradeJson(text, 'candles.json', { symbol: 'XRPUSDT' });
  assert.is(result.interval, '15m');
});

test('refuses text that is not a JSON array of candles', () => {
  assert.throws(
    () => parseFreqtradeJson('{"a":1}', 'XRPUSDT-5m.json'),
    /XRPUSDT-5m\.json:0: expected freqtrade candles/,
  );
  assert.throws(() => parseFreqtradeJson('[[1,', 'XRPUSDT-5m.json'), /not valid JSON/);
});

test.run();
