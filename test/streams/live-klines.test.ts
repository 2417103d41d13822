import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { liveKlines } from '../../src/streams/live-klines.js';
import { AVAX, AVAX_SPEC, avaxPath, startAvaxFake, startLinkFake, until } from '../fake-binance/harness.js';

// The live kline feed against the fake Binance server (127.0.0.1) replaying real AVAXUSDT 1m
// candles: closed candles in order, none missing and none twice, across a dropped websocket.

const path = avaxPath(Date.UTC(2026, 1, 1, 2));
const startVenue = (): Promise<FakeBinance> => startAvaxFake(path, { revealed: 10 });

const comparable = (k: Kline): string => `${k.openTime} ${k.open} ${k.high} ${k.low} ${k.close} ${k.volume}`;

/** The live AVAXUSDT 1m feed from the fake venue, resumed after the candle opening at `afterOpenTime`. */
const feed = (fake: FakeBinance, afterOpenTime: number) => {
  const client = createBinanceClient({ baseUrl: fake.restUrl });
  const seen: Kline[] = [];
  const warnings: string[] = [];
  const subscription = liveKlines({
    client,
    symbols: [AVAX],
    interval: '1m',
    // The fake venue's clock is its path's time.
    now: () => fake.venue.time(),
    after: new Map([[AVAX, afterOpenTime]]),
    reconnectDelayMs: 50,
    onWarning: (w) => warnings.push(w),
  }).subscribe((k) => seen.push(k));
  return { client, seen, warnings, subscription };
};

/** Runs `body` on the feed, then unsubscribes and closes the client and the venue, whatever happened. */
const withFeed = async (
  fake: FakeBinance,
  afterOpenTime: number,
  body: (feed: { seen: Kline[]; warnings: string[] }) => Promise<void>,
): Promise<void> => {
  const { client, seen, warnings, subscription } = feed(fake, afterOpenTime);
  try {
    await body({ seen, warnings });
  } finally {
    subscription.unsubscribe();
    await client.close().catch(() => undefined);
    await fake.close();
  }
};

/** Moves the venue on one candle at a time, waiting for each to arrive (`seen` holds `before` already). */
const stepCandles = async (fake: FakeBinance, seen: Kline[], count: number, before = 0): Promise<void> => {
  for (let i = before + 1; i <= before + count; i++) {
    fake.step(1);
    await until(`candle ${i}`, () => seen.length === i);
  }
};

test('closed candles arrive in order; a 3-minute websocket outage is backfilled with no gap and no duplicate', async () => {
  const fake = await startVenue();
  // Resume after the last revealed candle.
  await withFeed(fake, path[9].openTime, async ({ seen, warnings }) => {
    // Wait for the stream to be subscribed, then move the path.
    await until('kline subscription', () => (fake.requests.get('GET /fapi/v1/exchangeInfo') ?? 0) > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stepCandles(fake, seen, 3);
    // The market connection drops and three candles (three minutes of 1m candles) close before
    // the client is back: nobody receives them on the stream.
    fake.dropConnections(true);
    fake.step(3);
    await until('backfill after reconnect', () => seen.length === 6);
    // Back on the stream (connected and subscribed) before the path moves on.
    await until('reconnected', () => fake.connectionCount() > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    fake.step(2);
    await until('live again', () => seen.length === 8);
    assert.equal(seen.map(comparable), path.slice(10, 18).map(comparable));
    assert.ok(
      warnings.some((w) => /kline stream AVAXUSDT/.test(w)),
      'the outage is reported',
    );
  });
});

test('a symbol Binance settles every 4 h: the candle that closes at 04:00 carries the rate settled then', async () => {
  const fundingPath = avaxPath(Date.UTC(2026, 1, 1, 4, 5));
  // Candle i closes at 00:00 + (i + 1) min: 236 closes at 03:57, 239 at 04:00.
  const fake = await startLinkFake({
    symbols: [{ ...AVAX_SPEC, fundingIntervalHours: 4 }],
    path: new Map([[AVAX, fundingPath]]),
    revealed: 237,
  });
  await withFeed(fake, fundingPath[236].openTime, async ({ seen, warnings }) => {
    await until('funding intervals asked', () => (fake.requests.get('GET /fapi/v1/fundingInfo') ?? 0) > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stepCandles(fake, seen, 5);
    // An 8 h grid would look for no settlement before 08:00.
    assert.equal(
      seen.map((k) => [new Date(k.ts).toISOString().slice(11, 16), k.fundingRate]),
      [
        ['03:58', undefined],
        ['03:59', undefined],
        ['04:00', 0.0001],
        ['04:01', undefined],
        ['04:02', undefined],
      ],
    );
    assert.equal(warnings, []);
  });
});

test.run();
