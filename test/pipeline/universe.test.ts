import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/domain/index.js';
import { parseAblation, runAblation } from '../../src/pipeline/ablation.js';
import { type PipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { assertError } from '../requirements.js';
import { engineEvents, ofKind } from './engine-events.js';

// Universe OS in the whole graph (issue #18): 222 seeded synthetic perpetuals of similar liquidity,
// 1h candles, the top 20 by 24 h quote volume refreshed every 4 h on the kernel's clock. Membership
// changes over time; every intent is on a member; every refusal names the refresh; a position whose
// symbol leaves is still managed to its exit (stop, target, trailing, time) with no new entry on it
// until it is back; the run is deterministic; bad config names its path; the ablation runs.

const HOUR = 3_600_000;
const VENUE_EXITS = new Set(['STOP_LOSS', 'TAKE_PROFIT', 'TRAILING_STOP', 'BREAK_EVEN', 'TIME_EXIT']);

/** 222 symbols whose quote volumes sit within a few % of each other, so noise reorders them. */
const symbols = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const startPrice = 1 + ((i * 37) % 200);
    return {
      symbol: `S${String(i).padStart(3, '0')}USDT`,
      startPrice,
      volatility: 0.0008 + ((i * 13) % 10) * 0.0001,
      baseVolume: (100_000 * (1 + (i % 7) * 0.01)) / startPrice,
      priceDecimals: 4,
    };
  });

const configOf = (count: number, candles: number, overrides: Record<string, unknown> = {}): PipelineConfig =>
  parsePipelineConfig({
    data: { source: 'synthetic', synthetic: { count: candles, interval: '1h', symbols: symbols(count) } },
    // The candle spread estimate is coarse on 1h candles: the rule is off, the others on their defaults.
    universe: { enabled: true, topN: 20, refreshMs: 4 * HOUR, maxSpreadBps: 0 },
    risk: { maxOpenPositions: 5, cooldownMs: 0, maxDrawdownPct: 60, dailyLossPct: 60 },
    monitor: { maxHoldMs: 12 * HOUR },
    output: { progress: false },
    ...overrides,
  });

test('config errors name the path: a bad topN, an unknown key, a symbol on both lists, an unknown module', () => {
  assertError(() => parsePipelineConfig({ universe: { topN: -1 } }), {
    code: 'QT_CONFIG_INVALID',
    message: /universe\.topN: expected an integer ≥ 1 and ≤ 1000, got -1/,
  });
  assertError(() => parsePipelineConfig({ universe: { enabeld: true } }), {
    code: 'QT_CONFIG_INVALID',
    message: /universe\.enabeld: unknown key; expected one of enabled, topN, refreshMs, lookbackMs, weights/,
  });
  assertError(() => parsePipelineConfig({ universe: { allow: ['BTCUSDT'], deny: ['BTCUSDT'] } }), {
    code: 'QT_CONFIG_INVALID',
    message: /universe\.allow\[0\]: BTCUSDT is also on the deny list/,
  });
  assertError(() => parsePipelineConfig({ universe: { weights: { quoteVolume: 0 } } }), {
    code: 'QT_CONFIG_INVALID',
    message: /universe\.weights: expected a weight > 0/,
  });
  assertError(() => parsePipelineConfig({ univers: { enabled: true } }), {
    code: 'QT_CONFIG_INVALID',
    message: /univers: unknown key; expected one of .*universe/,
  });
});

test('the strategy service hosts the universe when it is on, as one replica (it ranks symbols against each other)', () => {
  const names = (enabled: boolean) =>
    hostedStages(
      'strategy',
      parsePipelineConfig({ data: { source: 'synthetic' }, universe: { enabled } }),
      [],
      { replica: 0, replicas: 1 },
    ).map(({ stage }) => stage.name);
  assert.equal(names(true), ['universe', 'strategy']);
  assert.equal(names(false), ['strategy']);
  assertError(() => hostedStages('strategy', configOf(3, 10), [], { replica: 1, replicas: 2 }), {
    type: UsageError,
    message:
      '--replicas: service strategy keeps state across symbols and runs as one replica; replicas are for ai-engine',
  });
});

test('222 symbols: the top 20 changes over time; intents only on members; a symbol that leaves keeps its position managed to its exit, with no new entry; deterministic', async () => {
  const config = configOf(222, 240);
  const market = loadMarketReplay(config);
  const events = await engineEvents(config, market.klines);
  const changes = ofKind(events, 'universe-changed');
  // The first universe once a whole 24 h of candles has closed: not at 24 h (that refresh fires before
  // the candle closing then), at 28 h; then at refreshes every 4 h on the hour, when something changed.
  assert.is(changes[0].ts, market.klines[0].openTime + 28 * HOUR);
  assert.ok(changes.every((c) => c.ts % (4 * HOUR) === 0 && c.members.length === 20 && c.seen === 222));
  assert.ok(changes.length >= 20, `${changes.length} universe changes`);
  const everMember = new Set(changes.flatMap((c) => c.members.map((m) => m.symbol)));
  assert.ok(everMember.size >= 60, `${everMember.size} symbols were members at some time`);
  for (const c of changes) {
    assert.equal(
      c.members.map((m) => m.rank),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.ok(c.members.every((m, i) => i === 0 || (m.score ?? 0) <= (c.members[i - 1].score ?? 0)));
  }
  const universeAt = (ts: number) => changes.filter((c) => c.ts <= ts).at(-1);

  // Every intent is on a member of the universe of its time (or before the first one: all may open).
  const intents = ofKind(events, 'trade-intent');
  assert.ok(intents.length >= 100, `${intents.length} intents`);
  for (const intent of intents) {
    const current = universeAt(intent.ts);
    assert.ok(current === undefined || current.members.some((m) => m.symbol === intent.symbol), intent.id);
  }
  const refused = ofKind(events, 'order-denied').filter((d) => d.gate === 'universe');
  assert.ok(refused.length >= 100, `${refused.length} refused by the universe`);
  for (const denial of refused) {
    const current = universeAt(denial.ts);
    assert.ok(current !== undefined && !current.members.some((m) => m.symbol === denial.symbol));
    assert.ok(
      denial.reason.startsWith(
        `${denial.symbol} is not in the universe of the refresh at ${new Date(current.ts).toISOString()}: `,
      ),
      denial.reason,
    );
  }

  // Positions open when their symbol left: closed by the venue's own exits, after leaving.
  const trades = ofKind(events, 'trade-closed');
  const leftWhileOpen = trades.flatMap((trade) => {
    const leaving = changes.find(
      (c) => c.ts > trade.entryTs && c.ts < trade.ts && c.removed.includes(trade.symbol),
    );
    return leaving === undefined ? [] : [{ trade, leftAt: leaving.ts }];
  });
  assert.ok(leftWhileOpen.length >= 3, `${leftWhileOpen.length} positions whose symbol left while open`);
  for (const { trade, leftAt } of leftWhileOpen) {
    assert.ok(VENUE_EXITS.has(trade.reason), `${trade.symbol} closed by ${trade.reason}`);
    // No new entry on it from leaving until it is back in the universe.
    const back =
      changes.find((c) => c.ts > leftAt && c.added.includes(trade.symbol))?.ts ?? Number.POSITIVE_INFINITY;
    assert.ok(
      !intents.some((i) => i.symbol === trade.symbol && i.ts >= leftAt && i.ts < back),
      `${trade.symbol}: an intent while out of the universe`,
    );
  }
  const reasons = new Set(leftWhileOpen.map(({ trade }) => trade.reason));
  assert.ok(reasons.has('STOP_LOSS') && reasons.has('TIME_EXIT'), [...reasons].join());
  // Some of them were managed after leaving (a stop moved to break-even or trailed, or a time exit).
  const protectiveAfterLeaving = leftWhileOpen.filter(({ trade, leftAt }) =>
    ofKind(events, 'order-request').some(
      (o) => o.symbol === trade.symbol && o.purpose !== 'ENTRY' && o.ts > leftAt && o.ts <= trade.ts,
    ),
  );
  assert.ok(protectiveAfterLeaving.length >= 1, 'an exit order placed after the symbol left');

  // Same config, same data ⇒ the same events.
  assert.equal(await engineEvents(config, market.klines), events);
});

test('--ablate universe: the run with it and without it; without it there is no universe and no refusal by it', async () => {
  assert.equal(parseAblation('universe'), ['universe']);
  const { rows, all } = await runAblation({ config: configOf(40, 120), outDir: null }, ['universe']);
  assert.equal(
    rows.map((r) => [r.variant, r.modules]),
    [
      ['all', ['universe']],
      ['without universe', []],
    ],
  );
  assert.ok(rows[0].trades !== rows[1].trades || rows[0].totalReturnPct !== rows[1].totalReturnPct);
  assert.ok((all.report.deniedByGate?.universe ?? 0) > 0, 'the run with it refuses entries off the universe');
});

test.run();
