// The statistics and report of bench/binance-latency.ts: percentiles of the samples, the breakdown
// of ours, the JSON result and the table.
import { availableParallelism, loadavg } from 'node:os';
import { srcState } from '../src-state.js';
import type { FloorSample } from './floor.js';
import type { CallStamp, OrderStamp, OursSample } from './ours.js';

interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** ms from µs differences; nearest-rank percentiles. */
const spreadOf = (valuesUs: readonly number[]): Spread => {
  const sorted = [...valuesUs].sort((a, b) => a - b).map((us) => us / 1000);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    p50: rank(0.5),
    p99: rank(0.99),
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    max: sorted[sorted.length - 1],
  };
};

/** A candle of ours that caused an order, with every stamp present. */
export type OursOrderSample = OursSample & {
  readonly order: OrderStamp & { readonly call: CallStamp };
  readonly arriveUs: number;
};
export const causedOrder = (sample: OursSample): sample is OursOrderSample =>
  sample.arriveUs !== undefined && sample.order?.call !== undefined;
const totalUs = (s: OursOrderSample): number => s.arriveUs - s.sentUs;
/** ccxt's rate-limit waits on the path: the candle's REST confirm and the order. */
const rateLimitUs = (s: OursOrderSample): number => s.fetch.throttleUs + s.order.call.throttleUs;

const oursBreakdown = (samples: readonly OursOrderSample[]) => {
  const of = (part: (s: OursOrderSample) => number): Spread => spreadOf(samples.map(part));
  return {
    wsToKlineRestAsked: of((s) => s.fetch.startUs - s.sentUs),
    klineRestConfirm: of((s) => s.fetch.endUs - s.fetch.startUs),
    klineRestRateLimitWait: of((s) => s.fetch.throttleUs),
    restAnswerToEmitted: of((s) => s.emitUs - s.fetch.endUs),
    emittedToCreateOrder: of((s) => s.order.decidedUs - s.emitUs),
    exchangeQueue: of((s) => s.order.call.startUs - s.order.decidedUs),
    ccxtCreateOrderToVenue: of((s) => s.arriveUs - s.order.call.startUs),
    orderRateLimitWait: of((s) => s.order.call.throttleUs),
  };
};

/** The JSON result: totals, ratios and breakdowns of both sides. */
export const summarize = (
  oursAll: readonly OursSample[],
  floor: readonly FloorSample[],
  seconds: number,
  { quick, loadAtStart }: { readonly quick: boolean; readonly loadAtStart: number },
) => {
  const ours = oursAll.filter(causedOrder);
  const oursTotal = spreadOf(ours.map(totalUs));
  const floorTotal = spreadOf(floor.map((s) => s.arriveUs - s.sentUs));
  const withoutRateLimit = spreadOf(ours.map((s) => totalUs(s) - rateLimitUs(s)));
  // Entries and exits wait differently on ccxt's limiter (see the header): two modes, reported apart.
  const entry = spreadOf(ours.filter((s) => s.kind === 'entry').map(totalUs));
  const exit = spreadOf(ours.filter((s) => s.kind === 'exit').map(totalUs));
  const count = (kind: OursSample['kind']): number => oursAll.filter((s) => s.kind === kind).length;
  return {
    bench: 'binance-latency',
    quick,
    method:
      'fake Binance in a child process, AVAXUSDT 1m path; per candle: the venue reveals it (kline event) → ' +
      'the first POST /fapi/v1/order arrives; sides stepped in alternating blocks, each idle between candles',
    host: { cpus: availableParallelism(), loadAvg1mStart: loadAtStart, loadAvg1mEnd: loadavg()[0] },
    src: srcState(),
    seconds,
    floor: {
      candles: floor.length,
      ...floorTotal,
      breakdown: {
        wsToReceived: spreadOf(floor.map((s) => s.receivedUs - s.sentUs)),
        receivedToVenue: spreadOf(floor.map((s) => s.arriveUs - s.receivedUs)),
      },
    },
    ours: {
      candles: oursAll.length,
      withOrder: ours.length,
      entries: count('entry'),
      exits: count('exit'),
      withoutOrder: count('none'),
      ...oursTotal,
      entry,
      exit,
      breakdown: oursBreakdown(ours),
      /** Venue → emitted over every candle, orders or not. */
      wsToEmittedAllCandles: spreadOf(oursAll.map((s) => s.emitUs - s.sentUs)),
      /** Each sample minus its two ccxt rate-limit waits (pure sleeps): ours once the limiter stops waiting. */
      withoutRateLimitWaits: withoutRateLimit,
    },
    ratioP50: oursTotal.p50 / floorTotal.p50,
    ratioP99: oursTotal.p99 / floorTotal.p99,
    ratioEntryP50: entry.p50 / floorTotal.p50,
    ratioExitP50: exit.p50 / floorTotal.p50,
    ratioWithoutRateLimitP50: withoutRateLimit.p50 / floorTotal.p50,
    ratioWithoutRateLimitP99: withoutRateLimit.p99 / floorTotal.p99,
  };
};

/** Prints the result as a table: p50, p99 and max of each side and each part of ours. */
export const printTable = (result: ReturnType<typeof summarize>): void => {
  const ms = (value: number): string => `${value.toFixed(2)} ms`.padStart(10);
  const row = (label: string, spread: Spread): void =>
    console.log(`${label.padEnd(60)} ${ms(spread.p50)} ${ms(spread.p99)} ${ms(spread.max)}`);
  const { ours, floor } = result;
  const b = ours.breakdown;
  console.log(
    `\nmarket event at the venue's websocket → order at its REST endpoint (fake Binance in a child process); ` +
      `${result.host.cpus} CPUs, load ${result.host.loadAvg1mStart.toFixed(1)} → ${result.host.loadAvg1mEnd.toFixed(1)}; ` +
      `src ${result.src.commit} + ${result.src.uncommittedSrcFiles} uncommitted files; ${result.seconds.toFixed(0)} s`,
  );
  console.log(
    `ours: ${ours.candles} candles, ${ours.withOrder} with an order (${ours.entries} entries, ` +
      `${ours.exits} time exits), ${ours.withoutOrder} without; floor: ${floor.candles} candles, one order each`,
  );
  console.log(`${''.padEnd(60)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}`);
  row('floor: bare ws client + signed fetch (baseline)', floor);
  row('  venue reveals the candle → ws message received', floor.breakdown.wsToReceived);
  row('  received → order arrives at the venue (sign, fetch)', floor.breakdown.receivedToVenue);
  row('ours: liveKlines → live session graph → CcxtExchange', ours);
  row('  venue reveals the candle → liveKlines asks REST for it', b.wsToKlineRestAsked);
  row('  REST confirm of the candle (fetchOHLCV)', b.klineRestConfirm);
  row("    of which ccxt's rate-limit wait", b.klineRestRateLimitWait);
  row('  REST answer → candle emitted', b.restAnswerToEmitted);
  row('  emitted → graph calls createOrder (kernel cascade)', b.emittedToCreateOrder);
  row("  CcxtExchange's command queue", b.exchangeQueue);
  row('  ccxt createOrder → order arrives at the venue', b.ccxtCreateOrderToVenue);
  row("    of which ccxt's rate-limit wait", b.orderRateLimitWait);
  row('ours, entries only', ours.entry);
  row('ours, time exits only', ours.exit);
  row('ours, every candle: venue reveals it → candle emitted', ours.wsToEmittedAllCandles);
  row("ours minus ccxt's rate-limit waits (per sample)", ours.withoutRateLimitWaits);
  console.log(
    `ratio ours / floor: p50 ${result.ratioP50.toFixed(1)}×, p99 ${result.ratioP99.toFixed(1)}× ` +
      `(entries ${result.ratioEntryP50.toFixed(1)}×, exits ${result.ratioExitP50.toFixed(1)}× at p50); ` +
      `without ccxt's rate-limit waits: p50 ${result.ratioWithoutRateLimitP50.toFixed(1)}×, ` +
      `p99 ${result.ratioWithoutRateLimitP99.toFixed(1)}×`,
  );
};
