// End-to-end tests of the `quantum` command line (see cli-harness.ts): data and usage errors exit 2
// with one `error QT_…:` line that names the place and the fix, before any output is written.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  assertUserError,
  FIXTURES,
  NAN_FIXTURE,
  prestart,
  quantum,
  SMALL_CONFIG,
  tmpRoot,
} from './cli-harness.js';

/** Output folders of the runs below (made by the CLI itself, or never when the run must fail). */
const OUT = {
  strict: join(tmpRoot, 'strict'),
  relative: join(tmpRoot, 'relative'),
  nan: join(tmpRoot, 'nan', 'f.csv'),
  rsx: join(tmpRoot, 'rsx', 'f.csv'),
  ema0: join(tmpRoot, 'ema0', 'f.csv'),
  refused: join(tmpRoot, 'refused', 'report'),
};

// Data that holds no candle, each for its own reason.
const NO_SYMBOL = join(tmpRoot, 'mydata.csv');
writeFileSync(NO_SYMBOL, readFileSync(NAN_FIXTURE, 'utf8'));
const EMPTY_FOLDER = join(tmpRoot, 'empty-folder');
mkdirSync(EMPTY_FOLDER);
const HEADER_ONLY = join(tmpRoot, 'header-only');
mkdirSync(HEADER_ONLY);
writeFileSync(join(HEADER_ONLY, 'BTCUSDT-1m-2026-01.csv'), 'open_time,open,high,low,close,volume\n');
const TRADES = join(tmpRoot, 'ETHUSDT-trades-2023-02-02.csv');
writeFileSync(TRADES, 'timestamp_ms,id,side,price,amount\n1675296000123,1,buy,1640.5,0.1\n');

// A folder mixing a USDT pair with a BTC-quoted one.
const MIXED_QUOTES = join(tmpRoot, 'mixed-quotes');
mkdirSync(MIXED_QUOTES);
writeFileSync(join(MIXED_QUOTES, 'AVAXUSDT-1m-2026-02.csv'), readFileSync(NAN_FIXTURE, 'utf8'));
writeFileSync(join(MIXED_QUOTES, 'ETHBTC-1m-2026-02.csv'), readFileSync(NAN_FIXTURE, 'utf8'));

// A file where a folder is expected, for the output checks.
const A_FILE = join(tmpRoot, 'a-file');
writeFileSync(A_FILE, 'not a folder\n');

/** The commands whose runs do not depend on each other: all started at once, asserted one per test. */
const RUN = {
  noSymbol: ['backtest', '--data', NO_SYMBOL, '--no-progress', '--out', join(tmpRoot, 'no-symbol')],
  noSymbolGiven: [
    'backtest',
    '--data',
    NO_SYMBOL,
    '--symbol',
    'AVAXUSDT',
    '--no-progress',
    '--out',
    join(tmpRoot, 'symbol-given'),
  ],
  emptyFolder: ['backtest', '--data', EMPTY_FOLDER, '--no-progress'],
  mixedQuotes: ['backtest', '--data', MIXED_QUOTES, '--no-progress', '--out', join(tmpRoot, 'mixed')],
  headerOnly: ['backtest', '--data', HEADER_ONLY, '--no-progress'],
  tradesAsKlines: ['features', '--data', TRADES, '--out', join(tmpRoot, 'trades', 'f.csv')],
  missingData: ['backtest', '--data', 'no/such/klines.csv', '--out', OUT.refused, '--no-progress'],
  missingFeaturesData: ['features', '--data', 'no-such.csv', '--out', join(tmpRoot, 'f', 'x.csv')],
  missingDataPath: [
    'backtest',
    '--config',
    'test/fixtures/pipeline/missing-data-path.yaml',
    '--out',
    OUT.refused,
  ],
  outIsFile: ['backtest', '--config', SMALL_CONFIG, '--out', A_FILE, '--no-progress'],
  outUnderFile: ['backtest', '--config', SMALL_CONFIG, '--out', join(A_FILE, 'sub'), '--no-progress'],
  outInProc: ['backtest', '--config', SMALL_CONFIG, '--out', '/proc/quantum-no-such', '--no-progress'],
  featuresOutIsFolder: ['features', '--data', NAN_FIXTURE, '--policy', 'skip', '--out', tmpRoot],
  featuresOutUnderFile: [
    'features',
    '--data',
    NAN_FIXTURE,
    '--policy',
    'skip',
    '--out',
    join(A_FILE, 'f.csv'),
  ],
  strictNan: [
    'backtest',
    '--config',
    'test/fixtures/pipeline/strict-files.yaml',
    '--data',
    NAN_FIXTURE,
    '--out',
    OUT.strict,
  ],
  strictRelative: ['backtest', '--config', 'test/fixtures/pipeline/strict-files.yaml', '--out', OUT.relative],
  featuresNan: ['features', '--data', NAN_FIXTURE, '--out', OUT.nan, '--no-progress'],
  // The data file has a gap, which would also fail: the feature list must be checked first.
  featuresRsx: [
    'features',
    '--data',
    'test/fixtures/klines/AVAXUSDT-1m-gap.csv',
    '--features',
    'ema_12,rsx_14',
    '--out',
    OUT.rsx,
  ],
  featuresEma0: ['features', '--data', NAN_FIXTURE, '--features', 'ema_0', '--out', OUT.ema0],
  badFrom: ['backtest', '--from', 'yesterday'],
  badTo: ['backtest', '--to', '2026-13-45'],
  fromAfterTo: ['backtest', '--from', '2026-02-10', '--to', '2026-02-01'],
  badSeed: ['backtest', '--seed', 'abc'],
  unknownOption: ['backtest', '--frobnicate'],
} as const satisfies Record<string, readonly string[]>;
prestart(...Object.values(RUN));

// ——— data errors ———

test('backtest --data <NaN fixture> under a config with data.policy fail: exit 2 with file:line', async () => {
  assertUserError(
    await quantum(...RUN.strictNan),
    `error QT_DATA_INVALID: ${NAN_FIXTURE}:4: close is "NaN", expected a positive number`,
  );
  assert.not.ok(existsSync(OUT.strict), 'a failed run wrote a report');
});

test('a relative data.path resolves against the config file: the strict config fails in its own fixture', async () => {
  assertUserError(
    await quantum(...RUN.strictRelative),
    `${join(FIXTURES, 'klines', 'AVAXUSDT-1m-gap.csv')}:4: gap: 3 missing 1m candle(s)`,
  );
});

test('features --data <NaN fixture>: exit 2 with file:line (policy fail is the default)', async () => {
  assertUserError(await quantum(...RUN.featuresNan), `${NAN_FIXTURE}:4: close is "NaN"`);
});

// ——— usage errors ———

test('features --features rsx_14: exit 2 naming the flag entry and the name, before reading any data', async () => {
  assertUserError(await quantum(...RUN.featuresRsx), '--features[1]: unknown feature "rsx_14"; known: ema_N');
});

test('features --features ema_0: exit 2 (a period below the minimum)', async () => {
  assertUserError(
    await quantum(...RUN.featuresEma0),
    '--features[0]: "ema_0": period must be an integer ≥ 2, got "0"',
  );
});

test('backtest: bad --from, --to, --seed and --from after --to all exit 2; unknown options exit 2', async () => {
  assertUserError(await quantum(...RUN.badFrom), '--from: expected a date like 2026-02-01');
  assertUserError(await quantum(...RUN.badTo), '--to: expected a date');
  assertUserError(await quantum(...RUN.fromAfterTo), '--from must be before --to');
  assertUserError(
    await quantum(...RUN.badSeed),
    '--seed: expected an integer between -9007199254740991 and 9007199254740991, got "abc"',
  );
  const unknown = await quantum(...RUN.unknownOption);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
});

test('a data path that does not exist: exit 2 naming the flag or key and the path, before any output is written', async () => {
  assertUserError(
    await quantum(...RUN.missingData),
    'error QT_DATA_INVALID: --data no/such/klines.csv: no such file or folder',
  );
  assertUserError(
    await quantum(...RUN.missingDataPath),
    /data\.path \.\.\/no-such-folder \(resolved to .*no-such-folder\): no such file or folder/,
  );
  const features = await quantum(...RUN.missingFeaturesData);
  assertUserError(features, '--data no-such.csv: no such file or folder');
  // `features` cannot run without data: no hint to leave the flag out.
  assert.not.ok(features.stderr.includes('leave it out'), features.stderr);
  assert.not.ok(existsSync(OUT.refused), 'a refused run writes nothing');
});

test('an output folder that cannot take the report: exit 2 at once, naming --out and why', async () => {
  assertUserError(await quantum(...RUN.outIsFile), `--out ${A_FILE}: ${A_FILE} is a file, not a folder`);
  assertUserError(
    await quantum(...RUN.outUnderFile),
    `--out ${join(A_FILE, 'sub')}: ${A_FILE} is a file, not a folder`,
  );
  // A recursive mkdir spun for minutes here; now one level at a time, refused at once.
  assertUserError(
    await quantum(...RUN.outInProc),
    '--out /proc/quantum-no-such: cannot create /proc/quantum-no-such',
  );
  assertUserError(
    await quantum(...RUN.featuresOutIsFolder),
    `--out ${tmpRoot}: is a folder; name the file to write`,
  );
  assertUserError(
    await quantum(...RUN.featuresOutUnderFile),
    `--out ${join(A_FILE, 'f.csv')}: ${A_FILE} is a file, not a folder`,
  );
});

test('data that holds no candle says why, per file, and points at the real fix', async () => {
  assertUserError(
    await quantum(...RUN.noSymbol),
    'needs --symbol (data.symbol), or a name like AVAXUSDT-1m-2026-02.csv',
  );
  const given = await quantum(...RUN.noSymbolGiven);
  assert.is(given.status, 0, given.stderr);
  assert.match(given.stdout, /AVAXUSDT/);
  assertUserError(
    await quantum(...RUN.emptyFolder),
    `${EMPTY_FOLDER}: no .csv, .json or .jsonl data files there`,
  );
  const headerOnly = await quantum(...RUN.headerOnly);
  assertUserError(headerOnly, 'no candles (empty, a header only, or none inside the window)');
  assert.not.ok(headerOnly.stderr.includes('check --from/--to'), 'not the window: the file has no candle');
  // A BTC-quoted pair would be valued as if its prices were USDT.
  assertUserError(
    await quantum(...RUN.mixedQuotes),
    'ETHBTC (quoted in BTC) is not quoted in USDT; positions, fees and PnL are valued in USDT',
  );
  // features used to write "0 rows" and exit 0 for a trades file.
  assertUserError(
    await quantum(...RUN.tradesAsKlines),
    'not a kline CSV (header timestamp_ms,id,side,price,amount)',
  );
});

test.run();
