import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline, MarketEvent, Tick } from '../../src/domain/index.js';
import { parseJsonlEvents, readJsonlEvents, writeJsonl } from '../../src/streams/jsonl-events.js';

const kline = (overrides: Partial<Kline> = {}): Kline => ({
  kind: 'kline',
  symbol: 'BTCUSDT',
  interval: '1m',
  openTime: 1_767_225_600_000,
  ts: 1_767_225_660_000,
  open: 100,
  high: 101,
  low: 99,
  close: 100.5,
  volume: 10,
  quoteVolume: 1005,
  trades: 7,
  takerBuyVolume: 4,
  ...overrides,
});
const tick = (overrides: Partial<Tick> = {}): Tick => ({
  kind: 'tick',
  symbol: 'ETHUSDT',
  ts: 1_767_225_600_500,
  price: 3000,
  qty: 0.5,
  side: 'BUY',
  tradeId: '1',
  ...overrides,
});

test('writeJsonl then readJsonlEvents round-trips klines and ticks exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-jsonl-'));
  const path = join(dir, 'session.jsonl');
  const events: MarketEvent[] = [
    kline(),
    tick(),
    kline({ openTime: 1_767_225_660_000, ts: 1_767_225_720_000, fundingRate: 0.0001 }),
  ];
  assert.is(writeJsonl(path, events), 3);
  assert.is(readFileSync(path, 'utf8').split('\n').length, 4, 'one line per event plus the final newline');
  const result = readJsonlEvents(path);
  assert.equal(result.events, events);
  assert.equal(result.lines, [1, 2, 3]);
  assert.equal(result.issues, []);
});

test('bad lines are issues with their line: not JSON, schema failure, unknown kind', () => {
  const text = [
    JSON.stringify(kline()),
    '{not json',
    JSON.stringify({ ...kline({ openTime: 1_767_225_660_000, ts: 1_767_225_720_000 }), close: -1 }),
    '',
    JSON.stringify({ kind: 'order-request' }),
    JSON.stringify(kline({ openTime: 1_767_225_660_000, ts: 1_767_225_720_000 })),
  ].join('\n');
  const result = parseJsonlEvents(text, 'rec.jsonl');
  assert.equal(
    result.issues.map((i) => [i.line, i.kind]),
    [
      [2, 'invalid-event'],
      [3, 'invalid-event'],
      [5, 'invalid-event'],
    ],
  );
  assert.match(result.issues[1].message, /^kline: close: /);
  assert.is(result.issues[2].message, 'kind is "order-request", expected "kline" or "tick"');
  assert.equal(result.lines, [1, 6]);
  assert.throws(() => parseJsonlEvents(text, 'rec.jsonl', { policy: 'fail' }), /^rec\.jsonl:2: not JSON/);
});

test('duplicate klines and ticks going back in time are dropped per symbol', () => {
  const text = [
    kline(),
    tick({ ts: 2000 + 1_767_225_600_000 }),
    kline(),
    tick({ symbol: 'BTCUSDT', ts: 1_767_225_600_000, tradeId: '9' }),
    tick({ ts: 1000 + 1_767_225_600_000, tradeId: '2' }),
  ]
    .map((e) => JSON.stringify(e))
    .join('\n');
  const result = parseJsonlEvents(text, 'rec.jsonl');
  assert.equal(result.lines, [1, 2, 4]);
  assert.equal(
    result.issues.map((i) => [i.line, i.kind]),
    [
      [3, 'duplicate'],
      [5, 'out-of-order'],
    ],
  );
});

test('filters by symbol and time range', () => {
  const text = [kline(), tick(), kline({ symbol: 'SOLUSDT' })].map((e) => JSON.stringify(e)).join('\n');
  const onlyBtc = parseJsonlEvents(text, 'r.jsonl', { symbols: ['BTCUSDT'] });
  assert.equal(onlyBtc.lines, [1]);
  const early = parseJsonlEvents(text, 'r.jsonl', { to: 1_767_225_660_000 });
  assert.equal(early.lines, [2]);
});

test('writes to a file it replaces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-jsonl-'));
  const path = join(dir, 'x.jsonl');
  writeFileSync(path, 'old content that is longer than the new one\n'.repeat(10));
  writeJsonl(path, [tick()]);
  assert.is(readFileSync(path, 'utf8'), `${JSON.stringify(tick())}\n`);
});

test.run();
