import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import { createIssueLog, createSequenceCheck, formatIssue } from '../../src/streams/data-quality.js';
import { parseKlineCsv, readKlineCsv } from '../../src/streams/kline-csv.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/klines');
const fixture = (name: string): string => join(FIXTURES, name);

/** The DataError a strict read throws, or fails the test. */
const strictError = (path: string): DataError => {
  try {
    readKlineCsv(path, { policy: 'fail' });
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  return assert.unreachable(`expected ${path} to fail under policy 'fail'`) as never;
};

test('NaN close: skip drops line 4 and reports it; fail throws file:line with the expectation', () => {
  const path = fixture('AVAXUSDT-1m-nan-close.csv');
  const skipped = readKlineCsv(path);
  assert.equal(
    skipped.klines.map((k) => k.openTime),
    [1_769_904_000_000, 1_769_904_060_000, 1_769_904_180_000, 1_769_904_240_000],
  );
  assert.equal(skipped.issues[0], {
    file: path,
    line: 4,
    kind: 'invalid-number',
    message: 'close is "NaN", expected a positive number',
  });
  // Dropping the row leaves a hole: reported as a gap at the next row.
  assert.equal(
    skipped.issues.map((i) => [i.line, i.kind]),
    [
      [4, 'invalid-number'],
      [5, 'gap'],
    ],
  );
  const error = strictError(path);
  assert.is(error.message, `${path}:4: close is "NaN", expected a positive number`);
  assert.is(error.code, 'QT_DATA_INVALID');
  assert.is(error.where, `${path}:4`);
});

test('duplicate open time: the second row (line 4) is dropped, the first kept', () => {
  const path = fixture('AVAXUSDT-1m-duplicate.csv');
  const result = readKlineCsv(path);
  assert.is(result.klines.length, 4);
  assert.equal(result.issues, [
    {
      file: path,
      line: 4,
      kind: 'duplicate',
      message: 'duplicate open_time 1769904060000 (first seen on line 3)',
    },
  ]);
  assert.is(strictError(path).message, `${path}:4: duplicate open_time 1769904060000 (first seen on line 3)`);
});

test('out-of-order row (line 4) is dropped; the hole it leaves before it is a gap at line 3', () => {
  const path = fixture('AVAXUSDT-1m-out-of-order.csv');
  const result = readKlineCsv(path);
  assert.equal(
    result.klines.map((k) => k.openTime),
    [1_769_904_000_000, 1_769_904_120_000, 1_769_904_180_000, 1_769_904_240_000],
  );
  assert.equal(
    result.issues.map((i) => formatIssue({ ...i, file: 'f.csv' })),
    [
      'f.csv:3: gap: 1 missing 1m candle(s) between open_time 1769904000000 (line 2) and 1769904120000',
      "f.csv:4: open_time 1769904060000 is before the previous candle's 1769904120000 (line 3)",
    ],
  );
});

test('a gap is reported but its candles are kept; under fail it throws', () => {
  const path = fixture('AVAXUSDT-1m-gap.csv');
  const result = readKlineCsv(path);
  assert.is(result.klines.length, 4, 'no candle dropped');
  assert.equal(result.issues, [
    {
      file: path,
      line: 4,
      kind: 'gap',
      message: 'gap: 3 missing 1m candle(s) between open_time 1769904060000 (line 3) and 1769904300000',
    },
  ]);
  assert.ok(strictError(path).message.startsWith(`${path}:4: gap: 3 missing`));
});

test('missing column on line 3 names the expected layout', () => {
  const path = fixture('AVAXUSDT-1m-missing-column.csv');
  const result = readKlineCsv(path);
  assert.is(result.issues[0].line, 3);
  assert.is(result.issues[0].kind, 'missing-column');
  assert.match(result.issues[0].message, /^expected 12 columns \(open_time,open,.*,ignore\), found 11$/);
  assert.match(
    strictError(path).message,
    new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: expected 12 columns`),
  );
});

test('high below low, zero price and an empty close are each dropped with their own kind', () => {
  const path = fixture('AVAXUSDT-1m-bad-values.csv');
  const result = readKlineCsv(path);
  assert.equal(
    result.issues.map((i) => [i.line, i.kind, i.message]),
    [
      [3, 'ohlc-inconsistent', 'high 10 is below low 10.2'],
      [4, 'non-positive-price', 'open is "0", expected a positive number'],
      [5, 'invalid-number', 'close is "", expected a positive number'],
      [6, 'gap', 'gap: 3 missing 1m candle(s) between open_time 1769904000000 (line 2) and 1769904240000'],
    ],
  );
  assert.equal(result.lines, new Uint32Array([2, 6, 7]));
  // Under fail the first problem (line 3) stops the read.
  assert.ok(strictError(path).message.startsWith(`${path}:3: high 10 is below low 10.2`));
});

test('open or close outside [low, high] is inconsistent', () => {
  const text = '1769904000000,10,11,9,11.5,100\n1769904060000,8.5,10.6,9,10,50\n1769904120000,10,11,9,10,5\n';
  const result = parseKlineCsv(text, 'in.csv', { symbol: 'AVAXUSDT', interval: '1m' });
  assert.equal(
    result.issues.map((i) => [i.line, i.kind, i.message]),
    [
      [1, 'ohlc-inconsistent', 'close 11.5 is outside [low 9, high 11]'],
      [2, 'ohlc-inconsistent', 'open 8.5 is outside [low 9, high 10.6]'],
    ],
  );
  assert.is(result.klines.length, 1);
});

test('the sequence check accepts the next interval and drops a repeated open time', () => {
  const log = createIssueLog('x.csv');
  const sequence = createSequenceCheck(log, 60_000, '1m');
  assert.ok(sequence.accept(0, 2));
  assert.ok(sequence.accept(60_000, 3));
  assert.not.ok(sequence.accept(60_000, 4));
  assert.equal(
    log.issues.map((i) => i.kind),
    ['duplicate'],
  );
});

test('an issue log under fail throws DataError with file:line in message and where', () => {
  const log = createIssueLog('AVAXUSDT-1m.csv', 'fail');
  try {
    log.report(17, 'invalid-number', 'close is "NaN", expected a positive number');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, DataError);
    assert.is((error as DataError).message, 'AVAXUSDT-1m.csv:17: close is "NaN", expected a positive number');
    assert.is((error as DataError).where, 'AVAXUSDT-1m.csv:17');
  }
  assert.equal(log.issues, []);
});

test.run();
