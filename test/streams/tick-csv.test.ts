import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTickCsv, readTickCsv } from '../../src/streams/tick-csv.js';
import { needSharedData, sharedData } from '../shared-data.js';

const TRADES = sharedData('trades/ETHUSDT-trades-2023-02-02.csv');

if (needSharedData(TRADES)) {
  test('reads 1,000 ETHUSDT trades; symbol from the name, side upper-cased', () => {
    const { symbol, ticks, issues } = readTickCsv(TRADES);
    assert.is(symbol, 'ETHUSDT');
    assert.is(ticks.length, 1000);
    assert.equal(issues, []);
    // First row: 1675329600138,1206419187,buy,1666.8,26.062
    assert.equal(ticks[0], {
      kind: 'tick',
      symbol: 'ETHUSDT',
      ts: 1_675_329_600_138,
      price: 1666.8,
      qty: 26.062,
      side: 'BUY',
      tradeId: '1206419187',
    });
    assert.is(ticks[999].tradeId, '1206420186');
  });
}

test('reads the Binance trades layout (is_buyer_maker true ⇒ taker SELL) with µs times', () => {
  const text =
    'id,price,qty,quote_qty,time,is_buyer_maker\n7,100.5,2,201,1767225600000123,true\n8,100.6,1,100.6,1767225600001000,false\n';
  const { ticks } = parseTickCsv(text, 'BTCUSDT-trades-2026-01-01.csv');
  assert.equal(
    ticks.map((t) => [t.tradeId, t.ts, t.side]),
    [
      ['7', 1_767_225_600_000, 'SELL'],
      ['8', 1_767_225_600_001, 'BUY'],
    ],
  );
});

test('reads headerless aggTrades by column count', () => {
  const { ticks } = parseTickCsv('1,100,3,10,12,1767225600000,false\n', 'BTCUSDT-aggTrades.csv');
  assert.equal([ticks[0].tradeId, ticks[0].qty, ticks[0].side], ['1', 3, 'BUY']);
});

test('bad rows are issues: bad side, zero price, repeated id, time going back', () => {
  const text = [
    'timestamp_ms,id,side,price,amount',
    '1000,1,buy,10,1',
    '1001,2,hold,10,1',
    '1002,3,sell,0,1',
    '1003,4,sell,10,1',
    '1004,4,sell,10,1',
    '999,5,sell,10,1',
  ].join('\n');
  const result = parseTickCsv(text, 'ETHUSDT-trades.csv');
  assert.equal(
    result.issues.map((i) => [i.line, i.kind]),
    [
      [3, 'invalid-number'],
      [4, 'non-positive-price'],
      [6, 'duplicate'],
      [7, 'out-of-order'],
    ],
  );
  assert.is(result.ticks.length, 2);
  assert.throws(
    () => parseTickCsv(text, 'ETHUSDT-trades.csv', { policy: 'fail' }),
    /^ETHUSDT-trades\.csv:3: side is "hold", expected buy or sell$/,
  );
});

test('an unknown header is refused with the known layouts', () => {
  assert.throws(() => parseTickCsv('a,b,c\n1,2,3\n', 'ETHUSDT-x.csv'), /unknown trades layout "a,b,c"/);
});

test.run();
