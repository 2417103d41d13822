// Order-lifecycle checks the pipeline tests share: read a run's events and list what breaks a rule.
import * as assert from 'uvu/assert';
import {
  type BusEvent,
  createPrng,
  type DeadLetter,
  type EngineEvent,
  type Kline,
  type OrderSubmitted,
} from '../../src/domain/index.js';
import type { Exchange } from '../../src/exchange/exchange.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { replayMarket } from '../../src/kernel/replay.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { type PipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { tradingKernel } from '../../src/pipeline/graph.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';

/** At every snapshot, every open position has a live stop of its own intent at the venue. */
export const alwaysProtected = (events: readonly BusEvent[]): string[] => {
  const problems: string[] = [];
  const liveStops = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.kind === 'execution-result' && event.purpose === 'STOP_LOSS') {
      const stops = liveStops.get(event.intentId) ?? new Set<string>();
      if (event.status === 'NEW' || event.status === 'PARTIALLY_FILLED') stops.add(event.clientOrderId);
      else stops.delete(event.clientOrderId);
      liveStops.set(event.intentId, stops);
    } else if (event.kind === 'portfolio-snapshot') {
      for (const position of event.positions) {
        if ((liveStops.get(position.intentId)?.size ?? 0) === 0) {
          problems.push(
            `${position.symbol} position ${position.intentId} without a live stop at ${event.ts}`,
          );
        }
      }
    }
  }
  return problems;
};

/** Every order the engine submitted has an answer, and every cancel it asked for is final. */
export const answered = (events: readonly (EngineEvent | DeadLetter)[]): boolean => {
  const last = new Map<string, string>();
  for (const e of events) if (e.kind === 'execution-result') last.set(e.clientOrderId, e.status);
  return events.every(
    (e) =>
      (e.kind !== 'order-submitted' || last.has(e.clientOrderId)) &&
      (e.kind !== 'cancel-order' ||
        !['NEW', 'PARTIALLY_FILLED'].includes(last.get(e.clientOrderId) ?? 'NEW')),
  );
};

/** One run's whole bus, with its candles, config and simulator (what the checks read). */
export interface Run {
  readonly envelopes: Envelope[];
  readonly events: BusEvent[];
  readonly klines: readonly Kline[];
  readonly config: PipelineConfig;
  readonly sim: SimExchange;
}

/** The whole bus of one run, with the simulator wrapped by `venue`. */
export const run = async (
  config: PipelineConfig,
  venue: (sim: SimExchange) => Exchange = (sim) => sim,
): Promise<Run> => {
  const market = loadMarketReplay(config);
  const sim = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'));
  const envelopes: Envelope[] = [];
  const kernel = tradingKernel(
    config,
    { exchange: venue(sim), models: buildModels(config, '.') },
    { onEvent: (envelope) => envelopes.push(envelope), onStageError: 'throw' },
  );
  await replayMarket(kernel, market.klines);
  return { envelopes, events: envelopes.map((e) => e.event), klines: market.klines, config, sim };
};

export const ofKind = <K extends BusEvent['kind']>(events: readonly BusEvent[], kind: K) =>
  events.filter((e): e is Extract<BusEvent, { kind: K }> => e.kind === kind);

const TERMINAL = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
const PROTECTIVE = new Set(['STOP_LOSS', 'TAKE_PROFIT']);

/** Every reducing fill closes part of the position it belongs to: same symbol, same intent. */
export const exitsBelongToTheirPosition = (events: readonly BusEvent[]): string[] => {
  const problems: string[] = [];
  const openIntent = new Map<string, string>();
  for (const event of events) {
    if (event.kind === 'trade-closed') {
      openIntent.delete(event.symbol);
      continue;
    }
    if (event.kind !== 'fill') continue;
    if (event.purpose === 'ENTRY' && !event.reduceOnly) {
      if (!openIntent.has(event.symbol)) openIntent.set(event.symbol, event.intentId);
      continue;
    }
    const open = openIntent.get(event.symbol);
    if (open !== event.intentId) {
      problems.push(
        `${event.symbol} ${event.purpose} fill of ${event.intentId} at ${event.ts} closed position ${open}`,
      );
    }
  }
  return problems;
};

/**
 * No protective order outlives its position or its refused entry: an intent whose entry was refused
 * never has a stop or target sent; every stop or target reaches a final status no later than its
 * trade's close.
 */
export const noOrphanProtection = (events: readonly BusEvent[]): string[] => {
  const problems: string[] = [];
  const refusedEntries = new Set(
    ofKind(events, 'execution-result')
      .filter((r) => r.purpose === 'ENTRY' && r.status === 'REJECTED')
      .map((r) => r.intentId),
  );
  const closedAt = new Map(ofKind(events, 'trade-closed').map((t) => [t.intentId, t.ts]));
  const finalTs = new Map<string, number>();
  for (const report of ofKind(events, 'execution-result')) {
    if (TERMINAL.has(report.status) && !finalTs.has(report.clientOrderId))
      finalTs.set(report.clientOrderId, report.ts);
  }
  for (const sent of ofKind(events, 'order-submitted')) {
    if (!PROTECTIVE.has(sent.purpose)) continue;
    if (refusedEntries.has(sent.intentId)) {
      problems.push(`${sent.purpose} ${sent.clientOrderId} sent for refused entry ${sent.intentId}`);
      continue;
    }
    const closed = closedAt.get(sent.intentId);
    const ended = finalTs.get(sent.clientOrderId);
    if (closed !== undefined && (ended === undefined || ended > closed)) {
      problems.push(
        `${sent.purpose} ${sent.clientOrderId} of ${sent.intentId} still live after its trade closed at ${closed}`,
      );
    }
  }
  return problems;
};

/** Each exit through a resting order replays from its candle: the trigger was reached, the fill lies in the candle ± slippage. */
export const exitsReplayFromCandles = ({ events, klines, config, sim }: Run): string[] => {
  const problems: string[] = [];
  const candle = new Map(klines.map((k) => [`${k.symbol}:${k.ts}`, k]));
  const sentById = new Map(
    ofKind(events, 'order-submitted').map((o): [string, OrderSubmitted] => [o.clientOrderId, o]),
  );
  const slippage = config.exchange.slippage.bps / 1e4 + 1e-9;
  for (const fill of ofKind(events, 'fill')) {
    if (fill.purpose === 'ENTRY' || fill.exitReason === 'END_OF_DATA' || fill.exitReason === 'LIQUIDATION')
      continue;
    const k = candle.get(`${fill.symbol}:${fill.ts}`);
    const order = sentById.get(fill.clientOrderId);
    if (k === undefined || order === undefined) {
      problems.push(`${fill.clientOrderId}: no candle or order for the fill at ${fill.ts}`);
      continue;
    }
    // Slippage, then the venue's rounding to the tick.
    const tick = sim.filtersOf(fill.symbol).tickSize * (1 + 1e-9);
    if (fill.price < k.low * (1 - slippage) - tick || fill.price > k.high * (1 + slippage) + tick) {
      problems.push(
        `${fill.clientOrderId} filled at ${fill.price} outside ${k.symbol} candle ${k.low}–${k.high}`,
      );
    }
    if (order.type === 'MARKET' || order.price === undefined) continue;
    // Sell stop / buy target trigger on the way down, buy stop / sell target on the way up.
    const down = (order.type === 'STOP_MARKET') === (order.side === 'SELL');
    if (down ? k.low > order.price : k.high < order.price) {
      problems.push(
        `${order.type} ${fill.clientOrderId} at ${order.price} filled in a candle ${k.low}–${k.high} that never reached it`,
      );
    }
  }
  return problems;
};

export const expectNone = (problems: string[], what: string): void => {
  assert.ok(problems.length === 0, `${problems.length} ${what}:\n  ${problems.slice(0, 8).join('\n  ')}`);
};
