// Question (issue #16): how long from a market event leaving Binance's websocket to our order
// reaching Binance's REST endpoint, against the floor of a bare client doing the least possible?
//
// Both sides run against the fake Binance USDⓈ-M server (`startFakeBinance`) in a child process of
// this bench (the venue is another machine in real life: it must not share our event loop), on the
// same real path (AVAXUSDT 1m candles, examples/data/klines): two venues, one per side, stepped in
// alternating blocks so a change in the host's load hits both sides alike. Per candle the venue
// stamps "sent" as `step(1)` starts revealing the candle (its `avaxusdt@kline_1m` event goes to the
// sockets ~0.1 ms later) and "arrived" in its `onRequest` callback, as `POST /fapi/v1/order`
// reaches the server (before parsing); the order placed must be the side's first since the step.
// The clients' stamps (breakdown) are on the same clock: `process.hrtime` is CLOCK_MONOTONIC,
// shared by every process on the host.
//
// - Ours: `quantum run --mode testnet` as committed — `runLiveSession` (recording on) with
//   `liveKlines` on an unsigned ccxt.pro client as the market source and `CcxtExchange` on a signed
//   one as the venue, through the whole graph (18 features, a rule model, ensemble, strategy,
//   sizing, risk gates, bracket, position monitor). So that every candle can cause an order, the
//   config trades whenever it may: the ema-rsi model with its RSI bands open (it votes BUY or SELL
//   on every candle), no confidence floors, no cooldown, and a time exit after one candle — an
//   entry on one candle, its time exit on the next (stop 5 % and target 10 % away: the bracket
//   rests at the venue and rarely fires). The sample is the candle's first plain order; candles
//   without one are counted and left out. Entries and exits are also reported apart.
// - Floor: a bare `ws` client on `/ws/avaxusdt@kline_1m` that, on each kline message, signs a
//   MARKET order (HMAC-SHA256, node:crypto) and sends it with plain `fetch`.
// Between candles each side waits until it is idle (every command answered, then 10 ms quiet), so
// a sample is one event's latency, never a queue behind the previous candle's cascade.
// Breakdown of ours: ws delivery until liveKlines asks REST for the closed candle; that REST
// confirm (by design: what is emitted is Binance's final candle); emitted → the graph calls
// createOrder (kernel cascade, recording); CcxtExchange's command queue; ccxt's createOrder → the
// venue. ccxt's rate-limit waits inside the two REST calls are shown apart (its `throttle`, timed).
//
// Measured (3 full runs, 2-core host, load ~1, after f6a9293: both clients on one in-process
// request-weight budget, as `quantum run` builds them, in place of ccxt's limiter): floor p50
// 1.49-1.61 ms, p99 4.1-5.9 ms; ours p50 3.30-3.55 ms, p99 7.2-7.6 ms: 2.1-2.4× at p50, 1.2-1.8×
// at p99; entries and time exits alike. Where ours goes (p50): ws delivery to liveKlines 0.75 ms,
// the REST confirm of the candle 1.42 ms (by design), the kernel cascade 0.28 ms, the command queue
// 0.13 ms, ccxt's createOrder to the venue 0.87 ms; rate-limit waits 0. Before the budget (src
// 27fbc9f) ccxt's leaky-bucket limiter waited 50 ms before the REST confirm and 50-200 ms before
// each order (p50 111-148 ms, 58-73× the floor): it refills only while a request waits, so every
// request paid the previous one's cost × 50 ms however long ago it was.
//
// Usage: `node --import tsx bench/binance-latency.ts [--quick]` (200 order-samples per side, about
// 2 minutes; --quick: 50). Prints a JSON line and a table; writes bench/results/binance-latency.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Kline } from '../src/domain/index.js';
import { type FloorSample, startFloor, stepFloor } from './lib/binance-latency/floor.js';
import { type OursSample, startSession, stepOurs } from './lib/binance-latency/ours.js';
import { causedOrder, printTable, summarize } from './lib/binance-latency/report.js';
import { HISTORY, loadPath, sleep, until } from './lib/binance-latency/setup.js';
import { serveVenues, type VenueMessage, VenueProcess } from './lib/binance-latency/venue.js';

const quick = process.argv.includes('--quick');
/** Order-samples per side. */
const SAMPLES = quick ? 50 : 200;
/** Candles per side before measuring (JIT, connections, the first setLeverage): not in the sample. */
const UNMEASURED = 5;
/** Samples per side per block; blocks alternate between the sides. */
const BLOCK = quick ? 25 : 50;
const loadAtStart = loadavg()[0];

// --- the run -------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const started = performance.now();
  const path = loadPath();
  const venues = new VenueProcess();
  try {
    const { urls } = await venues.take(
      'the venue process',
      (m): m is Extract<VenueMessage, { kind: 'ready' }> => m.kind === 'ready',
      60_000,
    );
    const floor = await startFloor(urls.floor);
    const session = startSession(urls.ours, path);
    await until('the warm-up candles', () => session.emitted.size === HISTORY, 60_000);
    // Market stream, user-data stream (ours) and the floor's socket open before the path moves.
    await sleep(500);
    let oursNext = HISTORY;
    let floorNext = HISTORY;
    const candleAt = (index: number): Kline => {
      if (index >= path.length)
        throw new Error('bench/binance-latency.ts: the path is too short for the samples');
      return path[index];
    };
    for (let i = 0; i < UNMEASURED; i++) {
      await stepOurs(venues, session, candleAt(oursNext++));
      await stepFloor(venues, floor, candleAt(floorNext++));
    }
    const ours: OursSample[] = [];
    const floorSamples: FloorSample[] = [];
    const oursWithOrder = (): number => ours.filter(causedOrder).length;
    while (oursWithOrder() < SAMPLES || floorSamples.length < SAMPLES) {
      const target = Math.min(SAMPLES, oursWithOrder() + BLOCK);
      while (oursWithOrder() < target) ours.push(await stepOurs(venues, session, candleAt(oursNext++)));
      const floorTarget = Math.min(SAMPLES, floorSamples.length + BLOCK);
      while (floorSamples.length < floorTarget)
        floorSamples.push(await stepFloor(venues, floor, candleAt(floorNext++)));
    }
    await session.stop();
    floor.close();
    const result = summarize(ours, floorSamples, (performance.now() - started) / 1000, {
      quick,
      loadAtStart,
    });
    console.log(JSON.stringify(result));
    printTable(result);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/binance-latency.json', `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await venues.close();
  }
};

if (process.argv[2] === '--venue') await serveVenues();
else await main();
