import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type {
  BusEvent,
  CancelOrder,
  DeadLetter,
  EngineEvent,
  Fill,
  Kline,
  OrderRequest,
  TradeClosed,
} from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { runLiveSession } from '../../src/pipeline/live-session.js';
import { liveKlines } from '../../src/streams/live-klines.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import {
  AVAX,
  AVAX_SPEC,
  KEY,
  LINK,
  LINK_SPEC,
  SECRET,
  sleep,
  startLinkFake,
  until,
} from '../fake-binance/harness.js';

// Reconciliation on start, end to end: a testnet session (CcxtExchange through ccxt against the fake
// Binance server on 127.0.0.1) starts on an account the engine did not leave flat — an AVAXUSDT
// long opened by hand with no stop, and a LINKUSDT stop resting with no position under it. The
// engine starts, adopts the long (marked as adopted), places its stop at the venue, cancels the
// orphan stop, and later closes the adopted position through that stop; the books agree with the
// venue's ledger.

const WARM_UP = 60;
const STEPS = 240;
const TO = Date.UTC(2026, 1, 1, 6);
const pathOf = (symbol: string): Kline[] =>
  loadMarketData('examples/data/klines', { symbols: [symbol], to: TO }).klinesBySymbol.get(symbol) ?? [];
const paths = new Map([
  [AVAX, pathOf(AVAX)],
  [LINK, pathOf(LINK)],
]);

const config = parsePipelineConfig({
  data: { source: 'synthetic', synthetic: { count: 10 } },
  symbols: {
    [AVAX]: { tickSize: 0.001, stepSize: 1, minQty: 1, maxQty: 1e6, minNotionalUsdt: 5 },
    [LINK]: { tickSize: 0.001, stepSize: 0.01, minQty: 0.01, maxQty: 1e6, minNotionalUsdt: 5 },
  },
  // The engine opens nothing of its own here: only what it adopted trades.
  ensemble: { minConfidence: 1 },
  monitor: { breakEvenAtR: 0, trailingActivationR: 0, maxHoldMs: 0, adoptedStopPct: 0.4 },
  exchange: { defaultFundingRate: null },
  output: { progress: false },
});

const startVenue = (): Promise<FakeBinance> =>
  startLinkFake({
    symbols: [AVAX_SPEC, LINK_SPEC],
    path: paths,
    revealed: WARM_UP,
    marketFill: 'next-open',
  });

test('restart on a position the engine did not open and an orphan stop: the position is adopted and protected, the orphan cancelled, and the adopted stop closes it', async () => {
  const fake = await startVenue();
  // Left by hand before the engine starts: a marketable LIMIT buy fills at once (taker).
  const avaxPrice = fake.venue.priceOf(AVAX);
  fake.venue.placeOrder({
    symbol: AVAX,
    side: 'BUY',
    type: 'LIMIT',
    quantity: 40,
    price: Math.round(avaxPrice * 1010) / 1000,
    timeInForce: 'GTC',
    reduceOnly: false,
    clientOrderId: 'manual-avax-buy',
  });
  assert.is(fake.venue.positions.get(AVAX)?.amt, 40);
  const linkPrice = fake.venue.priceOf(LINK);
  fake.venue.placeAlgoOrder({
    symbol: LINK,
    side: 'SELL',
    type: 'STOP_MARKET',
    triggerPrice: Math.round(linkPrice * 0.95 * 1000) / 1000,
    reduceOnly: false,
    closePosition: true,
    clientAlgoId: 'manual-link-stop',
  });
  const client = createBinanceClient({ baseUrl: fake.restUrl, apiKey: KEY, secret: SECRET });
  const feedClient = createBinanceClient({ baseUrl: fake.restUrl });
  const events: (EngineEvent | DeadLetter)[] = [];
  const stop = new AbortController();
  let processedKlines = 0;
  try {
    const exchange = new CcxtExchange({
      client,
      symbols: [AVAX, LINK],
      reconnectDelayMs: 50,
      now: () => fake.venue.time(),
    });
    const running = runLiveSession({
      config,
      exchange,
      market$: liveKlines({
        client: feedClient,
        symbols: [AVAX, LINK],
        interval: '1m',
        now: () => fake.venue.time(),
        // Every revealed candle is warm-up history.
        after: new Map([...paths].map(([symbol, path]) => [symbol, path[0].openTime - 60_000])),
        reconnectDelayMs: 50,
      }),
      models: buildModels(config),
      liveFromTs: fake.venue.time() + 1,
      signal: stop.signal,
      onEvent: (event) => events.push(event),
      onProcessed: (event: BusEvent) => {
        if (event.kind === 'kline') processedKlines++;
      },
    });
    // The engine always starts: reconciliation cancels the orphan and protects the adopted long.
    await until('orphan cancelled and stop placed', () => {
      const stopAtVenue = fake.venue.openAlgoOrders(AVAX).length === 1;
      const orphanGone = fake.venue.openAlgoOrders(LINK).length === 0;
      return stopAtVenue && orphanGone;
    });
    const cancel = events.find((e): e is CancelOrder => e.kind === 'cancel-order');
    assert.ok(cancel !== undefined);
    assert.is(cancel.clientOrderId, 'manual-link-stop');
    assert.match(cancel.reason, /orphan protective order: no LINKUSDT position/);
    const protect = events.find(
      (e): e is OrderRequest => e.kind === 'order-request' && e.purpose === 'STOP_LOSS',
    );
    assert.ok(protect !== undefined);
    assert.is(protect.symbol, AVAX);
    assert.is(protect.intentId.startsWith('adopted:AVAXUSDT:'), true, 'marked as adopted');
    assert.match(protect.reason ?? '', /adopted LONG 40 AVAXUSDT had no stop at the venue/);
    const entry = fake.venue.positions.get(AVAX)?.entryPrice ?? 0;
    // 0.4 % below the worse of the entry and the last close, rounded down to the tick.
    assert.ok(
      protect.stopPrice !== undefined &&
        protect.stopPrice <= entry * 0.996 &&
        protect.stopPrice > entry * 0.99,
      `stop ${protect.stopPrice} for entry ${entry}`,
    );
    const venueStop = fake.venue.openAlgoOrders(AVAX)[0];
    assert.equal(
      { side: venueStop.side, trigger: venueStop.triggerPrice, id: venueStop.clientAlgoId },
      { side: 'SELL', trigger: protect.stopPrice, id: protect.clientOrderId },
    );
    // The price path moves on until the adopted stop fires.
    const market = (): number => processedKlines;
    await until('warm-up candles', () => market() >= 2 * WARM_UP);
    // The kline stream and the user stream connected and subscribed before the path moves.
    await until('streams connected', () => fake.connectionCount() >= 2);
    await sleep(300);
    for (let i = 0; i < STEPS && fake.venue.positions.has(AVAX); i++) {
      fake.step(1);
      await until(`candle ${i + 1}`, () => market() >= 2 * (WARM_UP + i + 1));
    }
    assert.is(fake.venue.positions.has(AVAX), false, 'the adopted stop closed the position at the venue');
    await until('the close reached the engine', () => events.some((e) => e.kind === 'trade-closed'));
    const closed = events.find((e): e is TradeClosed => e.kind === 'trade-closed');
    assert.ok(closed !== undefined);
    assert.is(closed.symbol, AVAX);
    assert.is(closed.reason, 'STOP_LOSS');
    const fills = events.filter((e): e is Fill => e.kind === 'fill');
    assert.is(fills.length, 1, 'only the stop traded: the engine sent no order of its own');
    const venueTrade = fake.venue.trades.at(-1);
    assert.ok(venueTrade !== undefined);
    assert.equal(
      { price: fills[0].price, qty: fills[0].qty, id: fills[0].venueTradeId },
      { price: venueTrade.price, qty: 40, id: String(venueTrade.id) },
    );
    // Nothing is left resting at the venue, and nothing was sent twice.
    assert.is(fake.venue.openAlgoOrders().length, 0);
    assert.is(fake.venue.openOrders().length, 0);
    assert.is(fake.requests.get('POST /fapi/v1/algoOrder'), 1);
    stop.abort();
    await running;
  } finally {
    stop.abort();
    await client.close().catch(() => undefined);
    await feedClient.close().catch(() => undefined);
    await fake.close();
  }
});

test.run();
