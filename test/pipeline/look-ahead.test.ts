import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EngineEvent, Kline } from '../../src/domain/index.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind, smallSyntheticConfig } from './engine-events.js';

// DESIGN.md rule 4, for the whole graph: a decision at time t may use only closed candles with
// ts ≤ t. Run the pipeline over a series, then replace every candle after a cut with a different
// but valid future and run again: everything decided up to the cut must be the same, to the byte.

/**
 * The future mirrored: every price after the cut is reflected around the cut's close in log space
 * (p → c²/p, so rallies become sell-offs; high and low swap roles), rounded to the symbol's tick,
 * and volumes change. Still valid candles (low ≤ open, close ≤ high, all positive).
 */
const mirrorAfter = (
  klines: readonly Kline[],
  cutTs: number,
  decimalsOf: (symbol: string) => number,
): Kline[] => {
  const pivot = new Map<string, number>();
  for (const k of klines) if (k.ts <= cutTs) pivot.set(k.symbol, k.close);
  return klines.map((k) => {
    if (k.ts <= cutTs) return k;
    const c = pivot.get(k.symbol) ?? k.close;
    const scale = 10 ** decimalsOf(k.symbol);
    const reflect = (price: number): number =>
      Math.max(1 / scale, Math.round(((c * c) / price) * scale) / scale);
    const open = reflect(k.open);
    const close = reflect(k.close);
    const high = Math.max(reflect(k.low), open, close);
    const low = Math.min(reflect(k.high), open, close);
    const volume = k.volume * 1.7;
    return {
      ...k,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: volume * close,
      takerBuyVolume: k.takerBuyVolume * 0.4,
    };
  });
};

/** Every event with ts ≤ cutTs of the given kinds, as JSON, in emission order. */
const decidedBy = (events: readonly EngineEvent[], cutTs: number, kinds: readonly EngineEvent['kind'][]) =>
  events.filter((e) => kinds.includes(e.kind) && e.ts <= cutTs).map((e) => JSON.stringify(e));

const DECISIONS: EngineEvent['kind'][] = [
  'signal',
  'trade-intent',
  'sizing-decision',
  'order-request',
  'cancel-order',
  'order-denied',
  'kill-switch-tripped',
];

/** Where two event lists first part, in words; undefined when they are equal. */
const firstDifference = (actual: readonly string[], expected: readonly string[]): string | undefined => {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      return `event #${i} of ${expected.length}:\n  expected ${expected[i] ?? '(nothing)'}\n  got      ${actual[i] ?? '(nothing)'}`;
    }
  }
  return undefined;
};

/**
 * The look-ahead property for one cut: returns the first difference up to the cut (undefined when
 * none), how many decisions were compared, and whether the futures' signals differ at all.
 */
const compareUpTo = (base: readonly EngineEvent[], altered: readonly EngineEvent[], cutTs: number) => {
  const before = decidedBy(base, cutTs, DECISIONS);
  // Decisions first (the clearest message), then everything else: fills, snapshots, funding, trades.
  const all = [...new Set([...base, ...altered].map((e) => e.kind))];
  const difference =
    firstDifference(decidedBy(altered, cutTs, DECISIONS), before) ??
    firstDifference(decidedBy(altered, cutTs, all), decidedBy(base, cutTs, all));
  const after = (events: readonly EngineEvent[]) =>
    events
      .filter((e) => e.kind === 'signal' && e.ts > cutTs)
      .map((e) => JSON.stringify(e))
      .join('\n');
  return { difference, decisionsBefore: before.length, differentAfter: after(altered) !== after(base) };
};

/** Asserts that nothing up to the cut changed, trades closed by then included. */
const checkCut = (base: readonly EngineEvent[], altered: readonly EngineEvent[], cutTs: number) => {
  const result = compareUpTo(base, altered, cutTs);
  if (result.difference !== undefined) assert.unreachable(`up to ${cutTs}, ${result.difference}`);
  const closedBefore = (events: readonly EngineEvent[]) =>
    ofKind(events, 'trade-closed')
      .filter((t) => t.ts <= cutTs)
      .map((t) => JSON.stringify(t));
  assert.equal(closedBefore(altered), closedBefore(base));
  return result;
};

test('synthetic, 3 symbols: nothing decided up to a cut changes when the future after it changes', async () => {
  const config = smallSyntheticConfig(2000);
  const klines = loadMarketReplay(config).klines;
  const decimals = new Map(config.data.synthetic.symbols.map((s) => [s.symbol, s.priceDecimals]));
  const base = await engineEvents(config, klines);
  // Cuts early in warm-up, mid-run, and near the end; each is one candle's close time.
  for (const index of [150, 2400, 5400]) {
    const cutTs = klines[index].ts;
    const altered = await engineEvents(
      config,
      mirrorAfter(klines, cutTs, (s) => decimals.get(s) ?? 2),
    );
    const { decisionsBefore, differentAfter } = checkCut(base, altered, cutTs);
    if (index > 150)
      assert.ok(decisionsBefore > 10, `cut ${index}: only ${decisionsBefore} decisions to compare`);
    assert.ok(
      differentAfter,
      `cut ${index}: the altered future changed no signal, so the test proves nothing`,
    );
  }
  const closedByLastCut = ofKind(base, 'trade-closed').filter((t) => t.ts <= klines[5400].ts);
  assert.ok(closedByLastCut.length >= 3, 'closed trades were compared too');
});

test('the check can fail: a future that leaks into the past is caught', async () => {
  // Sanity of the harness itself: alter the last 50 candles before the cut too, and it must notice.
  const config = smallSyntheticConfig(600);
  const klines = loadMarketReplay(config).klines;
  const base = await engineEvents(config, klines);
  const cutTs = klines[1200].ts;
  const leaked = await engineEvents(
    config,
    mirrorAfter(klines, klines[1200 - 150].ts, () => 2),
  );
  const { difference } = compareUpTo(base, leaked, cutTs);
  assert.type(difference, 'string');
});

if (needSharedData('klines/AVAXUSDT-1m-2026-02.csv')) {
  test('real AVAXUSDT 1m: nothing decided up to a cut changes when the future after it changes', async () => {
    const config = parsePipelineConfig({
      data: { source: 'files', path: sharedData('klines/AVAXUSDT-1m-2026-02.csv'), to: '2026-02-03' },
    });
    const klines = loadMarketReplay(config).klines;
    const base = await engineEvents(config, klines);
    for (const index of [1000, 2000]) {
      const cutTs = klines[index].ts;
      const altered = await engineEvents(
        config,
        mirrorAfter(klines, cutTs, () => 3),
      );
      const { decisionsBefore, differentAfter } = checkCut(base, altered, cutTs);
      assert.ok(decisionsBefore > 10, `cut ${index}: only ${decisionsBefore} decisions to compare`);
      assert.ok(differentAfter);
    }
  });
}

test.run();
