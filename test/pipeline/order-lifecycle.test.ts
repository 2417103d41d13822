// The order lifecycle on real Binance klines (examples/atr-stop.yaml, where an audit found 15 of 196
// trades wrong): every exit replays from the candles through the trade's own stop, target,
// trailing stop or time rule — never another position's order; no protective order outlives its
// position or a refused entry; a refused replacement stop never leaves a position unprotected; and
// a venue that answers late cannot be overrun.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExecutionResult, TradeClosed } from '../../src/domain/index.js';
import { loadPipelineConfig, type PipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { needSharedData, sharedData } from '../shared-data.js';
import {
  alwaysProtected,
  exitsBelongToTheirPosition,
  exitsReplayFromCandles,
  expectNone,
  noOrphanProtection,
  ofKind,
  type Run,
  run,
} from './lifecycle-checks.js';
import { LaggingVenue, RefusingVenue } from './test-venues.js';

const atrStop = (data: Record<string, unknown>, overrides: Record<string, unknown> = {}): PipelineConfig => {
  const loaded = loadPipelineConfig(join('examples', 'atr-stop.yaml'));
  return parsePipelineConfig({
    ...loaded,
    ...overrides,
    data,
    output: { ...loaded.output, progress: false },
  });
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
