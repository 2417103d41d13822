import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline, Quote, Tick } from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { liveQuotes, liveTrades } from '../../src/streams/live-trades.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { AVAX, AVAX_SPEC, LINK, LINK_SPEC, sleep, startLinkFake, until } from '../fake-binance/harness.js';

// The live trade and book-ticker feeds against the fake Binance server (127.0.0.1), whose tape is
// made from real AVAXUSDT and LINKUSDT 1m candles: every aggregate trade once, in id order, across
// a dropped websocket and a restart; quotes newest-first-wins.

const TO = Date.UTC(2026, 1, 1, 2);
const paths = new Map(
  [AVAX, LINK].map((symbol) => [
    symbol,
    loadMarketData('examples/data/klines', { symbols: [symbol], to: TO }).klinesBySymbol.get(symbol) ?? [],
  ]),
) as Map<string, Kline[]>;
const startVenue = (): Promise<FakeBinance> =>
  startLinkFake({ symbols: [AVAX_SPEC, LINK_SPEC], path: paths, revealed: 10 });

/** A trade as the venue's tape has it, to compare with what the feed emitted. */
const tapeOf = (fake: FakeBinance, symbol: string): string[] =>
  fake.venue.tape
    .aggTrades(symbol, { fromId: 1, limit: 100_000 })
    .map((t) => `${t.id} ${t.price} ${t.qty} ${t.time} ${t.buyerMaker ? 'SELL' : 'BUY'}`);
const fed = (ticks: readonly Tick[], symbol: string): string[] =>
  ticks.filter((t) => t.symbol === symbol).map((t) => `${t.tradeId} ${t.price} ${t.qty} ${t.ts} ${t.side}`);

test('trades of two symbols arrive once each, in id order; a websocket outage is backfilled over REST with no gap and no duplicate', async () => {
  const fake = await startVenue();
  const client = createBinanceClient({ baseUrl: fake.restUrl });
  const ticks: Tick[] = [];
  const warnings: string[] = [];
  // Resume after the last trade of the revealed history (a recorder that ran before).
  const last = (symbol: string): number => fake.venue.tape.aggTrades(symbol, { limit: 1 })[0]?.id ?? 0;
  const subscription = liveTrades({
    client,
    symbols: [AVAX, LINK],
    afterId: new Map([
      [AVAX, last(AVAX)],
      [LINK, last(LINK)],
    ]),
    reconnectDelayMs: 50,
    onWarning: (w) => warnings.push(w),
  }).subscribe((t) => ticks.push(t));
  try {
    // ccxt opens one connection per symbol's trade stream.
    await until('trade streams connected', () => fake.connectionCount() >= 2);
    await sleep(300);
    fake.step(2);
    await until('two candles of trades', () => ticks.length === 2 * 2 * 4);
    // The market connection drops; three candles trade while nobody listens.
    fake.dropConnections(true);
    fake.step(3);
    await until('backfilled after the reconnect', () => ticks.length === 5 * 2 * 4);
    await until('reconnected', () => fake.connectionCount() >= 2);
    await sleep(300);
    fake.step(2);
    await until('live again', () => ticks.length === 7 * 2 * 4);
    await sleep(200);
    for (const symbol of [AVAX, LINK])
      assert.equal(fed(ticks, symbol), tapeOf(fake, symbol).slice(40), symbol);
    assert.ok(
      warnings.some((w) => /trade stream/.test(w)),
      'the outage is reported',
    );
    assert.ok((fake.requests.get('GET /fapi/v1/aggTrades') ?? 0) >= 2, 'the outage was read over REST');
  } finally {
    subscription.unsubscribe();
    await client.close().catch(() => undefined);
    await fake.close();
  }
});

test('a recorder restarted after trades it missed reads them first (the hole before the first streamed trade), then goes on', async () => {
  const fake = await startVenue();
  const client = createBinanceClient({ baseUrl: fake.restUrl });
  const ticks: Tick[] = [];
  // It stopped 6 trades ago (ids 35 … 40 were never recorded).
  const subscription = liveTrades({ client, symbols: [AVAX], afterId: new Map([[AVAX, 34]]) }).subscribe(
    (t) => ticks.push(t),
  );
  try {
    await until('trade stream connected', () => fake.connectionCount() > 0);
    await sleep(300);
    fake.step(1);
    await until('the hole and the new candle', () => ticks.length === 6 + 4);
    await sleep(200);
    assert.equal(fed(ticks, AVAX), tapeOf(fake, AVAX).slice(34));
  } finally {
    subscription.unsubscribe();
    await client.close().catch(() => undefined);
    await fake.close();
  }
});

test('book tickers: each symbol’s best bid/ask as it changes, never an older one after a newer; the last equals the venue’s book', async () => {
  const fake = await startVenue();
  const client = createBinanceClient({ baseUrl: fake.restUrl });
  const quotes: Quote[] = [];
  const subscription = liveQuotes({ client, symbols: [AVAX, LINK], reconnectDelayMs: 50 }).subscribe((q) =>
    quotes.push(q),
  );
  try {
    await until('book ticker stream connected', () => fake.connectionCount() > 0);
    await sleep(300);
    fake.step(3);
    await until('quotes of both symbols', () =>
      [AVAX, LINK].every((s) => quotes.filter((q) => q.symbol === s).length >= 1),
    );
    fake.dropConnections(true);
    await until('dropped', () => fake.connectionCount() === 0);
    fake.step(1);
    await until('reconnected', () => fake.connectionCount() > 0);
    await sleep(300);
    fake.step(1);
    await until('last quotes', () =>
      [AVAX, LINK].every(
        (s) => quotes.filter((q) => q.symbol === s).at(-1)?.updateId === fake.venue.tape.book(s)?.updateId,
      ),
    );
    for (const symbol of [AVAX, LINK]) {
      const mine = quotes.filter((q) => q.symbol === symbol);
      assert.ok(
        mine.every((q, i) => i === 0 || q.updateId > mine[i - 1].updateId),
        'update ids only grow',
      );
      assert.ok(
        mine.every((q) => q.bidPrice < q.askPrice),
        'bid below ask',
      );
      const book = fake.venue.tape.book(symbol);
      const lastQuote = mine.at(-1);
      assert.equal(
        [lastQuote?.bidPrice, lastQuote?.askPrice, lastQuote?.bidQty, lastQuote?.ts],
        [book?.bidPrice, book?.askPrice, book?.bidQty, book?.time],
      );
    }
  } finally {
    subscription.unsubscribe();
    await client.close().catch(() => undefined);
    await fake.close();
  }
});

test.run();
