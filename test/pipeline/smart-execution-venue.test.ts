import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tap } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DeadLetter, EngineEvent, Fill, Kline, OrderRequest } from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { runLiveSession } from '../../src/pipeline/live-session.js';
import { compareSession, formatComparison } from '../../src/pipeline/replay-compare.js';
import { liveKlines } from '../../src/streams/live-klines.js';
import { AVAX, avaxPath, KEY, SECRET, startAvaxFake, until } from '../fake-binance/harness.js';
import { answered } from './lifecycle-checks.js';

// Smart execution through the exchange port: a testnet session against the fake Binance server on
// real AVAXUSDT 1m candles, with post-only LIMITs (GTX over ccxt), their cancels and MARKET
// fallbacks, and TWAP slices. The venue sees the orders a backtest of the session's own recording
// sends — same ids, types, prices — and the engine's fills are the venue's trades.

const WARM_UP = 60;
const LIVE = 240;
const path = avaxPath(Date.UTC(2026, 1, 1, 12)).slice(240);

const config = parsePipelineConfig({
  data: { source: 'synthetic', synthetic: { count: 10 } },
  symbols: { [AVAX]: { tickSize: 0.001, stepSize: 1, minQty: 1, maxQty: 1e6, minNotionalUsdt: 5 } },
  risk: { cooldownMs: 60_000 },
  sizing: { method: 'fixed-fraction', fraction: 0.05, leverage: 2, stopLossPct: 0.5, takeProfitPct: 0.8 },
  exchange: { defaultFundingRate: null },
  aelm: { enabled: true, urgency: 0.2, limitTimeoutCandles: 2, twapAboveUsdt: 200, twapSlices: 2 },
  output: { progress: false },
});

test('a testnet session with aelm: post-only LIMITs, cancels, fallbacks and slices reach the venue as a backtest of the recording sends them', async () => {
  // MARKET orders fill at the next open, as the simulator fills them.
  const fake = await startAvaxFake(path, { revealed: WARM_UP, marketFill: 'next-open' });
  const dir = mkdtempSync(join(tmpdir(), 'quantum-aelm-testnet-'));
  const client = createBinanceClient({ baseUrl: fake.restUrl, apiKey: KEY, secret: SECRET });
  const feedClient = createBinanceClient({ baseUrl: fake.restUrl });
  try {
    const events: (EngineEvent | DeadLetter)[] = [];
    const market: Kline[] = [];
    const stop = new AbortController();
    let processedKlines = 0;
    const running = runLiveSession({
      config,
      exchange: new CcxtExchange({
        client,
        symbols: [AVAX],
        reconnectDelayMs: 50,
        now: () => fake.venue.time(),
      }),
      market$: liveKlines({
        client: feedClient,
        symbols: [AVAX],
        interval: '1m',
        now: () => fake.venue.time(),
        after: new Map([[AVAX, path[0].openTime - 60_000]]),
        reconnectDelayMs: 50,
      }).pipe(tap((k) => market.push(k))),
      models: buildModels(config),
      liveFromTs: path[WARM_UP - 1].ts + 1,
      signal: stop.signal,
      recordDir: dir,
      onEvent: (event) => events.push(event),
      onProcessed: (event) => {
        if (event.kind === 'kline') processedKlines++;
      },
    });
    await until('warm-up candles', () => market.length === WARM_UP);
    await until('streams connected', () => fake.connectionCount() >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < LIVE; i++) {
      fake.step(1);
      await until(`candle ${WARM_UP + i + 1}`, () => processedKlines === WARM_UP + i + 1);
      await until(`orders answered after candle ${WARM_UP + i + 1}`, () => answered(events));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop.abort();
    await running;

    const entries = events.filter(
      (e): e is OrderRequest => e.kind === 'order-request' && e.purpose === 'ENTRY',
    );
    assert.ok(
      entries.filter((o) => o.type === 'LIMIT' && o.postOnly === true).length >= 4,
      'post-only LIMITs',
    );
    assert.ok(
      entries.some((o) => / · slice 2\/2$/.test(o.reason ?? '')),
      'TWAP slices',
    );
    assert.ok(events.some((e) => e.kind === 'cancel-order' && /post-only LIMIT not filled/.test(e.reason)));
    // The venue got them as GTX and made the engine's fills, trade for trade.
    const venueOrders = [...fake.venue.orders.values()];
    assert.ok(venueOrders.some((o) => o.timeInForce === 'GTX'));
    const fills = events.filter((e): e is Fill => e.kind === 'fill');
    assert.ok(fills.some((f) => f.liquidity === 'MAKER'));
    assert.equal(fills.map((f) => f.venueTradeId).sort(), fake.venue.trades.map((t) => String(t.id)).sort());
    // The backtest of the recording sends the same orders (ids, types, prices) and makes the same fills.
    const comparison = await compareSession(dir);
    assert.equal(comparison.divergences, [], formatComparison(comparison));
    assert.is(comparison.counts.order.matched, comparison.counts.order.live);
    assert.is(comparison.counts.fill.matched, comparison.counts.fill.live);
  } finally {
    await client.close().catch(() => undefined);
    await feedClient.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await fake.close();
  }
});

test.run();
