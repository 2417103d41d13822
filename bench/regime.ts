// Question (issue #18): what do regime detection and the balancer's correlation update cost per
// candle per symbol at 222 symbols, what does a whole correlation matrix cost, and what do the
// stages add over the arithmetic they cannot avoid?
//
// The universe: 222 seeded random-walk symbols, 1m candles, interleaved by time as the kernel
// hands them over (one candle of each symbol, then the next minute). Runs, alternating, best of 5:
// (a) ours — `createMetaRegime` (the stage's handler: per-symbol state in a Map, the classifier,
//     hysteresis, RegimeChanged events) and the balancer's handler (each symbol's return ring) fed
//     every candle;
// (b) baseline — a hand-written loop over the same indicator classes (Dmi, Atr, RealizedVolatility)
//     plus the NATR EMA, the least-squares slope and a log-return ring, state in arrays indexed by
//     symbol, no events: the measures any regime classifier and correlation of this kind must compute.
// Then the correlation matrix of all 222 × 221 / 2 pairs: the balancer's `correlationOf` (time
// alignment, ring indexing) vs a hand-written Pearson over plain arrays; both must agree.
// Reports ns per candle per symbol for both and the ratio ours / baseline (target ≤ 1.5×), and how
// many regime changes ours emitted. Prints a JSON line and a table; writes bench/results/regime.json.
// Usage: `npx tsx bench/regime.ts [minutes=2000]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Kline } from '../src/domain/kline.js';
import { createPrng } from '../src/domain/prng.js';
import { Atr } from '../src/features/indicators/atr.js';
import { Dmi } from '../src/features/indicators/dmi.js';
import { RealizedVolatility } from '../src/features/indicators/realized-volatility.js';
import { createMetaRegime, metaRegimeParams } from '../src/operators/meta-regime.js';
import {
  correlationOf,
  createPortfolioBalancer,
  portfolioBalancerParams,
  Returns,
} from '../src/operators/portfolio-balancer.js';
import { srcState } from './lib/src-state.js';
import { bestOfSync } from './lib/timing.js';

const SYMBOLS = 222;
const minutes = Number(process.argv[2] ?? 2_000);
const ROUNDS = 5;
const P = metaRegimeParams.parse({});

/** 222 seeded random walks, interleaved by time. */
const makeUniverse = (): Kline[] => {
  const prng = createPrng(7);
  const closes = Array.from({ length: SYMBOLS }, (_, i) => 10 + i);
  const klines: Kline[] = [];
  const start = 1_769_904_000_000;
  for (let m = 0; m < minutes; m++) {
    for (let s = 0; s < SYMBOLS; s++) {
      const open = closes[s];
      const close = open * Math.exp(prng.normal() * 0.001);
      closes[s] = close;
      const high = Math.max(open, close) * (1 + prng.next() * 0.0005);
      const low = Math.min(open, close) * (1 - prng.next() * 0.0005);
      klines.push({
        kind: 'kline',
        symbol: `S${String(s).padStart(3, '0')}USDT`,
        interval: '1m',
        openTime: start + m * 60_000,
        ts: start + (m + 1) * 60_000,
        open,
        high,
        low,
        close,
        volume: 100,
        quoteVolume: 100 * close,
        trades: 10,
        takerBuyVolume: 50,
      });
    }
  }
  return klines;
};

const universe = makeUniverse();

const B = portfolioBalancerParams.parse({});

const ours = (): number => {
  const handler = createMetaRegime(P);
  // The balancer's per-candle work: each symbol's return ring (correlations are computed from it).
  const balancer = createPortfolioBalancer(B, 10_000);
  let changes = 0;
  const emit = (): void => {
    changes++;
  };
  for (const kline of universe) {
    handler.next(kline, emit);
    balancer.next(kline, emit);
  }
  return changes;
};

const baseline = (): number => {
  const dmi = Array.from({ length: SYMBOLS }, () => new Dmi({ period: P.adxPeriod }));
  const atr = Array.from({ length: SYMBOLS }, () => new Atr({ period: P.atrPeriod }));
  const vol = Array.from({ length: SYMBOLS }, () => new RealizedVolatility({ period: P.volPeriod }));
  const ema = new Float64Array(SYMBOLS);
  const seen = new Float64Array(SYMBOLS);
  const logs = Array.from({ length: SYMBOLS }, () => new Float64Array(P.slopePeriod));
  const alpha = 2 / (P.atrWindow + 1);
  const returns = Array.from({ length: SYMBOLS }, () => new Float64Array(B.correlationWindow));
  const lastClose = new Float64Array(SYMBOLS).fill(Number.NaN);
  let checksum = 0;
  for (let i = 0; i < universe.length; i++) {
    const k = universe[i];
    const s = i % SYMBOLS;
    dmi[s].update(k.high, k.low, k.close, k.volume);
    atr[s].update(k.high, k.low, k.close, k.volume);
    vol[s].update(k.high, k.low, k.close, k.volume);
    const rv = vol[s].out[0];
    const n = Math.floor(i / SYMBOLS);
    if (!Number.isNaN(lastClose[s]))
      returns[s][(n - 1) % B.correlationWindow] = Math.log(k.close / lastClose[s]);
    lastClose[s] = k.close;
    const ring = logs[s];
    ring[n % P.slopePeriod] = Math.log(k.close);
    const natr = atr[s].out[1];
    if (!Number.isNaN(natr)) {
      seen[s]++;
      ema[s] += Math.max(alpha, 1 / seen[s]) * (natr - ema[s]);
    }
    if (n < P.slopePeriod || Number.isNaN(dmi[s].out[0])) continue;
    const meanX = (P.slopePeriod - 1) / 2;
    let meanY = 0;
    for (let j = 0; j < P.slopePeriod; j++) meanY += ring[j];
    meanY /= P.slopePeriod;
    let num = 0;
    let den = 0;
    const first = (n + 1) % P.slopePeriod;
    for (let j = 0; j < P.slopePeriod; j++) {
      const dx = j - meanX;
      num += dx * (ring[(first + j) % P.slopePeriod] - meanY);
      den += dx * dx;
    }
    checksum += num / den + rv + natr / ema[s];
  }
  return checksum;
};

// Warm up both, then alternate rounds so the host's load hits both alike.
ours();
baseline();
let oursSeconds = Number.POSITIVE_INFINITY;
let baselineSeconds = Number.POSITIVE_INFINITY;
let changes = 0;
for (let round = 0; round < ROUNDS; round++) {
  const a = bestOfSync(1, ours);
  changes = a.checksum;
  oursSeconds = Math.min(oursSeconds, a.seconds);
  baselineSeconds = Math.min(baselineSeconds, bestOfSync(1, baseline).seconds);
}
// The correlation matrix across the universe (every pair, over the balancer's window), from the
// same returns: `correlationOf` on the balancer's rings vs a hand-written Pearson on arrays.
const rings = Array.from({ length: SYMBOLS }, () => new Returns(B.correlationWindow));
const plain = Array.from({ length: SYMBOLS }, () => new Float64Array(B.correlationWindow));
for (let i = Math.max(0, universe.length - SYMBOLS * (B.correlationWindow + 1)); i < universe.length; i++) {
  rings[i % SYMBOLS].push(universe[i]);
}
for (let s = 0; s < SYMBOLS; s++)
  for (let k = 0; k < B.correlationWindow; k++) plain[s][k] = rings[s].back(k);
const matrixOurs = (): number => {
  let sum = 0;
  for (let a = 0; a < SYMBOLS; a++)
    for (let b = a + 1; b < SYMBOLS; b++)
      sum += correlationOf(rings[a], rings[b], B.minCorrelationSamples) ?? 0;
  return sum;
};
const matrixBaseline = (): number => {
  const n = B.correlationWindow;
  let sum = 0;
  for (let a = 0; a < SYMBOLS; a++) {
    const x = plain[a];
    for (let b = a + 1; b < SYMBOLS; b++) {
      const y = plain[b];
      let sx = 0;
      let sy = 0;
      for (let k = 0; k < n; k++) {
        sx += x[k];
        sy += y[k];
      }
      const mx = sx / n;
      const my = sy / n;
      let cov = 0;
      let vx = 0;
      let vy = 0;
      for (let k = 0; k < n; k++) {
        const dx = x[k] - mx;
        const dy = y[k] - my;
        cov += dx * dy;
        vx += dx * dx;
        vy += dy * dy;
      }
      sum += cov / Math.sqrt(vx * vy);
    }
  }
  return sum;
};
matrixOurs();
matrixBaseline();
let matrixOursSeconds = Number.POSITIVE_INFINITY;
let matrixBaselineSeconds = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round++) {
  const a = bestOfSync(1, matrixOurs);
  const b = bestOfSync(1, matrixBaseline);
  if (Math.abs(a.checksum - b.checksum) > 1e-6 * Math.max(1, Math.abs(b.checksum)))
    throw new Error(`correlation matrices disagree: ${a.checksum} vs ${b.checksum}`);
  matrixOursSeconds = Math.min(matrixOursSeconds, a.seconds);
  matrixBaselineSeconds = Math.min(matrixBaselineSeconds, b.seconds);
}

const candles = universe.length;
const result = {
  bench: 'regime',
  symbols: SYMBOLS,
  minutes,
  candles,
  src: srcState(),
  oursNsPerCandle: (oursSeconds / candles) * 1e9,
  baselineNsPerCandle: (baselineSeconds / candles) * 1e9,
  ratio: oursSeconds / baselineSeconds,
  perMinuteOfUniverseUs: (oursSeconds / minutes) * 1e6,
  regimeChanges: changes,
  correlationMatrixMs: matrixOursSeconds * 1e3,
  correlationMatrixBaselineMs: matrixBaselineSeconds * 1e3,
  correlationMatrixRatio: matrixOursSeconds / matrixBaselineSeconds,
  meetsTarget: oursSeconds / baselineSeconds <= 1.5,
};
console.log(JSON.stringify(result));
console.table({
  'meta-regime stage (ours)': { 'ns / candle / symbol': result.oursNsPerCandle.toFixed(0) },
  'hand-written measures (baseline)': { 'ns / candle / symbol': result.baselineNsPerCandle.toFixed(0) },
});
console.log(
  `correlation matrix, ${SYMBOLS} symbols × ${B.correlationWindow} returns: ${result.correlationMatrixMs.toFixed(1)} ms (hand-written ${result.correlationMatrixBaselineMs.toFixed(1)} ms, ${result.correlationMatrixRatio.toFixed(2)}×)`,
);
console.log(
  `ratio ours / baseline ${result.ratio.toFixed(2)}× (target ≤ 1.5×); a minute of 222 symbols costs ${result.perMinuteOfUniverseUs.toFixed(0)} µs; ${changes} regime changes`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/regime.json', `${JSON.stringify(result, null, 2)}\n`);
