// Recorded series of different lengths: a symbol whose data ends early is closed right after its
// last candle (reason END_OF_DATA), instead of holding a position slot until the whole run ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BusEvent, createPrng, type Kline } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { replayMarket } from '../../src/kernel/replay.js';
import { parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { connectVenue, tradingKernel } from '../../src/pipeline/graph.js';
import { kline } from '../builders.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 1, 1);
const config = parsePipelineConfig({
  exchange: { slippage: { bps: 0 }, defaultFundingRate: null },
  monitor: { breakEvenAtR: 0, trailingActivationR: 0, maxHoldMs: 0 },
  output: { progress: false },
});

const candle = (symbol: string, minute: number): Kline =>
  kline({ symbol, ts: T0 + minute * MINUTE, open: 100, high: 100.2, low: 99.8, close: 100 });

const run = async (klines: readonly Kline[]) => {
  const sim = new SimExchange(simExchangeParamsOf(config), createPrng(1));
  sim.restore({
    lastPrices: { AAAUSDT: 100, BBBUSDT: 100 },
    positions: [
      {
        symbol: 'AAAUSDT',
        side: 'LONG',
        qty: 1,
        entryPrice: 100,
        leverage: 2,
        openedTs: T0,
        intentId: 'prev-a',
      },
      {
        symbol: 'BBBUSDT',
        side: 'LONG',
        qty: 1,
        entryPrice: 100,
        leverage: 2,
        openedTs: T0,
        intentId: 'prev-b',
      },
    ],
  });
  const events: BusEvent[] = [];
  const kernel = tradingKernel(
    config,
    { exchange: sim, models: [] },
    { onEvent: (e) => events.push(e.event) },
  );
  await connectVenue(kernel, T0);
  await replayMarket(kernel, klines);
  return events;
};

test('a symbol whose data ends early is closed after its last candle; the others run on to the end', async () => {
  const klines = [
    candle('AAAUSDT', 1),
    candle('BBBUSDT', 1),
    candle('AAAUSDT', 2),
    candle('BBBUSDT', 2),
    candle('BBBUSDT', 3),
    candle('BBBUSDT', 4),
  ];
  const events = await run(klines);
  const ends = events.filter((e) => e.kind === 'end-of-data').map((e) => [e.ts, e.symbol]);
  assert.equal(ends, [
    [T0 + 2 * MINUTE, 'AAAUSDT'],
    [T0 + 4 * MINUTE, undefined],
  ]);
  const trades = events.filter((e) => e.kind === 'trade-closed');
  assert.equal(
    trades.map((t) => [t.symbol, t.reason, t.ts]),
    [
      ['AAAUSDT', 'END_OF_DATA', T0 + 2 * MINUTE],
      ['BBBUSDT', 'END_OF_DATA', T0 + 4 * MINUTE],
    ],
  );
  // AAAUSDT closed before BBBUSDT's later candles were handled.
  const closedA = events.indexOf(trades[0]);
  const laterB = events.findIndex((e) => e.kind === 'kline' && e.ts === T0 + 3 * MINUTE);
  assert.ok(closedA < laterB);
});

test('series that end together get one end of data, as before', async () => {
  const events = await run([
    candle('AAAUSDT', 1),
    candle('BBBUSDT', 1),
    candle('AAAUSDT', 2),
    candle('BBBUSDT', 2),
  ]);
  assert.equal(
    events.filter((e) => e.kind === 'end-of-data').map((e) => e.symbol),
    [undefined],
  );
});

test.run();
