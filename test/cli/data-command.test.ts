// `quantum data download` end to end: the command spawned as a user runs it (tsx, no build needed),
// pointed with --base-url at a fake Binance on 127.0.0.1 that serves the real 1h candles of
// February 2026; its folder then goes to `quantum backtest --data` unchanged.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type FakeBinance, startFakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { REPO, runQuantum } from '../cli-runner.js';
import { DOT_SPEC, LINK_SPEC } from '../fake-binance/harness.js';

const KEY = 'test-key-Qx7Lm2';
const SECRET = 'test-secret-Zp4Rn9';
/** No keys from the developer's own environment leak into a run that should have none. */
const NO_KEYS = { BINANCE_API_KEY: '', BINANCE_API_SECRET: '' };

const startFake = (): Promise<FakeBinance> =>
  startFakeBinance({
    credentials: { apiKey: KEY, secret: SECRET },
    symbols: [LINK_SPEC, DOT_SPEC],
    path: loadMarketData(join(REPO, 'examples/data/klines/um-2026-02-1h'), {
      symbols: ['LINKUSDT', 'DOTUSDT'],
    }).klinesBySymbol,
    revealed: 672,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 2,
    defaultLeverage: 20,
    fundingRate: 0.0001,
  });

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'quantum-data-cli-'));
const february = (out: string, baseUrl: string, ...more: string[]): string[] => [
  'data',
  'download',
  '--interval',
  '1h',
  '--from',
  '2026-02-01',
  '--to',
  '2026-03-01',
  '--out',
  out,
  '--base-url',
  baseUrl,
  ...more,
];

test('downloads a folder that `quantum backtest --data` runs on unchanged, with progress on stderr', async () => {
  const fake = await startFake();
  try {
    const out = freshDir();
    const run = await runQuantum(february(out, fake.restUrl, '--symbols', 'LINKUSDT,DOTUSDT'), NO_KEYS);
    assert.is(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /LINKUSDT: 672 candles in 1 file\(s\) \(672 new\), 83 new funding rate\(s\), 0 gap\(s\)/,
    );
    assert.match(run.stdout, /DOTUSDT: 672 candles in 1 file\(s\) \(672 new\)/);
    assert.match(run.stderr, /download: 100% \(1344\/1344 candles\)/);
    assert.match(run.stderr, /note: leverage brackets skipped: .*set BINANCE_API_KEY and BINANCE_API_SECRET/);
    const results = freshDir();
    const backtest = await runQuantum(['backtest', '--data', out, '--out', results, '--no-progress']);
    assert.is(backtest.status, 0, backtest.stderr);
    const report = JSON.parse(readFileSync(join(results, 'report.json'), 'utf8')) as {
      run: { symbols: string[]; fromIso: string; toIso: string };
    };
    assert.equal(report.run.symbols, ['DOTUSDT', 'LINKUSDT']);
    // Every candle of February: the first closes at 01:00, the last at midnight of March 1.
    assert.equal(
      [report.run.fromIso, report.run.toIso],
      ['2026-02-01T01:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    );
    // Nothing in the downloaded folder was refused as bad input.
    assert.is(readFileSync(join(results, 'dead-letters.jsonl'), 'utf8'), '');
  } finally {
    await fake.close();
  }
});

test('keys from the environment fetch the leverage brackets and are never printed', async () => {
  const fake = await startFake();
  try {
    const out = freshDir();
    const run = await runQuantum(february(out, fake.restUrl, '--symbols', 'DOTUSDT', '--no-funding'), {
      BINANCE_API_KEY: KEY,
      BINANCE_API_SECRET: SECRET,
    });
    assert.is(run.status, 0, run.stderr);
    assert.equal(readdirSync(join(out, 'venue-rules')).sort(), [
      'exchange-info.json',
      'leverage-brackets.json',
    ]);
    assert.not.ok(existsSync(join(out, 'DOTUSDT-fundingRate-2026-02.csv')), '--no-funding');
    for (const text of [run.stdout, run.stderr]) {
      assert.not.match(text, KEY);
      assert.not.match(text, SECRET);
    }
  } finally {
    await fake.close();
  }
});

test('a symbol the exchange does not list exits 2 naming it and the nearest listed one', async () => {
  const fake = await startFake();
  try {
    const run = await runQuantum(february(freshDir(), fake.restUrl, '--symbols', 'LNKUSDT'), NO_KEYS);
    assert.is(run.status, 2);
    assert.match(
      run.stderr,
      /^error QT_USAGE: LNKUSDT \(did you mean LINKUSDT\?\): not a symbol of Binance USDⓈ-M/,
    );
    assert.is(fake.requests.get('GET /fapi/v1/klines'), undefined);
  } finally {
    await fake.close();
  }
});

test('bad flags exit 2 with the flag and what it expects, before any request', async () => {
  const out = freshDir();
  // Nothing listens on port 1: a run that got as far as the network would fail differently.
  const base = (...more: string[]) => [
    'data',
    'download',
    '--out',
    out,
    '--base-url',
    'http://127.0.0.1:1',
    ...more,
  ];
  const runs = await Promise.all([
    runQuantum(base('--symbols', 'LINKUSDT', '--from', '2026-02-01', '--interval', '7m')),
    runQuantum(base('--symbols', 'linkusdt', '--from', '2026-02-01')),
    runQuantum(base('--symbols', 'LINKUSDT', '--from', '2026-03-01', '--to', '2026-02-01')),
    runQuantum(base('--symbols', 'LINKUSDT', '--from', 'yesterday')),
    runQuantum(base('--symbols', 'LINKUSDT', '--from', '2026-02-01', '--refresh-venue-rules')),
  ]);
  assert.equal(
    runs.map((run) => [run.status, run.stderr.trim().split('\n')[0]]),
    [
      [
        2,
        'error QT_USAGE: --interval: expected one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, got "7m"',
      ],
      [
        2,
        'error QT_USAGE: --symbols: expected comma-separated exchange ids such as BTCUSDT,ETHUSDT, got "linkusdt" ("linkusdt" is not an id; ids are upper case)',
      ],
      [2, 'error QT_USAGE: --from must be before --to (got 2026-03-01 ≥ 2026-02-01)'],
      [
        2,
        'error QT_USAGE: --from: expected a date like 2026-02-01 or 2026-02-01T12:00Z or ms since epoch, got "yesterday"',
      ],
      [
        2,
        'error QT_USAGE: --refresh-venue-rules: the bundled rules come from https://fapi.binance.com; leave out --base-url http://127.0.0.1:1',
      ],
    ],
  );
});

test.run();
