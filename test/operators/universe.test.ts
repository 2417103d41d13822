// Universe OS: the measures on hand-made candles (spread from a bid-ask bounce, volatility, funding,
// the rolling window), the ranking rule on hand-computed percentiles, the handler driven by plain
// klines and refresh timers (top-N, allow and deny lists, listing age, funding extremes, a malformed
// candle abstaining with its reason, silence when nothing changes), a marble spec, the stage's timer
// on the kernel's clock, and the strategy's gate.
import { NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type Kline,
  type OrderDenied,
  type TimerFired,
  type TradeIntent,
  UniverseChanged,
} from '../../src/domain/index.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { createSignalToIntent, signalToIntentParams } from '../../src/operators/signal-to-intent.js';
import {
  createUniverse,
  nextRefreshAt,
  UNIVERSE_TIMER,
  universe,
  universeParams,
  universeStage,
} from '../../src/operators/universe.js';
import { SymbolUniverseState } from '../../src/operators/universe-measures.js';
import { percentileRanks, rankCandidates } from '../../src/operators/universe-ranking.js';
import { kline, signal } from '../builders.js';
import { assertEqual } from '../requirements.js';

const MIN = 60_000;
// Every rule off: the tests of the ranking see quote volume alone; each rule has its own test.
const RULES_OFF = {
  maxSpreadBps: 0,
  minVolatilityPct: 0,
  maxVolatilityPct: 0,
  maxAbsFundingRate: 0,
  minAgeMs: 0,
};
const params = (overrides: Record<string, unknown> = {}) =>
  universeParams.parse({
    enabled: true,
    topN: 2,
    refreshMs: 5 * MIN,
    lookbackMs: 5 * MIN,
    ...RULES_OFF,
    ...overrides,
  });

/** A flat 1m candle of `symbol` closing at `minute` with `quoteVolume` (high = low = close: no spread, no volatility). */
const candle = (symbol: string, minute: number, quoteVolume: number, overrides: Partial<Kline> = {}): Kline =>
  kline({ symbol, ts: minute * MIN, close: 100, quoteVolume, ...overrides });
const timer = (minute: number): TimerFired => ({
  kind: 'timer-fired',
  ts: minute * MIN,
  name: UNIVERSE_TIMER,
  owner: 'universe',
});
/** Each symbol's candle for minutes [from, to), in symbol order within a minute (as the kernel interleaves them). */
const minutes = (from: number, to: number, volumes: Record<string, number>): Kline[] => {
  const out: Kline[] = [];
  for (let m = from; m < to; m++)
    for (const [symbol, qv] of Object.entries(volumes)) out.push(candle(symbol, m, qv));
  return out;
};
const VOLUMES = { AAAUSDT: 400, BBBUSDT: 300, CCCUSDT: 200, DDDUSDT: 100 };
const FLAT = { quoteVolume: 0, spreadBps: 0, volatilityPct: 0 };

const run = (p: ReturnType<typeof params>, events: readonly (Kline | TimerFired)[]): UniverseChanged[] => {
  const handler = createUniverse(p);
  const out: UniverseChanged[] = [];
  for (const event of events) handler.next(event, (e) => void out.push(e));
  return out;
};

test('percentile ranks: lowest 0, highest 1, ties share their mean rank, one value is 1', () => {
  assert.equal([...percentileRanks([10, 30, 20, 20])], [0, 1, 0.5, 0.5]);
  assert.equal([...percentileRanks([7])], [1]);
  assert.equal([...percentileRanks([])], []);
});

test('ranking: the weighted mean of percentile ranks (volume up, spread down, volatility up); ties by volume, then symbol', () => {
  const m = (quoteVolume: number, spreadBps: number, volatilityPct: number) => ({
    quoteVolume,
    spreadBps,
    volatilityPct,
  });
  const ranked = rankCandidates(
    [
      { symbol: 'AAAUSDT', measures: m(300, 9, 2) },
      { symbol: 'BBBUSDT', measures: m(200, 1, 4) },
      { symbol: 'CCCUSDT', measures: m(100, 5, 3) },
    ],
    { quoteVolume: 2, spread: 1, volatility: 1 },
  );
  // AAA: (2·1 + 1·(1−1) + 1·0) / 4 = 0.5; BBB: (2·0.5 + 1·1 + 1·1) / 4 = 0.75; CCC: (0 + 0.5 + 0.5) / 4 = 0.25.
  assert.equal(
    ranked.map((r) => [r.candidate.symbol, r.score]),
    [
      ['BBBUSDT', 0.75],
      ['AAAUSDT', 0.5],
      ['CCCUSDT', 0.25],
    ],
  );
  const tied = rankCandidates(
    [
      { symbol: 'ZZZUSDT', measures: m(100, 1, 1) },
      { symbol: 'YYYUSDT', measures: m(100, 1, 1) },
    ],
    { quoteVolume: 1, spread: 0, volatility: 0 },
  );
  assert.equal(
    tied.map((r) => r.candidate.symbol),
    ['YYYUSDT', 'ZZZUSDT'],
  );
});

test('measures: a close bouncing between 99.9 and 100.1 inside a 99.9–100.1 range is a 20 bps spread (Abdi–Ranaldo)', () => {
  const state = new SymbolUniverseState(0, '1m', 10 * MIN);
  for (let i = 1; i <= 12; i++)
    state.update(
      kline({ ts: i * MIN, open: 100, close: i % 2 === 0 ? 100.1 : 99.9, high: 100.1, low: 99.9 }),
    );
  const measures = state.measuresAt(12 * MIN, 0);
  assert.ok(typeof measures !== 'string');
  // c − η = ±½·ln(100.1 / 99.9) on every candle, with the same sign against the next η: S = ln(100.1 / 99.9).
  assert.ok(
    Math.abs(measures.spreadBps - 10_000 * Math.log(100.1 / 99.9)) < 1e-9,
    String(measures.spreadBps),
  );
  // The window is the last 10 candles, each of the builder's 10 × close quote volume.
  assert.ok(Math.abs(measures.quoteVolume - (5 * 1_001 + 5 * 999)) < 1e-9, String(measures.quoteVolume));
});

test('measures: volatility is the sample σ of the window’s log returns scaled to a day; funding is the largest |rate| in the window', () => {
  const closes = [100, 101, 100, 102, 101, 103, 102, 104];
  const state = new SymbolUniverseState(0, '1m', 5 * MIN);
  closes.forEach((close, i) => {
    state.update(kline({ ts: (i + 1) * MIN, close, ...(i === 3 ? { fundingRate: -0.0007 } : {}) }));
  });
  // The window holds the last 5 candles: their 5 returns (each against the candle before).
  const returns = closes
    .slice(-6)
    .flatMap((close, i, all) => (i === 0 ? [] : [Math.log(close / all[i - 1])]));
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1));
  const at = (minute: number) => state.measuresAt(minute * MIN, 0);
  const measures = at(8);
  assert.ok(typeof measures !== 'string');
  assert.ok(Math.abs(measures.volatilityPct - 100 * sd * Math.sqrt(1_440)) < 1e-9);
  assert.is(measures.maxAbsFundingRate, 0.0007);
  // The settlement at minute 4 leaves the 5-minute window at minute 9.
  const later = at(9);
  assert.ok(typeof later !== 'string' && later.maxAbsFundingRate === undefined);
  assert.is(at(14), `no candle since 1970-01-01T00:08:00.000Z (a whole lookback)`);
  assert.is(
    new SymbolUniverseState(0, '1m', 5 * MIN).measuresAt(MIN, 0),
    '0 candle(s) so far; measures need 3',
  );
});

test('the rolling window: quote volume of exactly the last lookback of candles, however long the run', () => {
  const state = new SymbolUniverseState(0, '1m', 3 * MIN);
  for (let i = 1; i <= 1_000; i++) state.update(kline({ ts: i * MIN, quoteVolume: i }));
  const measures = state.measuresAt(1_000 * MIN, 0);
  assert.ok(typeof measures !== 'string');
  assert.is(measures.quoteVolume, 998 + 999 + 1_000);
});

test('refresh on the timer only; no universe before one whole lookback; then the top N by quote volume, with scores and measures', () => {
  const events = run(params(), [...minutes(1, 5, VOLUMES), timer(5), ...minutes(5, 10, VOLUMES), timer(10)]);
  // At minute 5 only 4 minutes of data were in: no universe yet (every symbol may open).
  assert.is(events.length, 1);
  assert.equal(events[0], {
    kind: 'universe-changed',
    ts: 10 * MIN,
    members: [
      {
        symbol: 'AAAUSDT',
        rank: 1,
        score: 1,
        measures: { ...FLAT, quoteVolume: 2_000 },
        reason: 'rank 1 of 4 by score 1.000',
      },
      {
        symbol: 'BBBUSDT',
        rank: 2,
        score: 2 / 3,
        measures: { ...FLAT, quoteVolume: 1_500 },
        reason: 'rank 2 of 4 by score 0.667',
      },
    ],
    added: ['AAAUSDT', 'BBBUSDT'],
    removed: [],
    excluded: [],
    eligible: 4,
    seen: 4,
    reason: 'refresh at 1970-01-01T00:10:00.000Z: 2 of 4 symbols (4 eligible, top 2); first universe',
  });
  // What crosses the wire between services parses as the event's own schema.
  assert.equal(UniverseChanged.parse(events[0]), events[0]);
  // Candles alone never emit.
  assert.equal(run(params(), minutes(1, 30, VOLUMES)), []);
});

test('a symbol whose volume overtakes joins at the next refresh; the one it displaces leaves with its rank; nothing when nothing changes', () => {
  const events = run(params(), [
    ...minutes(1, 10, VOLUMES),
    timer(10),
    ...minutes(10, 11, VOLUMES),
    timer(11),
    ...minutes(11, 16, { ...VOLUMES, CCCUSDT: 1_000 }),
    timer(16),
  ]);
  assert.equal(
    events.map((e) => [e.ts / MIN, e.members.map((m) => m.symbol), e.added, e.removed]),
    [
      [10, ['AAAUSDT', 'BBBUSDT'], ['AAAUSDT', 'BBBUSDT'], []],
      [16, ['CCCUSDT', 'AAAUSDT'], ['CCCUSDT'], ['BBBUSDT']],
    ],
  );
  assert.equal(events[1].excluded, [
    { symbol: 'BBBUSDT', why: 'rank', reason: 'rank 3 of 4 by score 0.333, below the top 2' },
  ]);
  assert.match(events[1].reason, /; 1 joined, 1 left$/);
});

test('allow list always in (counted in topN), deny list never; both must be disjoint and fit topN', () => {
  const [first] = run(params({ allow: ['DDDUSDT'], deny: ['AAAUSDT'] }), [
    ...minutes(1, 10, VOLUMES),
    timer(10),
  ]);
  assert.equal(
    first.members.map((m) => [m.symbol, m.rank, m.reason]),
    [
      ['BBBUSDT', 1, 'rank 1 of 3 by score 1.000'],
      ['DDDUSDT', 2, 'allow list (rank 3 of 3 by score 0.000)'],
    ],
  );
  assert.equal(first.excluded, [{ symbol: 'AAAUSDT', why: 'deny-list', reason: 'on the deny list' }]);
  assert.is(first.eligible, 2);
  // An allow-listed symbol never seen is in all the same.
  const [unseen] = run(params({ allow: ['EEEUSDT'] }), [...minutes(1, 10, VOLUMES), timer(10)]);
  assert.equal(UniverseChanged.parse(unseen), unseen);
  assert.equal(
    unseen.members.map((m) => [m.symbol, m.reason]),
    [
      ['AAAUSDT', 'rank 1 of 4 by score 1.000'],
      ['EEEUSDT', 'allow list (no measures yet)'],
    ],
  );
  const issues = universeParams.safeParse({ topN: 1, allow: ['AAAUSDT', 'BBBUSDT'], deny: ['BBBUSDT'] });
  assert.ok(!issues.success);
  assert.equal(
    issues.error.issues.map((i) => [i.path.join('.'), i.message]),
    [
      ['allow.1', 'BBBUSDT is also on the deny list'],
      ['allow', '2 symbols always in, but topN is 1; raise topN or shorten the list'],
    ],
  );
});

test('listing age: a symbol first seen after the data began joins only once minAgeMs old; those present from the start have no age', () => {
  const late = (from: number, to: number) => minutes(from, to, { EEEUSDT: 5_000 });
  const events = run(params({ minAgeMs: 5 * MIN }), [
    ...minutes(1, 7, VOLUMES),
    ...minutes(7, 10, VOLUMES),
    ...late(7, 10),
    timer(10),
    ...minutes(10, 15, VOLUMES),
    ...late(10, 15),
    timer(15),
  ]);
  assert.equal(events[0].excluded, [
    { symbol: 'EEEUSDT', why: 'too-young', reason: 'listed 4 min ago < minAgeMs 5 min' },
  ]);
  assert.equal(
    events[1].members.map((m) => [m.symbol, m.measures?.ageMs]),
    [
      ['EEEUSDT', 9 * MIN],
      ['AAAUSDT', undefined],
    ],
  );
});

test('funding extremes: a settlement with |rate| above the limit excludes the symbol while it is in the window', () => {
  const p = params({ topN: 4, maxAbsFundingRate: 0.001 });
  const events = run(p, [
    ...minutes(1, 8, VOLUMES),
    candle('AAAUSDT', 8, 400, { fundingRate: -0.002 }),
    ...minutes(8, 10, { BBBUSDT: 300, CCCUSDT: 200, DDDUSDT: 100 }),
    ...minutes(9, 10, { AAAUSDT: 400 }),
    timer(10),
    ...minutes(10, 15, VOLUMES),
    timer(15),
  ]);
  assert.equal(events[0].excluded, [
    { symbol: 'AAAUSDT', why: 'funding', reason: 'funding |rate| 0.002 > maxAbsFundingRate 0.001' },
  ]);
  assert.equal(
    events[0].members.map((m) => m.symbol),
    ['BBBUSDT', 'CCCUSDT', 'DDDUSDT'],
  );
  assert.equal(events[1].added, ['AAAUSDT']);
  assert.equal(events[1].excluded, []);
});

test('spread and volatility rules exclude with the measure in the reason', () => {
  const bounce = (m: number): Kline =>
    kline({
      symbol: 'DDDUSDT',
      ts: m * MIN,
      open: 100,
      close: m % 2 === 0 ? 100.1 : 99.9,
      high: 100.1,
      low: 99.9,
    });
  const events = run(params({ topN: 4, maxSpreadBps: 10, maxVolatilityPct: 10 }), [
    // CCC swings 10 % a candle, each close at its candle's mid (no spread): volatility alone.
    ...minutes(1, 10, { AAAUSDT: 400, BBBUSDT: 300, CCCUSDT: 200 }).map((k) => {
      if (k.symbol !== 'CCCUSDT') return k;
      const close = (k.ts / MIN) % 2 === 0 ? 110 : 100;
      return { ...k, open: close, close, high: close * 1.01, low: close / 1.01 };
    }),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map(bounce),
    timer(10),
  ]);
  const bySymbol = new Map(events[0].excluded.map((e) => [e.symbol, e]));
  assert.is(bySymbol.get('DDDUSDT')?.why, 'spread');
  assert.match(bySymbol.get('DDDUSDT')?.reason ?? '', /^spread ~20\.0 bps > maxSpreadBps 10$/);
  assert.is(bySymbol.get('CCCUSDT')?.why, 'volatility-high');
  assert.match(bySymbol.get('CCCUSDT')?.reason ?? '', /^volatility \d+\.\d\d %\/day > maxVolatilityPct 10$/);
  // Flat candles have no volatility: below a minimum band they are out too.
  const [flat] = run(params({ minVolatilityPct: 0.5 }), [...minutes(1, 10, VOLUMES), timer(10)]);
  assert.equal(flat.members, []);
  assert.equal(
    flat.excluded.map((e) => e.why),
    ['volatility-low', 'volatility-low', 'volatility-low', 'volatility-low'],
  );
});

test('a malformed candle (NaN close): the module abstains for that symbol at the next refresh, with the reason; it returns after', () => {
  const events = run(params(), [
    ...minutes(1, 10, VOLUMES),
    timer(10),
    ...minutes(10, 15, VOLUMES).map((k) =>
      k.symbol === 'BBBUSDT' && k.ts === 12 * MIN ? { ...k, close: Number.NaN } : k,
    ),
    timer(15),
    ...minutes(15, 20, VOLUMES),
    timer(20),
  ]);
  assert.equal(
    events.map((e) => [e.ts / MIN, e.members.map((m) => m.symbol)]),
    [
      [10, ['AAAUSDT', 'BBBUSDT']],
      [15, ['AAAUSDT', 'CCCUSDT']],
      [20, ['AAAUSDT', 'BBBUSDT']],
    ],
  );
  assert.equal(events[1].excluded, [
    {
      symbol: 'BBBUSDT',
      why: 'invalid-candle',
      reason: 'abstains: candle at 1970-01-01T00:12:00.000Z has close NaN',
    },
  ]);
});

test('marbles: candles in, one UniverseChanged at the refresh that first selects, nothing at the others', () => {
  const p = { enabled: true, topN: 1, refreshMs: 5 * MIN, lookbackMs: 5 * MIN, ...RULES_OFF };
  const klines = minutes(1, 12, { AAAUSDT: 2, BBBUSDT: 1 });
  new TestScheduler(assertEqual).run(({ cold, expectObservable, expectSubscriptions }) => {
    // a…: 20 candles (minutes 1–10), then the timer at 10 (t), 2 more candles, the timer at 11 (u).
    const values: Record<string, Kline | TimerFired> = { t: timer(10), u: timer(11) };
    const names = klines.map((_, i) => String.fromCharCode(0x100 + i));
    names.forEach((name, i) => {
      values[name] = klines[i];
    });
    const marbles = `${names.slice(0, 18).join('')}t${names.slice(18).join('')}u|`;
    const source = cold(marbles, values);
    expectObservable(source.pipe(universe(p))).toBe(`${'-'.repeat(18)}x${'-'.repeat(names.length - 18)}-|`, {
      x: expectFirst(),
    });
    expectSubscriptions(source.subscriptions).toBe(`^${'-'.repeat(marbles.length - 2)}!`);
  });
  // An error in the source reaches the output; a never-ending source emits nothing.
  new TestScheduler(assertEqual).run(({ cold, expectObservable }) => {
    expectObservable(cold<Kline>('--#', undefined, new Error('feed lost')).pipe(universe(p))).toBe(
      '--#',
      undefined,
      new Error('feed lost'),
    );
    expectObservable(NEVER.pipe(universe(p)), '^---!').toBe('-----');
  });
});

/** The first universe of the marble test: AAA over BBB by volume. */
const expectFirst = (): UniverseChanged => ({
  kind: 'universe-changed',
  ts: 10 * MIN,
  members: [
    {
      symbol: 'AAAUSDT',
      rank: 1,
      score: 1,
      measures: { ...FLAT, quoteVolume: 10 },
      reason: 'rank 1 of 2 by score 1.000',
    },
  ],
  added: ['AAAUSDT'],
  removed: [],
  excluded: [],
  eligible: 2,
  seen: 2,
  reason: 'refresh at 1970-01-01T00:10:00.000Z: 1 of 2 symbols (2 eligible, top 1); first universe',
});

test('the stage: its first candle sets a periodic timer on the kernel’s clock at the next refresh boundary; the refresh fires before the candles of its instant', () => {
  assert.is(nextRefreshAt(7 * MIN, 5 * MIN), 10 * MIN);
  assert.is(nextRefreshAt(10 * MIN, 5 * MIN), 15 * MIN);
  const seen: string[] = [];
  const kernel = new Kernel({
    onEvent: ({ event }) => {
      if (event.kind === 'universe-changed')
        seen.push(`universe@${event.ts / MIN} ${event.members.map((m) => m.symbol)}`);
      else if (event.kind === 'timer-fired')
        seen.push(`timer ${event.owner}/${event.name}@${event.ts / MIN}`);
    },
  }).register(universeStage(params({ topN: 1 })));
  for (const k of minutes(3, 16, { AAAUSDT: 2, BBBUSDT: 1 })) {
    kernel.process(k, TOPICS.klines);
    if (k.symbol === 'AAAUSDT' && k.ts % (5 * MIN) === 0) seen.push(`kline@${k.ts / MIN}`);
  }
  // The first candle (minute 3, opened at 2) arms the timer at 5; by 10 a whole lookback is in.
  assert.equal(seen, [
    'timer universe/universe.refresh@5',
    'kline@5',
    'timer universe/universe.refresh@10',
    'universe@10 AAAUSDT',
    'kline@10',
    'timer universe/universe.refresh@15',
    'kline@15',
  ]);
});

test('strategy gate: no universe yet ⇒ every symbol may open; then only members — others are OrderDenied (gate universe) naming the refresh and why', () => {
  const strategy = createSignalToIntent(signalToIntentParams.parse({}));
  const out: (TradeIntent | OrderDenied)[] = [];
  const emit = (e: TradeIntent | OrderDenied): void => void out.push(e);
  strategy.next(signal({ symbol: 'BBBUSDT', ts: 5 * MIN }), emit);
  const changes = run(params(), [
    ...minutes(1, 10, VOLUMES),
    timer(10),
    ...minutes(10, 15, { ...VOLUMES, CCCUSDT: 1_000 }),
    timer(15),
    ...minutes(15, 20, { ...VOLUMES, CCCUSDT: 1_000, DDDUSDT: 2_000 }),
    timer(20),
  ]);
  const denials = (): string[] =>
    out
      .splice(0)
      .map((e) =>
        e.kind === 'trade-intent' ? `${e.symbol} ${e.side}` : `${e.symbol} denied by ${e.gate}: ${e.reason}`,
      );
  assert.equal(denials(), ['BBBUSDT LONG']);
  strategy.next(changes[1], emit);
  for (const symbol of ['AAAUSDT', 'BBBUSDT', 'DDDUSDT'])
    strategy.next(signal({ symbol, ts: 16 * MIN, action: 'SELL' }), emit);
  assert.is((out[1] as OrderDenied).intentId, `BBBUSDT-${16 * MIN}-SHORT`);
  assert.equal(denials(), [
    'AAAUSDT SHORT',
    'BBBUSDT denied by universe: BBBUSDT is not in the universe of the refresh at 1970-01-01T00:15:00.000Z: rank 3 of 4 by score 0.333, below the top 2',
    'DDDUSDT denied by universe: DDDUSDT is not in the universe of the refresh at 1970-01-01T00:15:00.000Z: not ranked into it',
  ]);
  // A later universe: AAA leaves now; BBB's reason is the refresh it left at.
  strategy.next(changes[2], emit);
  for (const symbol of ['AAAUSDT', 'BBBUSDT', 'DDDUSDT'])
    strategy.next(signal({ symbol, ts: 21 * MIN }), emit);
  assert.equal(denials(), [
    'AAAUSDT denied by universe: AAAUSDT is not in the universe of the refresh at 1970-01-01T00:20:00.000Z: rank 3 of 4 by score 0.333, below the top 2',
    'BBBUSDT denied by universe: BBBUSDT is not in the universe of the refresh at 1970-01-01T00:20:00.000Z: left at the refresh at 1970-01-01T00:15:00.000Z (rank 3 of 4 by score 0.333, below the top 2)',
    'DDDUSDT LONG',
  ]);
});

test.run();
