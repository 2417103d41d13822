import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  type Kline,
  SymbolId,
  type TimerFired,
  type UniverseChanged,
  type UniverseExclusion,
  type UniverseMeasures,
  type UniverseMember,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { STAGE_RANK, type Stage, type StageContext } from '../kernel/stage.js';
import { TOPICS } from '../kernel/topics.js';
import { isoOf, SymbolUniverseState } from './universe-measures.js';
import { type Candidate, rankCandidates } from './universe-ranking.js';

/** Name of the universe's refresh timer on the kernel's clock (its owner is the stage). */
export const UNIVERSE_TIMER = 'universe.refresh';
export const UNIVERSE_STAGE = 'universe';

const HOUR_MS = 3_600_000;

export const universeParams = z
  .object({
    /** Off by default: every symbol may open, as without the module. */
    enabled: z.boolean().default(false),
    /** Members of the universe (the allow list included). */
    topN: z.number().int().min(1).max(1_000).default(20),
    /** Refresh period on the kernel's clock, at multiples of it since the epoch (1 h: on the hour). */
    refreshMs: z
      .number()
      .int()
      .min(60_000)
      .max(7 * 24 * HOUR_MS)
      .default(HOUR_MS),
    /** Window of every measure (24 h: the 24 h quote volume); the first universe waits for one whole window of data. */
    lookbackMs: z
      .number()
      .int()
      .min(60_000)
      .max(30 * 24 * HOUR_MS)
      .default(24 * HOUR_MS),
    /**
     * The score: a weighted mean of percentile ranks among the eligible symbols — quote volume
     * (higher ranks higher), spread (narrower ranks higher), volatility (more ranks higher, inside
     * the band). The default ranks by quote volume alone.
     */
    weights: z
      .object({
        quoteVolume: z.number().min(0).max(100).default(1),
        spread: z.number().min(0).max(100).default(0),
        volatility: z.number().min(0).max(100).default(0),
      })
      .strict()
      .prefault({})
      .refine((w) => w.quoteVolume + w.spread + w.volatility > 0, { message: 'expected a weight > 0' }),
    /** Rules (a symbol failing one is excluded, with the reason): quote volume in the window, USDT (0: none). */
    minQuoteVolume: z.number().nonnegative().default(0),
    /** Estimated spread above this (basis points; 0: no limit) excludes. Candle estimates are coarse on 1h candles. */
    maxSpreadBps: z.number().nonnegative().default(50),
    /** Daily realized volatility band, in percent (a max of 0: no upper limit). */
    minVolatilityPct: z.number().nonnegative().default(0.5),
    maxVolatilityPct: z.number().nonnegative().default(30),
    /** A funding settlement in the window with |rate| above this excludes (0.001 = 0.1 % per 8 h; 0: no limit). */
    maxAbsFundingRate: z.number().nonnegative().default(0.001),
    /** A symbol listed during the run (first candle after the data's first) must be this old to join. */
    minAgeMs: z
      .number()
      .int()
      .nonnegative()
      .default(3 * 24 * HOUR_MS),
    /** Always members (whatever their measures); never members. */
    allow: z.array(SymbolId).default([]),
    deny: z.array(SymbolId).default([]),
  })
  .strict()
  .superRefine((p, context) => {
    p.allow.forEach((symbol, index) => {
      if (p.deny.includes(symbol))
        context.addIssue({
          code: 'custom',
          path: ['allow', index],
          message: `${symbol} is also on the deny list`,
        });
    });
    if (p.allow.length > p.topN)
      context.addIssue({
        code: 'custom',
        path: ['allow'],
        message: `${p.allow.length} symbols always in, but topN is ${p.topN}; raise topN or shorten the list`,
      });
    if (p.maxVolatilityPct > 0 && p.minVolatilityPct > p.maxVolatilityPct)
      context.addIssue({
        code: 'custom',
        path: ['minVolatilityPct'],
        message: `${p.minVolatilityPct} is above maxVolatilityPct ${p.maxVolatilityPct}`,
      });
  });
export type UniverseParams = z.output<typeof universeParams>;

/** The first rule `m` fails (with why, in words), or undefined when it passes them all. */
export const ruleOf = (
  m: UniverseMeasures,
  p: UniverseParams,
): { why: UniverseExclusion; reason: string } | undefined => {
  if (m.ageMs !== undefined && m.ageMs < p.minAgeMs)
    return { why: 'too-young', reason: `listed ${duration(m.ageMs)} ago < minAgeMs ${duration(p.minAgeMs)}` };
  if (m.quoteVolume < p.minQuoteVolume)
    return {
      why: 'low-volume',
      reason: `quote volume ${m.quoteVolume.toFixed(0)} < minQuoteVolume ${p.minQuoteVolume}`,
    };
  if (p.maxSpreadBps > 0 && m.spreadBps > p.maxSpreadBps)
    return {
      why: 'spread',
      reason: `spread ~${m.spreadBps.toFixed(1)} bps > maxSpreadBps ${p.maxSpreadBps}`,
    };
  if (m.volatilityPct < p.minVolatilityPct)
    return {
      why: 'volatility-low',
      reason: `volatility ${m.volatilityPct.toFixed(2)} %/day < minVolatilityPct ${p.minVolatilityPct}`,
    };
  if (p.maxVolatilityPct > 0 && m.volatilityPct > p.maxVolatilityPct)
    return {
      why: 'volatility-high',
      reason: `volatility ${m.volatilityPct.toFixed(2)} %/day > maxVolatilityPct ${p.maxVolatilityPct}`,
    };
  if (p.maxAbsFundingRate > 0 && (m.maxAbsFundingRate ?? 0) > p.maxAbsFundingRate)
    return {
      why: 'funding',
      reason: `funding |rate| ${m.maxAbsFundingRate} > maxAbsFundingRate ${p.maxAbsFundingRate}`,
    };
  return undefined;
};

/** A duration in words: `45 min`, `6.0 h`, `3.0 d`. */
const duration = (ms: number): string =>
  ms >= 24 * HOUR_MS
    ? `${(ms / (24 * HOUR_MS)).toFixed(1)} d`
    : ms >= HOUR_MS
      ? `${(ms / HOUR_MS).toFixed(1)} h`
      : `${Math.round(ms / 60_000)} min`;

/** The universe at one refresh, before it is compared with the previous one. */
interface Selection {
  readonly members: UniverseMember[];
  readonly excluded: Map<string, { why: UniverseExclusion; reason: string }>;
  /** Eligible symbols below the top N, with their rank among the scored and their score. */
  readonly below: Map<string, { readonly rank: number; readonly score: number }>;
  /** How many were scored (the eligible and the allow-listed with measures). */
  readonly scored: number;
  readonly eligible: number;
}

/** Ranks every symbol seen at `ts` (see `createUniverse`). */
const select = (
  ts: number,
  symbols: ReadonlyMap<string, SymbolUniverseState>,
  startOpenTime: number,
  p: UniverseParams,
): Selection => {
  const excluded = new Map<string, { why: UniverseExclusion; reason: string }>();
  const candidates: Candidate[] = [];
  const allowed = new Map<string, UniverseMeasures | undefined>(p.allow.map((symbol) => [symbol, undefined]));
  for (const [symbol, state] of symbols) {
    const invalid = state.invalid;
    state.invalid = undefined;
    if (p.deny.includes(symbol)) {
      excluded.set(symbol, { why: 'deny-list', reason: 'on the deny list' });
      continue;
    }
    const measures = state.measuresAt(ts, startOpenTime);
    if (allowed.has(symbol)) {
      if (typeof measures !== 'string') allowed.set(symbol, measures);
      continue;
    }
    if (invalid !== undefined)
      excluded.set(symbol, { why: 'invalid-candle', reason: `abstains: ${invalid}` });
    else if (typeof measures === 'string') excluded.set(symbol, { why: 'no-data', reason: measures });
    else {
      const failed = ruleOf(measures, p);
      if (failed !== undefined) excluded.set(symbol, failed);
      else candidates.push({ symbol, measures });
    }
  }
  // Allow-listed symbols with measures are scored among the eligible, but always kept.
  const scored = rankCandidates(
    [
      ...candidates,
      ...[...allowed].flatMap(([symbol, measures]) => (measures === undefined ? [] : [{ symbol, measures }])),
    ],
    p.weights,
  );
  const slots = p.topN - p.allow.length;
  const members: UniverseMember[] = [];
  const below = new Map<string, { rank: number; score: number }>();
  let taken = 0;
  scored.forEach(({ candidate, score }, index) => {
    if (allowed.has(candidate.symbol))
      members.push({
        ...memberOf(candidate, score),
        reason: `allow list (${rankWords(index + 1, scored.length, score)})`,
      });
    else if (taken++ < slots)
      members.push({ ...memberOf(candidate, score), reason: rankWords(index + 1, scored.length, score) });
    else below.set(candidate.symbol, { rank: index + 1, score });
  });
  for (const [symbol, measures] of allowed)
    if (measures === undefined) members.push({ symbol, rank: 0, reason: 'allow list (no measures yet)' });
  return {
    members: members.map((member, index) => ({ ...member, rank: index + 1 })),
    excluded,
    below,
    scored: scored.length,
    eligible: candidates.length,
  };
};

const rankWords = (rank: number, of: number, score: number): string =>
  `rank ${rank} of ${of} by score ${score.toFixed(3)}`;

const memberOf = (candidate: Candidate, score: number): Omit<UniverseMember, 'reason'> => ({
  symbol: candidate.symbol,
  rank: 0,
  score,
  measures: candidate.measures,
});

/**
 * Universe OS (issue #18): which symbols new entries may open on. Every closed candle updates its
 * symbol's measures over `lookbackMs` in O(1) (quote volume, spread estimated from the candles,
 * daily realized volatility, funding extremes, listing age; `universe-measures.ts`). At each refresh
 * — a `TimerFired` named `universe.refresh`, which the stage sets on the kernel's clock every
 * `refreshMs` — symbols on the deny list, failing a rule, without measures, or with a malformed
 * candle since the last refresh (the module abstains for them) are excluded with the reason; the
 * rest are ranked by `rankCandidates` and the allow list plus the best `topN − |allow|` are the
 * universe. Emits `UniverseChanged` when the members or the exclusions change; nothing otherwise,
 * and nothing before one whole lookback of data has been seen (until then there is no universe and
 * every symbol may open). A refresh ranks the candles closed before it (a timer fires before the
 * market events of its instant).
 */
export const createUniverse = (p: UniverseParams): Handler<{ readonly kind: string }, UniverseChanged> => {
  const symbols = new Map<string, SymbolUniverseState>();
  // Open time of the run's first candle.
  let startOpenTime: number | undefined;
  let previous: { members: Set<string>; excluded: Map<string, UniverseExclusion> } | undefined;
  return {
    next(event, emit) {
      if (event.kind === 'kline') {
        const kline = event as Kline;
        let state = symbols.get(kline.symbol);
        if (state === undefined) {
          startOpenTime ??= kline.openTime;
          state = new SymbolUniverseState(kline.openTime, kline.interval, p.lookbackMs);
          symbols.set(kline.symbol, state);
        }
        state.update(kline);
        return;
      }
      if (event.kind !== 'timer-fired' || (event as TimerFired).name !== UNIVERSE_TIMER) return;
      const ts = (event as TimerFired).ts;
      // The close time of the latest candle (found here, not kept per candle: the hot path stays lean).
      let lastTs = 0;
      for (const state of symbols.values()) lastTs = Math.max(lastTs, state.lastTs);
      if (startOpenTime === undefined || lastTs - startOpenTime < p.lookbackMs) {
        // Warming up: malformed candles of this period are forgotten with it.
        for (const state of symbols.values()) state.invalid = undefined;
        return;
      }
      const selection = select(ts, symbols, startOpenTime, p);
      const members = new Set(selection.members.map((m) => m.symbol));
      const excluded = new Map([...selection.excluded].map(([symbol, { why }]) => [symbol, why]));
      if (
        previous !== undefined &&
        sameSet(previous.members, members) &&
        sameMap(previous.excluded, excluded)
      )
        return;
      const added = selection.members.map((m) => m.symbol).filter((s) => !previous?.members.has(s));
      const removed =
        previous === undefined ? [] : [...previous.members].filter((s) => !members.has(s)).sort();
      const left = removed.flatMap((symbol) => {
        const below = selection.below.get(symbol);
        if (below === undefined) return [];
        const reason = `${rankWords(below.rank, selection.scored, below.score)}, below the top ${p.topN}`;
        return [{ symbol, why: 'rank' as const, reason }];
      });
      const first = previous === undefined;
      previous = { members, excluded };
      emit({
        kind: 'universe-changed',
        ts,
        members: selection.members,
        added,
        removed,
        excluded: [...[...selection.excluded].map(([symbol, rule]) => ({ symbol, ...rule })), ...left].sort(
          (a, b) => (a.symbol < b.symbol ? -1 : 1),
        ),
        eligible: selection.eligible,
        seen: symbols.size,
        reason:
          `refresh at ${isoOf(ts)}: ${members.size} of ${symbols.size} symbols (${selection.eligible} eligible, top ${p.topN})` +
          (first ? '; first universe' : `; ${added.length} joined, ${removed.length} left`),
      });
    },
  };
};

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean =>
  a.size === b.size && [...a].every((item) => b.has(item));

const sameMap = <V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): boolean =>
  a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);

/** `createUniverse` as an RxJS operator (marble tests: klines and `TimerFired` events in). */
export const universe = (
  params: z.input<typeof universeParams> = {},
): OperatorFunction<Kline | TimerFired, UniverseChanged> => {
  const p = universeParams.parse(params);
  return operate(() => createUniverse(p));
};

/** The first refresh instant after `ts`: the next multiple of `refreshMs` since the epoch. */
export const nextRefreshAt = (ts: number, refreshMs: number): number =>
  Math.floor(ts / refreshMs) * refreshMs + refreshMs;

/**
 * The universe as a kernel stage: consumes closed klines and its own timer (on `control`), and on
 * its first kline sets a periodic timer on the kernel's clock at the next multiple of `refreshMs`
 * (event time in backtest, wall time live; in a split run the conductor's clock, through the reply).
 * Publishes `UniverseChanged` on `meta.universe`.
 */
export const universeStage = (p: UniverseParams): Stage => {
  const handler = createUniverse(p);
  let armed = false;
  // One emit per stage (its context is the same for its whole life).
  let context: StageContext | undefined;
  let emit: ((out: UniverseChanged) => void) | undefined;
  return {
    name: UNIVERSE_STAGE,
    rank: STAGE_RANK.universe,
    consumes: [TOPICS.klines, TOPICS.control],
    quiet: undefined,
    publishes: [TOPICS.universe],
    handle(event, stageContext) {
      if (context !== stageContext) {
        context = stageContext;
        const bound = stageContext;
        emit = (out) => bound.emit(out, TOPICS.universe);
      }
      if (!armed && event.kind === 'kline') {
        armed = true;
        stageContext.clock.setTimer({
          owner: UNIVERSE_STAGE,
          name: UNIVERSE_TIMER,
          atMs: nextRefreshAt(event.ts, p.refreshMs),
          periodMs: p.refreshMs,
        });
      }
      return handler.next(event, emit as (out: UniverseChanged) => void);
    },
  };
};
