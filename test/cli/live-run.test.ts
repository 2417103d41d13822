import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { runQuantum } from '../cli-runner.js';
import { AVAX, avaxPath, sleep, startAvaxFake, until } from '../fake-binance/harness.js';

// `quantum run --mode paper|testnet|live` as a user runs it, against the fake Binance server on
// 127.0.0.1 whose real AVAXUSDT candles are moved to end at the current minute (a live session's
// warm-up asks for the candles that closed just before it started).

const KEY = 'cli-live-key-4f9a2b';
const SECRET = 'cli-live-secret-7c1d0e';
const source = avaxPath(Date.UTC(2026, 1, 1, 2));
const shift = Math.floor(Date.now() / 60_000) * 60_000 - (source.at(-1)?.ts ?? 0);
const path: Kline[] = source.map((k) => ({ ...k, openTime: k.openTime + shift, ts: k.ts + shift }));

const startVenue = (): Promise<FakeBinance> =>
  startAvaxFake(path, {
    credentials: { apiKey: KEY, secret: SECRET },
    revealed: path.length,
    walletUsdt: 12_345,
  });

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-live-cli-'));
  dirs.push(dir);
  return dir;
};
const envFile = (mode: number): string => {
  const file = join(tempDir(), 'binance.env');
  writeFileSync(file, `# test keys\nBINANCE_API_KEY=${KEY}\nBINANCE_API_SECRET="${SECRET}"\n`);
  chmodSync(file, mode);
  return file;
};

test.after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('paper: a banner naming the mode, the warm-up replayed, a recording a backtest can read, a clean stop', async () => {
  const fake = await startVenue();
  try {
    const out = join(tempDir(), 'session');
    const run = await runQuantum([
      'run',
      '--mode',
      'paper',
      '--symbols',
      AVAX,
      '--base-url',
      fake.restUrl,
      '--warm-up',
      '30',
      '--duration',
      '3s',
      '--out',
      out,
    ]);
    assert.is(run.status, 0, run.stderr);
    assert.match(
      run.stderr,
      /mode PAPER · venue simulated \(live data from http:\/\/127\.0\.0\.1:\d+\) · account 10000\.00 USDT, 0 positions, 0 open orders · AVAXUSDT 1m · warm-up 30 candles/,
    );
    assert.match(run.stderr, /session ended: (29|30) candles/);
    const recorded = readFileSync(join(out, 'market.jsonl'), 'utf8').trim().split('\n');
    // The minute may turn between the fake's start and the session's: one candle fewer then.
    assert.ok(recorded.length === 30 || recorded.length === 29, String(recorded.length));
    assert.is((JSON.parse(recorded.at(-1) ?? '{}') as Kline).openTime, path.at(-1)?.openTime);
    assert.ok(existsSync(join(out, 'events.jsonl')));
    assert.ok(existsSync(join(out, 'session.json')));
    const compared = await runQuantum(['replay', '--compare', out]);
    assert.is(compared.status, 0, compared.stderr);
    assert.match(compared.stdout, /decisions: no divergence/);
    const missing = await runQuantum(['replay', '--compare', join(out, 'nope')]);
    assert.is(missing.status, 2);
    assert.match(missing.stderr, /session\.json: cannot read the session/);
    const replay = await runQuantum([
      'backtest',
      '--data',
      join(out, 'market.jsonl'),
      '--out',
      join(tempDir(), 'replay'),
      '--no-progress',
    ]);
    assert.is(replay.status, 0, replay.stderr);
  } finally {
    await fake.close();
  }
});

test('paper with --tape: every trade and best bid/ask the venue prints lands in trades.jsonl and quotes.jsonl', async () => {
  // Two more candles after the session starts: the venue trades them while it runs.
  const future = avaxPath(Date.UTC(2026, 1, 1, 2, 3))
    .slice(source.length, source.length + 2)
    .map((k) => ({ ...k, openTime: k.openTime + shift, ts: k.ts + shift }));
  const fake = await startAvaxFake([...path, ...future], { revealed: path.length });
  try {
    const out = join(tempDir(), 'session');
    const running = runQuantum([
      'run',
      '--mode',
      'paper',
      '--symbols',
      AVAX,
      '--base-url',
      fake.restUrl,
      '--warm-up',
      '5',
      '--duration',
      '6s',
      '--tape',
      '--out',
      out,
    ]);
    // The kline, trade and book-ticker streams are connected: the venue moves on.
    await until('the session’s streams', () => fake.connectionCount() >= 3, 30_000);
    await sleep(500);
    fake.step(2);
    const run = await running;
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stderr, /8 trades and \d+ quotes taped/);
    const lines = (file: string) =>
      readFileSync(join(out, file), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const tape = fake.venue.tape.aggTrades(AVAX, { fromId: 1, limit: 100_000 }).slice(-8);
    assert.equal(
      lines('trades.jsonl').map((t) => [t.kind, t.tradeId, t.price, t.qty, t.ts]),
      tape.map((t) => ['tick', String(t.id), t.price, t.qty, t.time]),
    );
    const quotes = lines('quotes.jsonl');
    assert.ok(quotes.length >= 1 && quotes.every((q) => q.kind === 'quote'));
    assert.is(quotes.at(-1)?.updateId, fake.venue.tape.book(AVAX)?.updateId);
  } finally {
    await fake.close();
  }
});

test('testnet: the account comes from the venue, a position left at the venue is adopted and protected, keys from a mode-600 env file never appear in any output', async () => {
  const fake = await startVenue();
  // Opened by hand before the session: a marketable LIMIT buy, no stop.
  const price = fake.venue.priceOf(AVAX);
  fake.venue.placeOrder({
    symbol: AVAX,
    side: 'BUY',
    type: 'LIMIT',
    quantity: 40,
    price: Math.round(price * 1010) / 1000,
    timeInForce: 'GTC',
    reduceOnly: false,
  });
  const entry = fake.venue.positions.get(AVAX)?.entryPrice ?? 0;
  try {
    const out = join(tempDir(), 'session');
    const run = await runQuantum(
      [
        'run',
        '--mode',
        'testnet',
        '--symbols',
        AVAX,
        '--base-url',
        fake.restUrl,
        '--env-file',
        envFile(0o600),
        '--warm-up',
        '10',
        '--duration',
        '3s',
        '--out',
        out,
      ],
      { QUANTUM_LOG_LEVEL: 'info' },
    );
    assert.is(run.status, 0, run.stderr);
    assert.match(
      run.stderr,
      /mode TESTNET · venue http:\/\/127\.0\.0\.1:\d+ · account \d+\.\d\d USDT, 1 positions, 0 open orders/,
    );
    assert.ok(run.stderr.includes(`reconciliation: adopted LONG 40 ${AVAX} @ ${entry}`), run.stderr);
    assert.match(
      run.stderr,
      /reconciliation: stop SELL 40 AVAXUSDT at [\d.]+ sent \(adopted LONG 40 AVAXUSDT had no stop at the venue: 2% beyond/,
    );
    assert.is(fake.venue.openAlgoOrders(AVAX).length, 1, 'the stop rests at the venue');
    for (const text of [
      run.stdout,
      run.stderr,
      readFileSync(join(out, 'events.jsonl'), 'utf8'),
      readFileSync(join(out, 'market.jsonl'), 'utf8'),
    ]) {
      assert.not.ok(text.includes(KEY) || text.includes(SECRET), 'a key leaked');
    }
  } finally {
    await fake.close();
  }
});

test('refusals: an env file others can read, live without --live, missing symbols, a bad mode — exit 2 with the fix', async () => {
  const loose = await runQuantum([
    'run',
    '--mode',
    'testnet',
    '--symbols',
    AVAX,
    '--env-file',
    envFile(0o644),
  ]);
  assert.is(loose.status, 2);
  assert.match(loose.stderr, /readable by others \(mode 644\); run chmod 600/);
  assert.not.ok(loose.stderr.includes(SECRET));
  const live = await runQuantum(['run', '--mode', 'live', '--symbols', AVAX]);
  assert.is(live.status, 2);
  assert.match(live.stderr, /add --live to confirm/);
  const noSymbols = await runQuantum(['run', '--mode', 'paper']);
  assert.is(noSymbols.status, 2);
  assert.match(noSymbols.stderr, /needs --symbols/);
  const mode = await runQuantum(['run', '--mode', 'papr', '--symbols', AVAX]);
  assert.is(mode.status, 2);
  assert.match(mode.stderr, /--mode: expected backtest, paper, testnet or live/);
  const keys = await runQuantum(['run', '--mode', 'testnet', '--symbols', AVAX], {
    BINANCE_API_KEY: '',
    BINANCE_API_SECRET: '',
  });
  assert.is(keys.status, 2);
  assert.match(keys.stderr, /BINANCE_API_KEY and BINANCE_API_SECRET must be set/);
});

test.run();
