// `downloadBinanceData` resuming what an earlier run left, against the fake Binance server (see
// binance-download-harness.ts): a run killed mid-line or mid-head, a rerun over complete files, a
// wider or later window, a candle still open at "now" — each rerun neither repeats nor skips a candle.
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
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
  startVenue,
} from './binance-download-harness.js';

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

test.run();
