import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineEvent, Kline, OrderRequest } from '../../src/domain/index.js';
import { bundledVenueRules } from '../../src/exchange/venue-rules.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { assertError } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind, smallSyntheticConfig } from './engine-events.js';
import { alwaysProtected } from './lifecycle-checks.js';

// Smart execution (AELM, issue #18) in the whole graph, on a week of real AVAXUSDT 1m candles with
// settings that make every behaviour happen: post-only LIMITs that fill as maker, time out or expire
// and fall back to MARKET, TWAP slices on successive candles, refusals with the estimate. Every fill
// lies in its candle, the decision's qty is never exceeded, positions are always protected and no
// stop outlives an entry that never filled; the run is deterministic. Off, it changes nothing.

const AELM = {
  enabled: true,
  maxSlippageBps: 2.3,
  urgency: 0.3,
  maxParticipation: 0.015,
  twapSlices: 3,
};

test('a bad aelm parameter is a config error naming its path', () => {
  assertError(() => parsePipelineConfig({ aelm: { enabled: true, maxSlippageBps: -1 } }), {
    code: 'QT_CONFIG_INVALID',
    message: /aelm\.maxSlippageBps/,
  });
  assertError(() => parsePipelineConfig({ aelm: { twapSlice: 3 } }), {
    code: 'QT_CONFIG_INVALID',
    message: /aelm.*twapSlice/,
  });
});

test('the execution service hosts the smart stage when aelm is on: it reads candles and may publish denials', () => {
  const stageOf = (enabled: boolean) => {
    const config = parsePipelineConfig({ data: { source: 'synthetic' }, aelm: { enabled } });
    const hosted = hostedStages('execution', config, [], { replica: 0, replicas: 1 });
    assert.equal(
      hosted.map(({ stage }) => stage.name),
      ['venue', 'execution'],
    );
    return hosted[1].stage;
  };
  assert.equal(stageOf(true).consumes, ['governor.execution', 'execution.result', 'market.klines']);
  assert.equal(stageOf(true).publishes, ['execution.command', 'governor.denied']);
  assert.equal(stageOf(false).consumes, ['governor.execution', 'execution.result']);
});

test('aelm off (its parameters set or not): the run is the plain bracket’s, event for event', async () => {
  const plain = smallSyntheticConfig(2_000);
  const off = smallSyntheticConfig(2_000, {
    aelm: { enabled: false, maxSlippageBps: 0.1, twapAboveUsdt: 1 },
  });
  const events = await engineEvents(plain, loadMarketReplay(plain).klines);
  assert.ok(ofKind(events, 'fill').length >= 10);
  assert.equal(await engineEvents(off, loadMarketReplay(off).klines), events);
  assert.ok(
    ofKind(events, 'order-request').every((order) => order.reason === undefined || order.purpose !== 'ENTRY'),
  );
});

if (needSharedData('klines/AVAXUSDT-1m-2026-02.csv')) {
  const config = parsePipelineConfig({
    data: { source: 'files', path: sharedData('klines/AVAXUSDT-1m-2026-02.csv'), to: '2026-02-08' },
    aelm: AELM,
    output: { progress: false },
  });
  const market = loadMarketReplay(config);
  let cached: EngineEvent[] | undefined;
  const run = async (): Promise<EngineEvent[]> => {
    cached ??= await engineEvents(config, market.klines);
    return cached;
  };

  test('AVAXUSDT 1m: post-only LIMITs fill as maker, expire or time out to MARKET; large entries are sliced over successive candles; refusals carry the estimate', async () => {
    const events = await run();
    const entries = ofKind(events, 'order-request').filter((o) => o.purpose === 'ENTRY');
    const limits = entries.filter((o) => o.type === 'LIMIT');
    assert.ok(limits.length >= 10, `${limits.length} post-only LIMITs`);
    assert.ok(limits.every((o) => o.postOnly === true && o.price !== undefined));
    const reports = ofKind(events, 'execution-result').filter((r) => r.purpose === 'ENTRY');
    for (const status of ['FILLED', 'EXPIRED', 'CANCELED'] as const)
      assert.ok(
        reports.some((r) => r.type === 'LIMIT' && r.status === status),
        `a LIMIT entry ${status}`,
      );
    const fallbacks = entries.filter((o) =>
      /not filled within|would have taken liquidity/.test(o.reason ?? ''),
    );
    assert.ok(fallbacks.length >= 5 && fallbacks.every((o) => o.type === 'MARKET'));
    const fills = ofKind(events, 'fill').filter((f) => f.purpose === 'ENTRY');
    assert.ok(fills.some((f) => f.liquidity === 'MAKER'));
    // Slices: children 2 and 3 of a decision, each on a later candle than the one before, revision ids.
    const byIntent = new Map<string, OrderRequest[]>();
    for (const order of entries)
      byIntent.set(order.intentId, [...(byIntent.get(order.intentId) ?? []), order]);
    const sliced = [...byIntent.values()].filter((orders) =>
      orders.some((o) => / · slice 3\/3$/.test(o.reason ?? '')),
    );
    assert.ok(sliced.length >= 3, `${sliced.length} sliced entries`);
    for (const orders of sliced) {
      const slices = orders.filter((o) => / · slice \d\/3$/.test(o.reason ?? ''));
      assert.equal(
        slices.map((o) => /slice (\d)/.exec(o.reason ?? '')?.[1]),
        ['1', '2', '3'],
      );
      for (let i = 1; i < slices.length; i++) assert.ok(slices[i].ts > slices[i - 1].ts);
      assert.is(new Set(orders.map((o) => o.clientOrderId)).size, orders.length);
    }
    const refused = ofKind(events, 'order-denied').filter((d) => d.gate === 'aelm');
    assert.ok(refused.length >= 10, `${refused.length} refused`);
    for (const denial of refused)
      assert.match(denial.reason, /expected slippage \d+\.\d\d bps \(impact .*\) > max 2\.3 bps/);
    // A decision refused outright sends nothing.
    for (const denial of refused.filter((d) => d.reason.startsWith('expected slippage')))
      assert.not.ok(byIntent.has(denial.intentId), denial.intentId);
  });

  test('AVAXUSDT 1m: every fill lies in its candle ± slippage; limits fill at their price; no decision is exceeded', async () => {
    const events = await run();
    const candles = new Map<string, Kline>(market.klines.map((k) => [`${k.symbol}:${k.ts}`, k]));
    const slippage = config.exchange.slippage.bps / 1e4 + 1e-9;
    const tick = (bundledVenueRules().filtersOf('AVAXUSDT')?.tickSize ?? 0) * (1 + 1e-9);
    const orders = new Map(ofKind(events, 'order-request').map((o) => [o.clientOrderId, o]));
    for (const fill of ofKind(events, 'fill')) {
      if (fill.exitReason === 'END_OF_DATA') continue;
      const k = candles.get(`${fill.symbol}:${fill.ts}`);
      assert.ok(k !== undefined, `${fill.clientOrderId} at ${fill.ts}`);
      assert.ok(
        fill.price >= k.low * (1 - slippage) - tick && fill.price <= k.high * (1 + slippage) + tick,
        `${fill.clientOrderId} at ${fill.price} outside ${k.low}–${k.high}`,
      );
      const order = orders.get(fill.clientOrderId);
      if (order?.type === 'LIMIT') {
        assert.is(fill.liquidity, 'MAKER');
        assert.is(fill.price, order.price);
      }
    }
    const decided = new Map(ofKind(events, 'sizing-decision').map((d) => [d.intentId, d.qty]));
    const filled = new Map<string, number>();
    for (const fill of ofKind(events, 'fill'))
      if (fill.purpose === 'ENTRY') filled.set(fill.intentId, (filled.get(fill.intentId) ?? 0) + fill.qty);
    for (const [intentId, qty] of filled)
      assert.ok(qty <= (decided.get(intentId) ?? 0) + 1e-9, `${intentId} filled ${qty}`);
  });

  test('AVAXUSDT 1m: positions are always protected, and no stop or target outlives an entry that never filled', async () => {
    const events = await run();
    assert.equal(alwaysProtected(events).slice(0, 5), []);
    const filledIntents = new Set(
      ofKind(events, 'fill')
        .filter((f) => f.purpose === 'ENTRY')
        .map((f) => f.intentId),
    );
    const last = new Map<string, string>();
    for (const report of ofKind(events, 'execution-result')) last.set(report.clientOrderId, report.status);
    for (const sent of ofKind(events, 'order-submitted')) {
      if (sent.purpose !== 'STOP_LOSS' && sent.purpose !== 'TAKE_PROFIT') continue;
      if (filledIntents.has(sent.intentId)) continue;
      assert.is(
        last.get(sent.clientOrderId),
        'CANCELED',
        `${sent.clientOrderId} of unfilled ${sent.intentId}`,
      );
    }
    assert.ok(ofKind(events, 'trade-closed').length >= 10);
  });

  test('AVAXUSDT 1m with aelm: the same run twice is identical, event for event', async () => {
    assert.equal(await engineEvents(config, market.klines), await run());
  });
}

test.run();
