// Bad input rows under `data.policy: skip` become dead letters next to the report (DESIGN.md rule 5):
// the run completes on the good rows, dead-letters.jsonl has one JSON line per refused row naming
// `file:line` and why, and report.json counts them.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, type DeadLetter } from '../../src/domain/index.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { filesConfig, tempDir } from './harness.js';

const HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const START_MS = Date.parse('2026-02-01T00:00:00Z');
const ROWS = 400;
const badValuesFixture = fileURLToPath(
  new URL('../fixtures/klines/AVAXUSDT-1m-bad-values.csv', import.meta.url),
);

/** A clean 1m Binance kline row of a slow wave (prices with 3 decimals); `i` is the candle index. */
const cleanRow = (i: number): string => {
  const price = (k: number): number => Math.round((20 + 0.6 * Math.sin(k / 17) + 0.004 * k) * 1000) / 1000;
  const open = price(i - 1);
  const close = price(i);
  const high = Math.max(open, close) + 0.012;
  const low = Math.min(open, close) - 0.011;
  const openTime = START_MS + i * 60_000;
  const volume = 1000 + (i % 7) * 100;
  return [
    openTime,
    open.toFixed(3),
    high.toFixed(3),
    low.toFixed(3),
    close.toFixed(3),
    volume,
    openTime + 59_999,
    (volume * close).toFixed(3),
    100,
    volume / 2,
    ((volume / 2) * close).toFixed(3),
    0,
  ].join(',');
};

/**
 * LINKUSDT rows with three bad ones at known 1-based file lines (the header is line 1):
 * a NaN close, a row missing its last column, and a repeat of the row before it.
 */
const BAD_LINES = { nanClose: 51, missingColumn: 121, duplicate: 201 } as const;
const linkCsv = (): string => {
  const lines = [HEADER];
  for (let i = 0; lines.length <= ROWS; i++) {
    const line = lines.length + 1;
    if (line === BAD_LINES.nanClose) {
      const cells = cleanRow(i).split(',');
      cells[4] = 'NaN';
      lines.push(cells.join(','));
    } else if (line === BAD_LINES.missingColumn) {
      lines.push(cleanRow(i).split(',').slice(0, -1).join(','));
    } else if (line === BAD_LINES.duplicate) {
      lines.push(lines[lines.length - 1]);
      i--;
    } else {
      lines.push(cleanRow(i));
    }
  }
  return `${lines.join('\n')}\n`;
};

/** A folder with the LINKUSDT series above and the AVAXUSDT bad-values fixture (3 bad rows of 6). */
const badDataFolder = (): { dir: string; link: string; avax: string } => {
  const dir = join(tempDir('dead-letters'), 'klines');
  mkdirSync(dir);
  const link = join(dir, 'LINKUSDT-1m-2026-02.csv');
  writeFileSync(link, linkCsv());
  const avax = join(dir, 'AVAXUSDT-1m-bad-values.csv');
  copyFileSync(badValuesFixture, avax);
  return { dir, link, avax };
};

test('policy skip: the run completes on the good rows; one dead letter per refused row, file:line and reason', async () => {
  const { dir, link, avax } = badDataFolder();
  const outDir = tempDir('dead-letters-out');
  const result = await runBacktest({ config: filesConfig(dir), outDir });

  const jsonl = readFileSync(join(outDir, 'dead-letters.jsonl'), 'utf8');
  assert.ok(jsonl.endsWith('\n'));
  const letters = jsonl
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as DeadLetter);
  assert.equal(letters, [...result.deadLetters]);

  // Refused rows (not gap notices): exactly the six bad rows, each once, with its kind as the reason.
  const refused = letters
    .filter((letter) => !letter.reason.startsWith('gap'))
    .map((letter) => `${letter.origin} ${letter.reason.split(':')[0]}`)
    .sort();
  assert.equal(
    refused,
    [
      `${avax}:3 ohlc-inconsistent`,
      `${avax}:4 non-positive-price`,
      `${avax}:5 invalid-number`,
      `${link}:${BAD_LINES.nanClose} invalid-number`,
      `${link}:${BAD_LINES.missingColumn} missing-column`,
      `${link}:${BAD_LINES.duplicate} duplicate`,
    ].sort(),
  );
  for (const letter of letters) {
    assert.is(letter.kind, 'dead-letter');
    // The payload is the printable `file:line: message`, the reason says why in words.
    assert.ok(letter.payload.startsWith(`${letter.origin}: `), letter.payload);
    assert.ok(letter.reason.length > 10, letter.reason);
  }
  // A dropped row leaves a hole, reported once at the next good row; a dropped duplicate leaves none.
  const gaps = letters.filter((letter) => letter.reason.startsWith('gap')).map((letter) => letter.origin);
  assert.equal(
    gaps.sort(),
    [`${avax}:6`, `${link}:${BAD_LINES.nanClose + 1}`, `${link}:${BAD_LINES.missingColumn + 1}`].sort(),
  );

  // report.json counts exactly what the file holds; the engine saw only the good rows.
  const reportJson = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  assert.is(reportJson.counts.deadLetters, letters.length);
  assert.is(result.report.deadLetters, letters.length);
  assert.is(reportJson.extra.klines, ROWS - 3 + (6 - 3));
  assert.equal(reportJson.run.symbols, ['AVAXUSDT', 'LINKUSDT']);
});

test('policy skip over clean data: dead-letters.jsonl is written and empty, count 0', async () => {
  const dir = join(tempDir('dead-letters-clean'), 'klines');
  mkdirSync(dir);
  const lines = [HEADER];
  for (let i = 0; i < 100; i++) lines.push(cleanRow(i));
  writeFileSync(join(dir, 'LINKUSDT-1m-2026-02.csv'), `${lines.join('\n')}\n`);
  const outDir = tempDir('dead-letters-clean-out');
  await runBacktest({ config: filesConfig(dir), outDir });
  assert.is(readFileSync(join(outDir, 'dead-letters.jsonl'), 'utf8'), '');
  assert.is(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')).counts.deadLetters, 0);
});

test('policy fail over the same folder: DataError at the first bad file:line, nothing written', async () => {
  const { dir, avax } = badDataFolder();
  const outDir = join(tempDir('dead-letters-fail'), 'out');
  const skip = filesConfig(dir);
  const config = { ...skip, data: { ...skip.data, policy: 'fail' as const } };
  let failure: unknown;
  try {
    await runBacktest({ config, outDir });
  } catch (error) {
    failure = error;
  }
  assert.instance(failure, DataError);
  // Files load in name order: AVAXUSDT's line 3 (high below low) is the first issue.
  assert.is((failure as DataError).where, `${avax}:3`);
  assert.ok((failure as DataError).message.startsWith(`${avax}:3: high 10 is below low 10.2`));
  assert.throws(() => readFileSync(join(outDir, 'report.json')));
});

test.run();
