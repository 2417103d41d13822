import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import {
  loadFakeScenario,
  parseFakeScenario,
  scenarioOptions,
} from '../../src/fake-binance/fake-scenario.js';
import { CLI, REPO, runQuantum } from '../cli-runner.js';
import { get, signed } from './harness.js';

// `quantum fake-binance`: the scenario file (validated, errors naming the key; filters from the
// scenario, the venue rules or the data) and the command as a user runs it — one start-up line,
// Binance's API and the control API on the port it was given, a clean stop on SIGTERM.

const KLINES = join(REPO, 'examples', 'data', 'klines', 'um-2026-02-1h');
const ENV = { QUANTUM_FAKE_BINANCE_KEY: 'cli-key', QUANTUM_FAKE_BINANCE_SECRET: 'cli-secret-value' };

const scenarioFile = (yaml: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-binance-'));
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, yaml);
  return file;
};

/** The message of what `act` throws. */
const messageOf = (act: () => unknown): string => {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });

test('a scenario names each bad key: wrong types, unknown keys, a fault entry without `at`', () => {
  const message = messageOf(() =>
    parseFakeScenario(
      { stepMs: -5, wallet: 10, faults: [{ at: 3, ackDelay: 5 }, { ackDelayMs: 5 }] },
      'bad.yaml',
    ),
  );
  assert.match(message, /^bad\.yaml: invalid fake-binance scenario/);
  assert.match(message, /stepMs: expected an integer ≥ 0/);
  assert.match(message, /wallet: unknown key/);
  assert.match(message, /faults\[0\]\.ackDelay: unknown key/);
  assert.match(message, /faults\[1\]\.at: expected/);
});

test('filters come from the scenario first, then the venue rules (the bundled Binance snapshot), and symbols outside the data are named', () => {
  const scenario = parseFakeScenario(
    { data: KLINES, symbols: ['LINKUSDT', { symbol: 'DOTUSDT', minNotional: 7 }], revealed: 10 },
    's.yaml',
  );
  const loaded = scenarioOptions(scenario, REPO);
  const [dot, link] = loaded.options.symbols;
  assert.equal(
    {
      symbol: link.symbol,
      tick: link.tickSize,
      step: link.stepSize,
      minNotional: link.minNotional,
      maxLeverage: link.maxLeverage,
    },
    { symbol: 'LINKUSDT', tick: 0.001, step: 0.01, minNotional: 5, maxLeverage: 75 },
  );
  assert.equal({ step: dot.stepSize, minNotional: dot.minNotional }, { step: 0.1, minNotional: 7 });
  assert.is(loaded.options.brackets?.get('LINKUSDT')?.[0].initialLeverage, 75);
  assert.match(loaded.filtersSource, /data\/binance-usdm/);
  const unknown = messageOf(() =>
    scenarioOptions(parseFakeScenario({ data: KLINES, symbols: ['LINKUSDT', 'XYZUSDT'] }, 's.yaml'), REPO),
  );
  assert.match(unknown, /^symbols\[1\]: XYZUSDT is not in .*um-2026-02-1h; it has LINKUSDT/);
  const everything = messageOf(() =>
    scenarioOptions(
      parseFakeScenario({ data: KLINES, symbols: ['LINKUSDT'], revealed: 672 }, 's.yaml'),
      REPO,
    ),
  );
  assert.match(everything, /^revealed: 672 reveals the whole path \(672 candles\)/);
});

test('without venue rules for a symbol its filters are read off the candles; a venue-rules folder that is not there is an error naming the file', () => {
  const rules = mkdtempSync(join(tmpdir(), 'venue-rules-'));
  writeFileSync(join(rules, 'exchange-info.json'), JSON.stringify({ symbols: [] }));
  writeFileSync(join(rules, 'leverage-brackets.json'), '[]');
  const loaded = scenarioOptions(
    parseFakeScenario({ data: KLINES, symbols: ['LINKUSDT'], venueRules: rules, revealed: 10 }, 's.yaml'),
    REPO,
  );
  const [link] = loaded.options.symbols;
  // Prices such as 9.801: three decimals; about 10 USDT a LINK: a step of 0.1 is worth at most 10 USDT.
  assert.equal(
    { tick: link.tickSize, step: link.stepSize, minNotional: link.minNotional },
    { tick: 0.001, step: 0.1, minNotional: 5 },
  );
  assert.match(loaded.filtersSource, /the scenario and the data/);
  try {
    scenarioOptions(parseFakeScenario({ data: KLINES, venueRules: join(rules, 'missing') }, 's.yaml'), REPO);
    assert.unreachable('a missing venue-rules folder must fail');
  } catch (error) {
    assert.ok(error instanceof DataError, String(error));
    assert.match((error as Error).message, /missing\/exchange-info\.json: cannot read venue rules/);
  }
});

test('the default scenario is the seeded synthetic market with its three symbols and a schedule-free venue', () => {
  const loaded = loadFakeScenario(undefined);
  assert.equal([...loaded.options.path.keys()], ['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  assert.is(loaded.pathSource, 'synthetic market (seed 42)');
  assert.equal(loaded.options.faultSchedule, []);
  assert.is(loaded.options.symbols[0].tickSize, 0.1);
});

test('quantum fake-binance without the key pair in the environment exits 2 naming both variables', async () => {
  const run = await runQuantum(['fake-binance', '--port', '0'], {
    QUANTUM_FAKE_BINANCE_KEY: '',
    QUANTUM_FAKE_BINANCE_SECRET: '',
  });
  assert.is(run.status, 2);
  assert.match(run.stderr, /QUANTUM_FAKE_BINANCE_KEY and QUANTUM_FAKE_BINANCE_SECRET not set/);
});

test('quantum fake-binance with a bad scenario exits 2 naming the file and the key', async () => {
  const file = scenarioFile('revealed: many\nfaults:\n  - { at: 3, dropConections: true }\n');
  const run = await runQuantum(['fake-binance', '--port', '0', '--scenario', file], ENV);
  assert.is(run.status, 2);
  assert.match(run.stderr, /scenario\.yaml: invalid fake-binance scenario/);
  assert.match(run.stderr, /revealed: expected an integer/);
  assert.match(run.stderr, /faults\[0\]\.dropConections: unknown key/);
});

test('quantum fake-binance serves a scenario on the given port: one start-up line, signed Binance requests with the env key pair, the control API and its fault schedule; SIGTERM stops it', async () => {
  const port = await freePort();
  const file = scenarioFile(
    `data: ${KLINES}\nsymbols: [LINKUSDT]\nrevealed: 30\nfaults:\n  - { at: 31, ackDelayMs: 100 }\n`,
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'fake-binance', '--port', String(port), '--scenario', file],
    {
      cwd: REPO,
      env: { ...process.env, ...ENV, FORCE_COLOR: '0' },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const started = Date.now();
    while (!stdout.includes('\n')) {
      if (Date.now() - started > 60_000 || child.exitCode !== null)
        throw new Error(`no start-up line; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const restUrl = `http://127.0.0.1:${port}`;
    assert.is(stdout.split('\n').length, 2, 'one line');
    assert.match(stdout, `fake Binance USDⓈ-M on ${restUrl} (websockets ws://127.0.0.1:${port}`);
    assert.match(stdout, `createBinanceClient({ baseUrl: '${restUrl}' })`);
    assert.match(stdout, /1 symbol\(s\) LINKUSDT .* 30 candles revealed, 642 to go, stepped on demand/);
    assert.not.match(stdout, /cli-secret-value|cli-key/);
    const server = { restUrl };
    const balance = await signed(
      server,
      'GET',
      '/fapi/v2/balance',
      {},
      { apiKey: ENV.QUANTUM_FAKE_BINANCE_KEY, secret: ENV.QUANTUM_FAKE_BINANCE_SECRET },
    );
    assert.is((balance.body as { balance: string }[])[0].balance, '10000.00000000');
    const stepped = await fetch(`${restUrl}/fake/step?n=2`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': ENV.QUANTUM_FAKE_BINANCE_KEY },
    });
    const step = (await stepped.json()) as { moved: number; revealed: number; remaining: number };
    assert.equal(
      { moved: step.moved, revealed: step.revealed, remaining: step.remaining },
      { moved: 2, revealed: 32, remaining: 640 },
    );
    const ledger = (await get(server, '/fake/ledger')).body as { faults: { ackDelayMs: number } };
    assert.is(ledger.faults.ackDelayMs, 100, 'the schedule applied at candle 31');
  } finally {
    child.kill('SIGTERM');
  }
  assert.is(await exited, 0);
});

test.run();
