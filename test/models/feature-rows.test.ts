import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, ModelError } from '../../src/domain/errors.js';
import { parseCsvRows, parseLibsvmRows, readFeatureRows } from '../../src/models/feature-rows.js';

const csv = [
  'ts,symbol,ema_12,rsi_14,atr_14,label',
  '60000,BTCUSDT,,,,',
  '120000,BTCUSDT,101.5,55.25,0.75,1',
  '',
].join('\n');

test('CSV columns are matched to the model features by name, empty cells are missing', () => {
  const { rows, lines } = parseCsvRows(csv, 'x.csv', ['rsi_14', 'ema_12']);
  assert.is(rows.length, 2);
  assert.ok(rows[0].every(Number.isNaN));
  assert.equal(Array.from(rows[1]), [55.25, 101.5]);
  assert.equal(lines, [2, 3]);
});

test('a CSV without a feature the model needs is a ModelError naming it', () => {
  try {
    parseCsvRows(csv, 'x.csv', ['rsi_14', 'macd_12_26_9']);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ModelError);
    assert.match((error as Error).message, 'expects feature macd_12_26_9');
  }
});

test('a non-numeric CSV cell is a DataError with file:line', () => {
  try {
    parseCsvRows('ts,symbol,a\n1,X,oops\n', 'x.csv', ['a']);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, DataError);
    assert.match((error as Error).message, 'x.csv:2: a is "oops"');
  }
});

test('libsvm: absent entries are missing, qid and indexes past the width are ignored', () => {
  const { rows } = parseLibsvmRows('1 qid:3 0:1.5 2:-2 9:7\n0\n', 'x.libsvm', 3);
  assert.equal(Array.from(rows[0]), [1.5, Number.NaN, -2]);
  assert.ok(rows[1].every(Number.isNaN));
});

test('libsvm: a malformed pair is a DataError with file:line', () => {
  try {
    parseLibsvmRows('1 0:1\n1 zero:2\n', 'x.libsvm', 2);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, DataError);
    assert.match((error as Error).message, 'x.libsvm:2');
  }
});

test('readFeatureRows picks the format from the extension', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rows-'));
  writeFileSync(join(dir, 'a.csv'), csv);
  writeFileSync(join(dir, 'a.libsvm'), '0 1:55.25\n');
  assert.equal(Array.from(readFeatureRows(join(dir, 'a.csv'), ['ema_12', 'rsi_14']).rows[1]), [101.5, 55.25]);
  assert.equal(Array.from(readFeatureRows(join(dir, 'a.libsvm'), ['ema_12', 'rsi_14']).rows[0]), [
    Number.NaN,
    55.25,
  ]);
});

test.run();
