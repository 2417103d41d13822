// `downloadBinanceData` against the fake Binance server on 127.0.0.1 moved along the real 1h
// candles of February 2026 (examples/data): what comes back is what the exchange has, a rerun
// resumes exactly, 429s are waited out without a 418, and the files load as backtest data.
import { existsSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Kline, UsageError } from '../../src/domain/index.js';
import { type BinanceClient, createBinanceClient } from '../../src/exchange/binance-client.js';
import { loadVenueRules } from '../../src/exchange/venue-rules.js';
import { type FakeBinance, startFakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import {
  type BinanceDownloadOptions,
  type BinanceDownloadReport,
  downloadBinanceData,
  KLINE_CSV_HEADER,
} from '../../src/streams/binance-download.js';
import { attachFunding, readFundingCsv } from '../../src/streams/funding-csv.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { assertRejects } from '../requirements.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HOUR_1_DATA = join(REPO, 'examples', 'data', 'klines', 'um-2026-02-1h');
const FEB = Date.parse('2026-02-01T00:00:00Z');
const MAR = Date.parse('2026-03-01T00:00:00Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CREDENTIALS = { apiKey: 'k', secret: 's' };

/** The real candles, each carrying a funding rate that differs candle to candle (so funding rows are told apart). */
const source = (): Map<string, Kline[]> => {
  const data = loadMarketData(HOUR_1_DATA, { symbols: ['LINKUSDT', 'DOTUSDT'], policy: 'fail' });
  for (const [symbol, klines] of data.klinesBySymbol) {
    data.klinesBySymbol.set(
      symbol,
      klines.map((k, i) => ({ ...k, fundingRate: ((i % 13) - 6) * 1e-5 })),
    );
  }
  return data.klinesBySymbol;
};

/** The same candles without funding rates (a kline CSV has no funding column). */
const withoutFunding = (klines: readonly Kline[]): Kline[] =>
  klines.map(({ fundingRate: _rate, ...kline }) => kline as Kline);

/**
 * The candles as the downloaded folder reads back: the funding CSV beside the klines puts each
 * rate the venue settled (8 decimals, as Binance sends it) on the candle holding its instant —
 * up to, not including, the end of the download (Binance stamps a settlement a few ms after the
 * hour, in the candle after the last one).
 */
const asDownloaded = (klines: readonly Kline[], venue: Venue): Kline[] =>
  attachFunding(
    withoutFunding(klines),
    venue.fake.venue.funding
      .filter((f) => f.symbol === klines[0]?.symbol && f.fundingTime < (klines.at(-1)?.ts ?? 0))
      .map((f) => ({ ts: f.fundingTime, rate: Number(f.fundingRate.toFixed(8)) })),
  );

interface Venue {
  readonly fake: FakeBinance;
  readonly path: Map<string, Kline[]>;
  readonly client: BinanceClient;
  /** Moves the fake server's wall clock (rate-limit windows) as a test's `sleep` waits. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly slept: number[];
  close(): Promise<void>;
}

/** A fake Binance serving `path` (`revealed` candles of it) and a ccxt client pointed at it. */
const startVenue = async (
  options: { revealed?: number; weightLimit?: number; keys?: boolean; path?: Map<string, Kline[]> } = {},
): Promise<Venue> => {
  const path = options.path ?? source();
  let shiftMs = 0;
  const slept: number[] = [];
  const fake = await startFakeBinance({
    credentials: CREDENTIALS,
    symbols: [
      {
        symbol: 'LINKUSDT',
        baseAsset: 'LINK',
        tickSize: 0.001,
        stepSize: 0.01,
        minQty: 0.01,
        maxQty: 1e6,
        minNotional: 5,
      },
      {
        symbol: 'DOTUSDT',
        baseAsset: 'DOT',
        tickSize: 0.001,
        stepSize: 0.1,
        minQty: 0.1,
        maxQty: 1e6,
        minNotional: 5,
      },
    ],
    path,
    revealed: options.revealed ?? 672,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 2,
    defaultLeverage: 20,
    fundingRate: 0.0001,
    weightLimit: options.weightLimit,
    wallClock: () => Date.now() + shiftMs,
  });
  const client = createBinanceClient({
    baseUrl: fake.restUrl,
    ...(options.keys === false ? {} : CREDENTIALS),
  });
  return {
    fake,
    path,
    client,
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      shiftMs += ms;
    },
    close: async () => {
      await client.close();
      await fake.close();
    },
  };
};

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'quantum-download-'));

/** Downloads February's 1h candles of both symbols, 100 per request, unless `overrides` say otherwise. */
const download = (
  venue: Venue,
  outDir: string,
  overrides: Partial<BinanceDownloadOptions> = {},
): Promise<BinanceDownloadReport> =>
  downloadBinanceData({
    client: venue.client,
    symbols: ['LINKUSDT', 'DOTUSDT'],
    interval: '1h',
    from: FEB,
    to: MAR,
    outDir,
    klinesPageLimit: 100,
    sleep: venue.sleep,
    ...overrides,
  });

const klineRequests = (venue: Venue): number => venue.fake.requests.get('GET /fapi/v1/klines') ?? 0;
const filesOf = (dir: string): string[] => readdirSync(dir).sort();

test('downloads exactly the candles the exchange has, one data.binance.vision CSV per symbol and month', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    const report = await download(venue, out);
    const back = loadMarketData(out, { policy: 'fail' });
    assert.equal(back.issues, []);
    assert.equal([...back.klinesBySymbol.keys()], ['DOTUSDT', 'LINKUSDT']);
    for (const symbol of ['DOTUSDT', 'LINKUSDT'])
      assert.equal(
        back.klinesBySymbol.get(symbol),
        asDownloaded(venue.path.get(symbol) ?? [], venue),
        symbol,
      );
    assert.equal(filesOf(out), [
      'DOTUSDT-1h-2026-02.csv',
      'DOTUSDT-fundingRate-2026-02.csv',
      'LINKUSDT-1h-2026-02.csv',
      'LINKUSDT-fundingRate-2026-02.csv',
      'venue-rules',
    ]);
    assert.is(readFileSync(join(out, 'LINKUSDT-1h-2026-02.csv'), 'utf8').split('\n')[0], KLINE_CSV_HEADER);
    // 672 candles at 100 a request: 7 requests per symbol.
    assert.is(klineRequests(venue), 14);
    assert.equal(
      report.symbols.map((s) => [s.symbol, s.candlesAdded, s.candlesInFiles, s.gaps.length]),
      [
        ['LINKUSDT', 672, 672, 0],
        ['DOTUSDT', 672, 672, 0],
      ],
    );
    assert.equal(report.notes, []);
  } finally {
    await venue.close();
  }
});

test('funding rates land in a funding CSV that the funding reader takes, equal to the exchange history', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    await download(venue, out);
    for (const symbol of ['LINKUSDT', 'DOTUSDT']) {
      const read = readFundingCsv(join(out, `${symbol}-fundingRate-2026-02.csv`), { policy: 'fail' });
      const expected = venue.fake.venue.funding
        .filter((f) => f.symbol === symbol && f.fundingTime >= FEB && f.fundingTime < MAR)
        .map((f) => ({ ts: f.fundingTime, rate: Number(f.fundingRate.toFixed(8)) }));
      assert.is(expected.length, 83, 'every 8 h from Feb 1 08:00 to Feb 28 16:00');
      assert.equal(read.rates, expected, symbol);
      assert.equal(read.issues, []);
    }
    const firstRows = readFileSync(join(out, 'LINKUSDT-fundingRate-2026-02.csv'), 'utf8')
      .split('\n')
      .slice(0, 2);
    assert.equal(firstRows, [
      'calc_time,funding_interval_hours,last_funding_rate',
      '1769932800000,8,0.00001000',
    ]);
  } finally {
    await venue.close();
  }
});

test('a run killed mid-line resumes after the last whole candle: same bytes, only the missing pages asked', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    await download(venue, out);
    const file = join(out, 'LINKUSDT-1h-2026-02.csv');
    const complete = readFileSync(file, 'utf8');
    // Cut inside the line of candle 450 (0-based), as a kill during a plain append would.
    const lines = complete.split('\n');
    const cutAt = lines.slice(0, 451).join('\n').length + 1 + 17;
    truncateSync(file, cutAt);
    const before = klineRequests(venue);
    const report = await download(venue, out);
    assert.is(readFileSync(file, 'utf8'), complete);
    // 450 whole candles kept: 222 left at 100 a request = 3 requests; DOTUSDT is complete: none.
    assert.is(klineRequests(venue) - before, 3);
    assert.equal(
      report.symbols.map((s) => [s.symbol, s.candlesAdded, s.candlesInFiles]),
      [
        ['LINKUSDT', 222, 672],
        ['DOTUSDT', 0, 672],
      ],
    );
    assert.is(report.notes.length, 1);
    assert.match(report.notes[0], /LINKUSDT-1h-2026-02\.csv: cut a torn last line \(17 bytes\)/);
    assert.not.ok(filesOf(out).some((name) => name.endsWith('.partial')));
  } finally {
    await venue.close();
  }
});

test('a rerun over complete files asks for no candle and changes no byte', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    await download(venue, out);
    const bytes = filesOf(out)
      .filter((name) => name.endsWith('.csv'))
      .map((name) => readFileSync(join(out, name), 'utf8'));
    const before = klineRequests(venue);
    const report = await download(venue, out);
    assert.is(klineRequests(venue) - before, 0);
    assert.equal(
      filesOf(out)
        .filter((name) => name.endsWith('.csv'))
        .map((name) => readFileSync(join(out, name), 'utf8')),
      bytes,
    );
    assert.equal(
      report.symbols.map((s) => s.candlesAdded + s.fundingAdded),
      [0, 0],
    );
  } finally {
    await venue.close();
  }
});

test('an earlier --from inside a month fetches only the missing head and puts it before the kept rows', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    await download(venue, out, { symbols: ['LINKUSDT'], from: FEB + 9 * DAY_MS });
    const before = klineRequests(venue);
    await download(venue, out, { symbols: ['LINKUSDT'] });
    // Feb 1 – Feb 10: 216 candles at 100 a request.
    assert.is(klineRequests(venue) - before, 3);
    const back = loadMarketData(out, { policy: 'fail' });
    assert.equal(back.klinesBySymbol.get('LINKUSDT'), asDownloaded(venue.path.get('LINKUSDT') ?? [], venue));
    const funding = readFundingCsv(join(out, 'LINKUSDT-fundingRate-2026-02.csv'), { policy: 'fail' });
    assert.is(funding.rates.length, 83);
  } finally {
    await venue.close();
  }
});

test('a later window in a month already begun fills the stretch between, so a file never has a hole', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    await download(venue, out, { symbols: ['LINKUSDT'], to: FEB + 5 * DAY_MS });
    const report = await download(venue, out, { symbols: ['LINKUSDT'], from: FEB + 20 * DAY_MS });
    assert.is(report.symbols[0].candlesAdded, 672 - 5 * 24);
    const back = loadMarketData(out, { policy: 'fail' });
    assert.equal(back.klinesBySymbol.get('LINKUSDT'), asDownloaded(venue.path.get('LINKUSDT') ?? [], venue));
  } finally {
    await venue.close();
  }
});

test('a run killed while fetching a head leaves the file as it was (no hole), and the rerun fetches the whole head', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    const file = join(out, 'LINKUSDT-1h-2026-02.csv');
    await download(venue, out, { symbols: ['LINKUSDT'], from: FEB + 9 * DAY_MS });
    const tail = readFileSync(file, 'utf8');
    // The second request of the head dies (a kill, a lost connection that outlived the retries).
    const klines = venue.client.fapiPublicGetKlines.bind(venue.client);
    let calls = 0;
    venue.client.fapiPublicGetKlines = async (params?: object) => {
      if (++calls === 2) throw new Error('connection reset by the test');
      return klines(params);
    };
    await assertRejects(download(venue, out, { symbols: ['LINKUSDT'] }), {
      code: 'QT_EXCHANGE_REFUSED',
      message: /connection reset by the test/,
    });
    assert.is(readFileSync(file, 'utf8'), tail);
    venue.client.fapiPublicGetKlines = klines;
    await download(venue, out, { symbols: ['LINKUSDT'] });
    const back = loadMarketData(out, { policy: 'fail' });
    assert.equal(back.klinesBySymbol.get('LINKUSDT'), asDownloaded(venue.path.get('LINKUSDT') ?? [], venue));
  } finally {
    await venue.close();
  }
});

test('a window across a month boundary lands in two files, split at the first candle of the month', async () => {
  // The same real candles, moved 14 days earlier: Jan 18 – Feb 15.
  const shifted = new Map(
    [...source()].map(([symbol, klines]) => [
      symbol,
      klines.map((k) => ({ ...k, openTime: k.openTime - 14 * DAY_MS, ts: k.ts - 14 * DAY_MS })),
    ]),
  );
  const venue = await startVenue({ path: shifted });
  try {
    const out = freshDir();
    await download(venue, out, { symbols: ['DOTUSDT'], from: FEB - 14 * DAY_MS, to: MAR - 14 * DAY_MS });
    assert.equal(filesOf(out), [
      'DOTUSDT-1h-2026-01.csv',
      'DOTUSDT-1h-2026-02.csv',
      'DOTUSDT-fundingRate-2026-01.csv',
      'DOTUSDT-fundingRate-2026-02.csv',
      'venue-rules',
    ]);
    const january = loadMarketData(join(out, 'DOTUSDT-1h-2026-01.csv'), { policy: 'fail' });
    const klines = january.klinesBySymbol.get('DOTUSDT') ?? [];
    assert.is(klines.length, 14 * 24);
    assert.is(klines[klines.length - 1].ts, FEB);
    const back = loadMarketData(out, { policy: 'fail' });
    assert.equal(back.klinesBySymbol.get('DOTUSDT'), asDownloaded(shifted.get('DOTUSDT') ?? [], venue));
    assert.equal(back.issues, []);
  } finally {
    await venue.close();
  }
});

test('candles the exchange does not have are reported as gaps and left out, never invented', async () => {
  const path = source();
  const link = path.get('LINKUSDT') ?? [];
  // The exchange lost 5 candles (index 100 … 104).
  path.set('LINKUSDT', [...link.slice(0, 100), ...link.slice(105)]);
  const venue = await startVenue({ path });
  try {
    const out = freshDir();
    // From Jan 31 20:00: the exchange has nothing before Feb 1.
    const report = await download(venue, out, { symbols: ['LINKUSDT'], from: FEB - 4 * HOUR_MS });
    assert.equal(report.symbols[0].gaps, [
      { symbol: 'LINKUSDT', fromOpenTime: FEB - 4 * HOUR_MS, toOpenTime: FEB - HOUR_MS, candles: 4 },
      { symbol: 'LINKUSDT', fromOpenTime: link[100].openTime, toOpenTime: link[104].openTime, candles: 5 },
    ]);
    assert.is(report.symbols[0].candlesInFiles, 667);
    // The January file is not made up: nothing there.
    assert.not.ok(existsSync(join(out, 'LINKUSDT-1h-2026-01.csv')));
    const back = loadMarketData(out, { policy: 'skip' });
    assert.equal(back.klinesBySymbol.get('LINKUSDT'), asDownloaded(path.get('LINKUSDT') ?? [], venue));
    assert.equal(
      back.issues.map((issue) => issue.kind),
      ['gap'],
    );
  } finally {
    await venue.close();
  }
});

test('only closed candles: one still open at "now" is left for the next run, which continues after it', async () => {
  const venue = await startVenue({ revealed: 300 });
  try {
    const out = freshDir();
    const link = venue.path.get('LINKUSDT') ?? [];
    // Now is half-way through candle 200.
    await download(venue, out, { symbols: ['LINKUSDT'], nowMs: link[200].openTime + HOUR_MS / 2 });
    const first = loadMarketData(out, { policy: 'fail' }).klinesBySymbol.get('LINKUSDT') ?? [];
    assert.is(first.length, 200);
    // The server's clock (default "now") is past February, but it only has revealed 300 candles so far.
    await download(venue, out, { symbols: ['LINKUSDT'] });
    assert.is((loadMarketData(out, { policy: 'fail' }).klinesBySymbol.get('LINKUSDT') ?? []).length, 300);
    venue.fake.step(372);
    const before = klineRequests(venue);
    await download(venue, out, { symbols: ['LINKUSDT'] });
    assert.is(klineRequests(venue) - before, 4, '372 new candles at 100 a request');
    const back = loadMarketData(out, { policy: 'fail' });
    assert.equal(back.klinesBySymbol.get('LINKUSDT'), asDownloaded(link, venue));
  } finally {
    await venue.close();
  }
});

test('429s slow the download down (Retry-After waited) but it completes, and no request is ever banned with 418', async () => {
  // klines at 100 a request weigh 2: a 10-weight minute takes 4 or 5 requests, so this run meets 429 several times.
  const venue = await startVenue({ weightLimit: 10, keys: false });
  try {
    const out = freshDir();
    const report = await download(venue, out);
    const refused = venue.fake.weights.refused;
    assert.ok(refused.tooMany >= 2, `expected 429s, got ${refused.tooMany}`);
    assert.is(refused.banned, 0);
    assert.is(report.rateLimitWaits, refused.tooMany);
    assert.ok(venue.slept.length === refused.tooMany && venue.slept.every((ms) => ms > 0 && ms <= 60_000));
    const back = loadMarketData(out, { policy: 'fail' });
    for (const symbol of ['DOTUSDT', 'LINKUSDT'])
      assert.equal(
        back.klinesBySymbol.get(symbol),
        asDownloaded(venue.path.get(symbol) ?? [], venue),
        symbol,
      );
  } finally {
    await venue.close();
  }
});

test('a symbol the exchange does not list stops the run before any candle request, naming it and the nearest', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    await assertRejects(download(venue, out, { symbols: ['LINKUSDT', 'LNKUSDT'] }), {
      type: UsageError,
      code: 'QT_USAGE',
      message: new RegExp(
        `^LNKUSDT \\(did you mean LINKUSDT\\?\\): not a symbol of Binance USDⓈ-M at ${venue.fake.restUrl} \\(its exchangeInfo lists 2\\)`,
      ),
    });
    assert.is(klineRequests(venue), 0);
    assert.not.ok(filesOf(out).some((name) => name.endsWith('.csv')));
  } finally {
    await venue.close();
  }
});

test('venue rules: exchangeInfo and, with keys, the leverage brackets in their REST shapes; extra folders get copies', async () => {
  const venue = await startVenue();
  try {
    const out = freshDir();
    const bundled = freshDir();
    const report = await download(venue, out, { extraVenueRulesDirs: [bundled] });
    const info = JSON.parse(readFileSync(join(out, 'venue-rules', 'exchange-info.json'), 'utf8')) as {
      symbols: { symbol: string; filters: { filterType: string }[] }[];
    };
    assert.equal(info.symbols.map((s) => s.symbol).sort(), ['DOTUSDT', 'LINKUSDT']);
    assert.ok(info.symbols[0].filters.some((f) => f.filterType === 'PRICE_FILTER'));
    const brackets = JSON.parse(readFileSync(join(out, 'venue-rules', 'leverage-brackets.json'), 'utf8')) as {
      symbol: string;
      brackets: { initialLeverage: number }[];
    }[];
    assert.equal(brackets.map((b) => b.symbol).sort(), ['DOTUSDT', 'LINKUSDT']);
    assert.is(brackets[0].brackets[0].initialLeverage, 125);
    for (const name of ['exchange-info.json', 'leverage-brackets.json'])
      assert.is(
        readFileSync(join(bundled, name), 'utf8'),
        readFileSync(join(out, 'venue-rules', name), 'utf8'),
        name,
      );
    assert.is(report.venueFiles.length, 4);
    // The engine's own venue-rules loader reads the folder as it is.
    const rules = loadVenueRules(join(out, 'venue-rules'));
    assert.equal(rules.symbols.slice().sort(), ['DOTUSDT', 'LINKUSDT']);
    const link = rules.filtersOf('LINKUSDT');
    assert.equal(
      [link?.tickSize, link?.stepSize, link?.minNotionalUsdt, link?.maxLeverage],
      [0.001, 0.01, 5, 125],
    );
  } finally {
    await venue.close();
  }
});

test('without keys the signed leverage brackets are skipped with a note, the rest is downloaded', async () => {
  const venue = await startVenue({ keys: false });
  try {
    const out = freshDir();
    const bundled = freshDir();
    writeFileSync(join(bundled, 'leverage-brackets.json'), '[]\n');
    const report = await download(venue, out, { symbols: ['DOTUSDT'], extraVenueRulesDirs: [bundled] });
    assert.equal(report.notes, [
      'leverage brackets skipped: GET /fapi/v1/leverageBracket is a signed endpoint; set BINANCE_API_KEY and BINANCE_API_SECRET (a read-only key is enough)',
    ]);
    assert.is(venue.fake.requests.get('GET /fapi/v1/leverageBracket'), undefined);
    assert.equal(filesOf(join(out, 'venue-rules')), ['exchange-info.json']);
    // The bundled brackets stay as they were.
    assert.is(readFileSync(join(bundled, 'leverage-brackets.json'), 'utf8'), '[]\n');
    assert.is(report.symbols[0].candlesInFiles, 672);
  } finally {
    await venue.close();
  }
});

test.run();
