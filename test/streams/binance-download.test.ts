// `downloadBinanceData` against the fake Binance server on 127.0.0.1 moved along the real 1h
// candles of February 2026 (examples/data): what comes back is what the exchange has, 429s are
// waited out without a 418, the venue rules are written, and the files load as backtest data.
// Resuming what an earlier run left is in binance-download-resume.test.ts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/domain/index.js';
import { loadVenueRules } from '../../src/exchange/venue-rules.js';
import { KLINE_CSV_HEADER } from '../../src/streams/binance-download.js';
import { readFundingCsv } from '../../src/streams/funding-csv.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { assertRejects } from '../requirements.js';
import {
  asDownloaded,
  DAY_MS,
  download,
  FEB,
  filesOf,
  freshDir,
  HOUR_MS,
  klineRequests,
  MAR,
  source,
  startVenue,
} from './binance-download-harness.js';

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
    // The candle gap, and the funding hole it made: the fake venue settles funding on its candles,
    // so the lost candles took the 08:00 settlement with them — reported, not silently uncharged.
    assert.equal(
      back.issues.map((issue) => issue.kind),
      ['gap', 'gap'],
    );
    assert.match(
      back.issues[1].message,
      /LINKUSDT: no funding settlement between 2026-02-05T00:00:00.000Z and 2026-02-05T16:00:00.000Z/,
    );
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
