// Question (issue #18): what does Universe OS cost at 222 symbols — per candle per symbol (the O(1)
// update of each symbol's 24 h window) and per refresh (measures, rules, ranking, top N) — and
// what does the stage add over the arithmetic it cannot avoid?
//
// The universe: 222 seeded random-walk symbols, 1m candles with varying quote volume and a funding
// rate every 8 h, interleaved by time as the kernel hands them over. Runs, alternating, best of 5:
// (a) ours — `createUniverse` (the stage's handler: per-symbol state in a Map, rings and running
//     sums, `UniverseChanged` events) fed every candle; then its refresh (a `TimerFired`) repeated;
// (b) baseline — a hand-written loop over typed arrays indexed by symbol: the same rings and running
//     sums (quote volume, log returns, the Abdi–Ranaldo spread term), and a refresh that computes the
//     same measures, applies the volatility and funding rules and sorts by quote volume for the top N.
// (c) the baseline again, finding each candle's symbol by name in a Map (ours must; (b) walks the
//     interleaved order by index).
// Reports ns per candle per symbol and µs per refresh for each, the ratios ours / baseline (target:
// ≤ 1.5× the baseline that finds symbols by name, like ours; the refresh builds explanations the
// baseline does not, so no target there), and how many universes ours emitted. Prints a JSON line and a table; writes bench/results/universe.json.
// Usage: `npx tsx bench/universe.ts [minutes=2000]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Kline, TimerFired } from '../src/domain/index.js';
import { createPrng } from '../src/domain/prng.js';
import { createUniverse, UNIVERSE_TIMER, universeParams } from '../src/operators/universe.js';
import { srcState } from './lib/src-state.js';
import { bestOfSync } from './lib/timing.js';

const SYMBOLS = 222;
const minutes = Number(process.argv[2] ?? 2_000);
const ROUNDS = 5;
const REFRESHES = 200;
// Rules on (the spread rule off: a baseline of it would be the same comparison again).
const P = universeParams.parse({ enabled: true, topN: 20, maxSpreadBps: 0, lookbackMs: 1_440 * 60_000 });
const WINDOW = 1_440;
const START = 1_769_904_000_000;

/** 222 seeded random walks, interleaved by time. */
const makeUniverse = (): Kline[] => {
  const prng = createPrng(11);
  const closes = Array.from({ length: SYMBOLS }, (_, i) => 10 + i);
  const klines: Kline[] = [];
  for (let m = 0; m < minutes; m++) {
    const ts = START + (m + 1) * 60_000;
    for (let s = 0; s < SYMBOLS; s++) {
      const open = closes[s];
      const close = open * Math.exp(prng.normal() * 0.001);
      closes[s] = close;
      const volume = 100 * (1 + s / SYMBOLS) * Math.exp(0.3 * prng.normal());
      klines.push({
        kind: 'kline',
        symbol: `S${String(s).padStart(3, '0')}USDT`,
        interval: '1m',
        openTime: ts - 60_000,
        ts,
        open,
        high: Math.max(open, close) * (1 + prng.next() * 0.0005),
        low: Math.min(open, close) * (1 - prng.next() * 0.0005),
        close,
        volume,
        quoteVolume: volume * close,
        trades: 10,
        takerBuyVolume: volume / 2,
        ...(ts % 28_800_000 === 0 ? { fundingRate: 0.0001 * prng.normal() } : {}),
      });
    }
  }
  return klines;
};

const universe = makeUniverse();
const lastTs = universe[universe.length - 1].ts;
const refreshTimer: TimerFired = {
  kind: 'timer-fired',
  ts: lastTs + 60_000,
  name: UNIVERSE_TIMER,
  owner: 'universe',
};

/** Ours: the handler fed every candle, then `refreshes` refreshes; returns the universes emitted. */
const ours = (refreshes: number): { changes: number; updateSeconds: number; refreshSeconds: number } => {
  const handler = createUniverse(P);
  let changes = 0;
  const emit = (): void => {
    changes++;
  };
  const started = process.hrtime.bigint();
  for (const kline of universe) handler.next(kline, emit);
  const updated = process.hrtime.bigint();
  for (let r = 0; r < refreshes; r++) handler.next(refreshTimer, emit);
  const done = process.hrtime.bigint();
  return {
    changes,
    updateSeconds: Number(updated - started) / 1e9,
    refreshSeconds: Number(done - updated) / 1e9,
  };
};

/**
 * Baseline: the same arithmetic over typed arrays indexed by symbol, and a plain top-N refresh. With
 * `byName`, each candle finds its symbol's index in a Map by name, as any engine fed by name must.
 */
const baseline = (
  refreshes: number,
  byName: boolean,
): { checksum: number; updateSeconds: number; refreshSeconds: number } => {
  const indexOf = new Map<string, number>();
  for (let s = 0; s < SYMBOLS; s++) indexOf.set(universe[s].symbol, s);
  const qv = new Float64Array(SYMBOLS * WINDOW);
  const rets = new Float64Array(SYMBOLS * WINDOW);
  const terms = new Float64Array(SYMBOLS * WINDOW);
  const sumQv = new Float64Array(SYMBOLS);
  const sumR = new Float64Array(SYMBOLS);
  const sumR2 = new Float64Array(SYMBOLS);
  const sumT = new Float64Array(SYMBOLS);
  const lastC = new Float64Array(SYMBOLS);
  const lastEta = new Float64Array(SYMBOLS);
  const count = new Float64Array(SYMBOLS);
  const funding = new Float64Array(SYMBOLS);
  const started = process.hrtime.bigint();
  for (let i = 0; i < universe.length; i++) {
    const k = universe[i];
    const s = byName ? (indexOf.get(k.symbol) as number) : i % SYMBOLS;
    const n = count[s];
    const slot = s * WINDOW + (n % WINDOW);
    const c = Math.log(k.close);
    const eta = (Math.log(k.high) + Math.log(k.low)) / 2;
    const r = n === 0 ? 0 : c - lastC[s];
    const t = n === 0 ? 0 : 4 * (lastC[s] - lastEta[s]) * (lastC[s] - eta);
    sumQv[s] += k.quoteVolume - qv[slot];
    sumR[s] += r - rets[slot];
    sumR2[s] += r * r - rets[slot] * rets[slot];
    sumT[s] += t - terms[slot];
    qv[slot] = k.quoteVolume;
    rets[slot] = r;
    terms[slot] = t;
    count[s] = n + 1;
    lastC[s] = c;
    lastEta[s] = eta;
    if (k.fundingRate !== undefined) funding[s] = Math.abs(k.fundingRate);
  }
  const updated = process.hrtime.bigint();
  let checksum = 0;
  const order = Array.from({ length: SYMBOLS }, (_, i) => i);
  const volume = new Float64Array(SYMBOLS);
  for (let refresh = 0; refresh < refreshes; refresh++) {
    let eligible = 0;
    for (let s = 0; s < SYMBOLS; s++) {
      const pairs = Math.min(count[s] - 1, WINDOW);
      const variance = (sumR2[s] - (sumR[s] * sumR[s]) / pairs) / (pairs - 1);
      const volPct = 100 * Math.sqrt(Math.max(0, variance) * 1_440);
      const spread = 10_000 * Math.sqrt(Math.max(0, sumT[s] / pairs));
      const ok =
        volPct >= P.minVolatilityPct && volPct <= P.maxVolatilityPct && funding[s] <= P.maxAbsFundingRate;
      volume[s] = ok ? sumQv[s] : -1;
      if (ok) order[eligible++] = s;
      checksum += spread;
    }
    const ranked = order.slice(0, eligible).sort((a, b) => volume[b] - volume[a]);
    for (let i = 0; i < P.topN && i < ranked.length; i++) checksum += ranked[i];
  }
  const done = process.hrtime.bigint();
  return {
    checksum,
    updateSeconds: Number(updated - started) / 1e9,
    refreshSeconds: Number(done - updated) / 1e9,
  };
};

// Warm up both, then alternate rounds so the host's load hits both alike.
ours(REFRESHES);
baseline(REFRESHES, false);
baseline(REFRESHES, true);
const best = {
  oursUpdate: Infinity,
  oursRefresh: Infinity,
  baseUpdate: Infinity,
  baseRefresh: Infinity,
  byNameUpdate: Infinity,
};
let changes = 0;
for (let round = 0; round < ROUNDS; round++) {
  const a = ours(REFRESHES);
  changes = a.changes;
  best.oursUpdate = Math.min(best.oursUpdate, a.updateSeconds);
  best.oursRefresh = Math.min(best.oursRefresh, a.refreshSeconds);
  bestOfSync(1, () => {
    const result = baseline(REFRESHES, false);
    best.baseUpdate = Math.min(best.baseUpdate, result.updateSeconds);
    best.baseRefresh = Math.min(best.baseRefresh, result.refreshSeconds);
    return result.checksum;
  });
  best.byNameUpdate = Math.min(best.byNameUpdate, baseline(0, true).updateSeconds);
}
const candles = universe.length;
const result = {
  bench: 'universe',
  symbols: SYMBOLS,
  minutes,
  candles,
  refreshes: REFRESHES,
  src: srcState(),
  oursNsPerCandle: (best.oursUpdate / candles) * 1e9,
  baselineNsPerCandle: (best.baseUpdate / candles) * 1e9,
  updateRatio: best.oursUpdate / best.baseUpdate,
  byNameNsPerCandle: (best.byNameUpdate / candles) * 1e9,
  updateRatioByName: best.oursUpdate / best.byNameUpdate,
  oursUsPerRefresh: (best.oursRefresh / REFRESHES) * 1e6,
  baselineUsPerRefresh: (best.baseRefresh / REFRESHES) * 1e6,
  refreshRatio: best.oursRefresh / best.baseRefresh,
  universesEmitted: changes,
  meetsTarget: best.oursUpdate / best.byNameUpdate <= 1.5,
};
console.log(JSON.stringify(result));
console.table({
  'universe stage (ours)': {
    'ns / candle / symbol': result.oursNsPerCandle.toFixed(0),
    'µs / refresh (222 symbols)': result.oursUsPerRefresh.toFixed(0),
  },
  'hand-written arrays (baseline)': {
    'ns / candle / symbol': result.baselineNsPerCandle.toFixed(0),
    'µs / refresh (222 symbols)': result.baselineUsPerRefresh.toFixed(0),
  },
  'the same, symbol found by name': {
    'ns / candle / symbol': result.byNameNsPerCandle.toFixed(0),
    'µs / refresh (222 symbols)': '',
  },
});
console.log(
  `per candle ours / baseline ${result.updateRatio.toFixed(2)}×, ${result.updateRatioByName.toFixed(2)}× the baseline that finds symbols by name (target ≤ 1.5×); per refresh ${result.refreshRatio.toFixed(2)}× (ours also builds every reason); a minute of 222 symbols costs ${((best.oursUpdate / minutes) * 1e6).toFixed(0)} µs; ${changes} universe(s) emitted`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/universe.json', `${JSON.stringify(result, null, 2)}\n`);
