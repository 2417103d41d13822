import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import { writeJsonl } from '../../src/streams/jsonl-events.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { syntheticMarket } from '../../src/streams/synthetic-market.js';
import { assertError } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';

const DATA = sharedData('klines');

if (needSharedData(DATA)) {
  test('loads a directory: every format, symbols in order, the finest interval per symbol', () => {
    const data = loadMarketData(DATA);
    assert.equal(
      [...data.klinesBySymbol].map(([symbol, klines]) => [symbol, klines.length, klines[0].interval]),
      [
        ['ADABTC', 21, '1m'],
        ['AVAXUSDT', 40_320, '1m'],
        ['BTCUSD', 30_240, '1m'],
        ['BTCUSDT', 10_999, '5m'],
        ['ETHBTC', 5760, '5m'],
        ['LINKUSDT', 40_320, '1m'],
        ['LTCBTC', 5760, '5m'],
        ['XRPUSDT', 1999, '5m'],
      ],
    );
    const skipped = data.files.filter((f) => f.skipped !== undefined).map((f) => basename(f.path));
    assert.equal(skipped, [
      'BTCUSDT-1h-2022-01-spot.csv',
      'XRPUSDT-1h-futures.freqtrade.json',
      'XRPUSDT-1h-mark.freqtrade.json',
    ]);
    // The two ADABTC days are joined; the day between them is one gap issue at the second file's first line.
    assert.equal(
      data.issues.map((i) => [basename(i.file), i.line, i.kind]),
      [['ADABTC-1m-2021-11-28.csv', 1, 'gap']],
    );
  });

  test('selects symbols, an interval and a time range', () => {
    const from = 1_769_904_000_000 + 60_000 * 61;
    const data = loadMarketData(DATA, {
      symbols: ['AVAXUSDT', 'XRPUSDT'],
      interval: '1h',
      from,
      to: from + 3 * 3_600_000,
    });
    // Only XRPUSDT has a 1h file here, and it has no candle in February 2026.
    assert.equal([...data.klinesBySymbol.keys()], []);
    const used = data.files.filter((f) => f.skipped === undefined).map((f) => [basename(f.path), f.klines]);
    assert.equal(used, [
      ['XRPUSDT-1h-futures.freqtrade.json', 0],
      ['XRPUSDT-1h-mark.freqtrade.json', 0],
    ]);
    const oneHour = loadMarketData(join(DATA, 'um-2026-02-1h'), {
      symbols: ['AVAXUSDT', 'LINKUSDT'],
      from,
      to: from + 3 * 3_600_000,
    });
    assert.equal([...oneHour.klinesBySymbol.keys()], ['AVAXUSDT', 'LINKUSDT']);
    assert.equal(
      oneHour.klinesBySymbol.get('AVAXUSDT')?.map((k) => k.ts),
      [1_769_911_200_000, 1_769_914_800_000, 1_769_918_400_000],
    );
  });

  test('under fail, the first issue of any file throws', () => {
    assertError(() => loadMarketData(DATA, { policy: 'fail' }), {
      type: DataError,
      code: 'QT_DATA_INVALID',
      message: /:\d+: /,
    });
  });
}

test('loads a JSONL recording and a CSV of one symbol, joining them and dropping the overlap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-md-'));
  const [btc] = syntheticMarket({
    count: 10,
    seed: 5,
    symbols: [{ symbol: 'BTCUSDT', startPrice: 100, volatility: 0.001, baseVolume: 1, priceDecimals: 2 }],
  });
  writeJsonl(join(dir, 'a-recording.jsonl'), btc.slice(0, 6));
  const csv = btc
    .slice(4)
    .map((k) => [k.openTime, k.open, k.high, k.low, k.close, k.volume].join(','))
    .join('\n');
  writeFileSync(join(dir, 'BTCUSDT-1m-later.csv'), csv);
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  writeFileSync(join(dir, 'ETHUSDT-trades.csv'), 'timestamp_ms,id,side,price,amount\n1,2,buy,3,4\n');
  const data = loadMarketData(dir);
  assert.equal(
    data.klinesBySymbol.get('BTCUSDT')?.map((k) => k.close),
    btc.map((k) => k.close),
  );
  assert.equal(
    data.issues.map((i) => [basename(i.file), i.line, i.kind]),
    [
      ['BTCUSDT-1m-later.csv', 1, 'duplicate'],
      ['BTCUSDT-1m-later.csv', 2, 'duplicate'],
    ],
  );
  assert.match(
    data.files.find((f) => basename(f.path) === 'ETHUSDT-trades.csv')?.skipped ?? '',
    /^not a kline CSV/,
  );
});

test('a file that cannot be read is an unreadable-file issue under skip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-md-'));
  writeFileSync(join(dir, 'candles.csv'), '1,2,3,4,5,6\n');
  const data = loadMarketData(dir);
  assert.equal(data.klinesBySymbol.size, 0);
  assert.equal(
    data.issues.map((i) => [i.line, i.kind]),
    [[0, 'unreadable-file']],
  );
  assert.throws(() => loadMarketData(dir, { policy: 'fail' }), /candles\.csv:0: cannot tell the symbol/);
});

test.run();
