// The order lifecycle on real Binance klines (examples/atr-stop.yaml, where an audit found 15 of 196
// trades wrong): every exit replays from the candles through the trade's own stop, target,
// trailing stop or time rule — never another position's order; no protective order outlives its
// position or a refused entry; a refused replacement stop never leaves a position unprotected; and
// a venue that answers late cannot be overrun.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BusEvent,
  createPrng,
  type ExecutionResult,
  type Kline,
  type OrderSubmitted,
  type TradeClosed,
} from '../../src/domain/index.js';
import type { Exchange } from '../../src/exchange/exchange.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import type { Envelope } from '../../src/kernel/envelope.js';
import { replayMarket } from '../../src/kernel/replay.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import {
  loadPipelineConfig,
  type PipelineConfig,
  parsePipelineConfig,
  simExchangeParamsOf,
} from '../../src/pipeline/config.js';
import { tradingKernel } from '../../src/pipeline/graph.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { alwaysProtected } from './lifecycle-checks.js';
import { LaggingVenue, RefusingVenue } from './test-venues.js';

interface Run {
  readonly envelopes: Envelope[];
  readonly events: BusEvent[];
  readonly klines: readonly Kline[];
  readonly config: PipelineConfig;
  readonly sim: SimExchange;
}

const atrStop = (data: Record<string, unknown>, overrides: Record<string, unknown> = {}): PipelineConfig => {
  const loaded = loadPipelineConfig(join('examples', 'atr-stop.yaml'));
  return parsePipelineConfig({
    ...loaded,
    ...overrides,
    data,
    output: { ...loaded.output, progress: false },
  });
};

/** The whole bus of one run, with the simulator wrapped by `venue`. */
const run = async (
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

const ofKind = <K extends BusEvent['kind']>(events: readonly BusEvent[], kind: K) =>
  events.filter((e): e is Extract<BusEvent, { kind: K }> => e.kind === kind);

const TERMINAL = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
const PROTECTIVE = new Set(['STOP_LOSS', 'TAKE_PROFIT']);

/** Every reducing fill closes part of the position it belongs to: same symbol, same intent. */
const exitsBelongToTheirPosition = (events: readonly BusEvent[]): string[] => {
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
const noOrphanProtection = (events: readonly BusEvent[]): string[] => {
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
const exitsReplayFromCandles = ({ events, klines, config, sim }: Run): string[] => {
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

const expectNone = (problems: string[], what: string): void => {
  assert.ok(problems.length === 0, `${problems.length} ${what}:\n  ${problems.slice(0, 8).join('\n  ')}`);
};

if (needSharedData('klines/um-2026-02-1h', 'klines/AVAXUSDT-1m-2026-02.csv')) {
  const markets = [
    {
      name: '7 perpetuals, 1h, Feb 2026',
      data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
    },
    {
      name: 'AVAXUSDT 1m, 10 days',
      data: { source: 'files', path: sharedData('klines/AVAXUSDT-1m-2026-02.csv'), to: '2026-02-11' },
    },
  ];
  for (const market of markets) {
    let cached: Run | undefined;
    const get = async () => {
      cached ??= await run(atrStop(market.data));
      return cached;
    };

    test(`atr-stop on ${market.name}: every exit replays from the candles through the trade's own order`, async () => {
      const result = await get();
      const trades = ofKind(result.events, 'trade-closed');
      assert.ok(trades.length >= 20, `expected ≥ 20 trades, got ${trades.length}`);
      expectNone(exitsBelongToTheirPosition(result.events), "exits by another position's order");
      expectNone(exitsReplayFromCandles(result), 'exits that the candles do not explain');
    });

    test(`atr-stop on ${market.name}: no protective order outlives its position; positions are never unprotected`, async () => {
      const result = await get();
      expectNone(noOrphanProtection(result.events), 'orphaned protective orders');
      expectNone(alwaysProtected(result.events), 'unprotected positions');
    });

    test(`atr-stop on ${market.name}: every trade traces back through its intent and signal votes to its candle`, async () => {
      const { envelopes } = await get();
      const byId = new Map(envelopes.map((e) => [e.id, e]));
      const intents = new Map(
        envelopes
          .filter((e) => e.event.kind === 'trade-intent')
          .map((e) => [(e.event as { id: string }).id, e]),
      );
      for (const trade of envelopes.filter((e) => e.event.kind === 'trade-closed')) {
        const closed = trade.event as TradeClosed;
        const intent = intents.get(closed.intentId);
        assert.ok(intent, `intent ${closed.intentId} of trade ${closed.tradeId}`);
        const signal = byId.get(intent.causeId ?? '');
        assert.is(signal?.event.kind, 'signal', `signal behind ${closed.intentId}`);
        assert.ok(signal?.event.kind === 'signal' && signal.event.votes.length > 0, 'the votes are kept');
        const candle = byId.get(signal?.causeId ?? '');
        assert.is(candle?.event.kind, 'kline', `candle behind ${closed.intentId}`);
        assert.is(candle?.event.ts, intent.event.ts);
        // The close itself: a fill, caused (through the venue) by a candle or an order.
        const exit = byId.get(trade.causeId ?? '');
        assert.is(exit?.event.kind, 'fill', `fill behind ${closed.tradeId}`);
        assert.is(exit?.event.kind === 'fill' ? exit.event.intentId : undefined, closed.intentId);
      }
    });
  }

  test('a refused entry leaves no stop or target behind, and later positions on the symbol close by their own orders', async () => {
    let entries = 0;
    let refusing: RefusingVenue | undefined;
    const result = await run(atrStop(markets[0].data), (sim) => {
      // Every third entry is refused, as Binance refuses one when the price moved against the margin.
      refusing = new RefusingVenue(sim, (order) => order.purpose === 'ENTRY' && ++entries % 3 === 0);
      return refusing;
    });
    assert.ok((refusing?.refused.length ?? 0) >= 5, `expected refusals, got ${refusing?.refused.length}`);
    const refusedIntents = new Set(refusing?.refused.map((o) => o.intentId));
    const sentForRefused = ofKind(result.events, 'order-submitted').filter(
      (o) => refusedIntents.has(o.intentId) && o.purpose !== 'ENTRY',
    );
    assert.equal(sentForRefused, [], 'nothing but the entry is sent for a refused intent');
    assert.ok(ofKind(result.events, 'trade-closed').length >= 10);
    expectNone(exitsBelongToTheirPosition(result.events), "exits by another position's order");
    expectNone(noOrphanProtection(result.events), 'orphaned protective orders');
  });

  test('refused replacement stops: the old stop is never cancelled, so no position is ever unprotected', async () => {
    let refusing: RefusingVenue | undefined;
    const result = await run(atrStop(markets[0].data), (sim) => {
      // Refuse every stop the monitor moves (revision ≥ 1), keep the brackets' own stops.
      refusing = new RefusingVenue(
        sim,
        (order) => order.purpose === 'STOP_LOSS' && /-sl\d+-/.test(order.clientOrderId),
      );
      return refusing;
    });
    assert.ok(
      (refusing?.refused.length ?? 0) >= 5,
      `expected refused replacements, got ${refusing?.refused.length}`,
    );
    const refusedIds = new Set(refusing?.refused.map((o) => o.clientOrderId));
    const cancels = ofKind(result.events, 'cancel-order');
    // Only a replacement the venue accepted may cancel the stop before it; none was accepted.
    assert.equal(
      cancels.filter((c) => /replaced by/.test(c.reason)),
      [],
      'no stop was cancelled for a replacement',
    );
    assert.ok(refusedIds.size > 0);
    expectNone(alwaysProtected(result.events), 'unprotected positions');
    expectNone(exitsBelongToTheirPosition(result.events), "exits by another position's order");
  });

  test('examples/all-modules.yaml (regime detection and portfolio balancing on): every exit replays from the candles through its own order; nothing left unprotected', async () => {
    const loaded = loadPipelineConfig(join('examples', 'all-modules.yaml'));
    const result = await run(
      parsePipelineConfig({
        ...loaded,
        data: { ...loaded.data, path: sharedData('klines/um-2026-02-1h') },
        output: { ...loaded.output, progress: false },
      }),
    );
    assert.ok(ofKind(result.events, 'trade-closed').length >= 20);
    assert.ok(ofKind(result.events, 'regime-changed').length > 0);
    expectNone(exitsBelongToTheirPosition(result.events), "exits by another position's order");
    expectNone(exitsReplayFromCandles(result), 'exits that the candles do not explain');
    expectNone(noOrphanProtection(result.events), 'orphaned protective orders');
    expectNone(alwaysProtected(result.events), 'unprotected positions');
  });
}

test('a venue that answers three candles late cannot push open positions or gross exposure past the limits', async () => {
  const symbols = [
    'AAAUSDT',
    'BBBUSDT',
    'CCCUSDT',
    'DDDUSDT',
    'EEEUSDT',
    'FFFUSDT',
    'GGGUSDT',
    'HHHUSDT',
    'IIIUSDT',
    'JJJUSDT',
  ];
  const config = parsePipelineConfig({
    data: {
      source: 'synthetic',
      synthetic: {
        count: 1_500,
        correlation: 0.95,
        symbols: symbols.map((symbol) => ({
          symbol,
          startPrice: 100,
          volatility: 0.002,
          baseVolume: 1_000,
          priceDecimals: 4,
        })),
      },
    },
    risk: { maxOpenPositions: 3, maxGrossExposure: 2, cooldownMs: 0 },
    output: { progress: false },
  });
  let lagging: LaggingVenue | undefined;
  const result = await run(config, (sim) => {
    lagging = new LaggingVenue(sim, 3);
    return lagging;
  });
  const venue = lagging as LaggingVenue;
  // The same candle often signals on many symbols: the limits are tested, not idle.
  const intentsPerTs = new Map<number, number>();
  for (const intent of ofKind(result.events, 'trade-intent'))
    intentsPerTs.set(intent.ts, (intentsPerTs.get(intent.ts) ?? 0) + 1);
  assert.ok(Math.max(...intentsPerTs.values()) >= 4, 'several symbols signal in one candle');
  assert.ok(ofKind(result.events, 'order-denied').some((d) => d.gate === 'max-open-positions'));
  assert.ok(venue.maxOpenPositions >= 2, `positions were opened (${venue.maxOpenPositions})`);
  assert.ok(venue.maxOpenPositions <= 3, `the venue held ${venue.maxOpenPositions} positions, max 3`);
  // Gross exposure is checked at decision time against equity; allow the price drift of 3 candles.
  assert.ok(
    venue.maxGrossExposureToWallet <= 2 * 1.1,
    `gross ${venue.maxGrossExposureToWallet.toFixed(3)} × wallet, max 2`,
  );
  const refusedForMargin = ofKind(result.events, 'execution-result').filter(
    (r: ExecutionResult) => r.status === 'REJECTED' && r.errorCode === 'QT_EXCHANGE_INSUFFICIENT_MARGIN',
  );
  assert.equal(refusedForMargin, [], 'the free-margin gate refuses what the venue would');
});

test.run();
