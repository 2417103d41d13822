import type { Observable } from 'rxjs';
import { z } from 'zod';
import { createPrng, INTERVAL_MS, Interval, type Kline, SymbolId } from '../domain/index.js';
import { mergeByEventTime } from './merge-by-event-time.js';

/** Market regimes of the synthetic market, indexed by the numbers in `SyntheticMarket.regimes`. */
export const SYNTHETIC_REGIMES = ['TREND_UP', 'TREND_DOWN', 'RANGE', 'HIGH_VOL'] as const;
export type SyntheticRegime = (typeof SYNTHETIC_REGIMES)[number];
const RANGE = 2;

/** One synthetic instrument. `volatility` is the σ of 1m log returns; it scales with √interval. */
export const syntheticSymbol = z
  .object({
    symbol: SymbolId,
    startPrice: z.number().positive(),
    volatility: z.number().positive().max(0.1),
    /** Mean base-asset volume of a 1m candle. */
    baseVolume: z.number().positive(),
    /** Prices are rounded to 10^-priceDecimals (the tick). */
    priceDecimals: z.number().int().min(0).max(10),
  })
  .strict();
export type SyntheticSymbol = z.output<typeof syntheticSymbol>;

const DEFAULT_SYMBOLS: SyntheticSymbol[] = [
  { symbol: 'BTCUSDT', startPrice: 87_500, volatility: 0.0008, baseVolume: 120, priceDecimals: 1 },
  { symbol: 'ETHUSDT', startPrice: 2_950, volatility: 0.0011, baseVolume: 2_500, priceDecimals: 2 },
  { symbol: 'SOLUSDT', startPrice: 125, volatility: 0.0014, baseVolume: 25_000, priceDecimals: 2 },
];

export const syntheticMarketParams = z
  .object({
    seed: z.union([z.number(), z.string()]).default(42),
    symbols: z.array(syntheticSymbol).min(1).default(DEFAULT_SYMBOLS),
    /** Candles per symbol. */
    count: z.number().int().nonnegative().default(10_000),
    interval: Interval.default('1m'),
    /** Open time of the first candle, ms (default 2026-01-01T00:00Z). */
    startTs: z.number().int().nonnegative().default(1_767_225_600_000),
    /** Pairwise correlation of the symbols' shocks (loading √correlation on one market factor). */
    correlation: z.number().min(0).max(1).default(0.6),
    /** Per-candle probability of staying in the current regime (the rest is split evenly). */
    regimeStay: z.number().min(0).max(1).default(0.995),
    /** Full 4×4 transition matrix in SYNTHETIC_REGIMES order (rows are normalized); overrides `regimeStay`. */
    transitions: z.array(z.array(z.number().nonnegative()).length(4)).length(4).optional(),
    /** GARCH(1,1) on the shocks: h = ω + α·ε² + β·h, ω keeping the long-run σ at the symbol's volatility. */
    garch: z
      .object({ alpha: z.number().min(0).max(1).default(0.08), beta: z.number().min(0).max(1).default(0.9) })
      .strict()
      .refine((g) => g.alpha + g.beta < 1, 'expected alpha + beta < 1 (stationary variance)')
      .prefault({}),
    /** Per-candle probability of a price jump, and the σ of its log size. */
    jumpProbability: z.number().min(0).max(1).default(0.0005),
    jumpStd: z.number().nonnegative().default(0.01),
    /** Points of the intra-candle path that high and low are taken from. */
    subSteps: z.number().int().min(1).max(64).default(6),
    /** Set `fundingRate` on candles whose close crosses 00:00/08:00/16:00 UTC. */
    funding: z.boolean().default(true),
    fundingMean: z.number().default(0.0001),
    fundingStd: z.number().nonnegative().default(0.00005),
  })
  .strict();
export type SyntheticMarketParams = z.output<typeof syntheticMarketParams>;

/** The generated market: one series per symbol (in `symbols` order) and the market's regime path. */
export interface SyntheticMarket {
  readonly series: Kline[][];
  /** Regime of each candle index (0…count-1), as an index into SYNTHETIC_REGIMES. */
  readonly regimes: Uint8Array;
}

// Per regime: drift in units of the symbol's σ, volatility multiplier, pull toward the range anchor.
const DRIFT_SIGMAS = [0.08, -0.08, 0, 0];
const VOL_MULTIPLIER = [1, 1.15, 0.7, 2.2];
const MEAN_REVERSION = [0, 0, 0.05, 0];
// Funding leans with the trend: longs pay more in an uptrend.
const FUNDING_TILT = [0.00005, -0.00005, 0, 0];
const FUNDING_PERIOD_MS = 8 * 3_600_000;
// Cap of the GARCH variance, in multiples of the long-run variance, so a jump cannot explode it.
const MAX_VARIANCE_RATIO = 50;

const transitionMatrix = (params: SyntheticMarketParams): Float64Array => {
  const matrix = new Float64Array(16);
  for (let from = 0; from < 4; from++) {
    let rowSum = 0;
    for (let to = 0; to < 4; to++) {
      const p =
        params.transitions?.[from][to] ?? (from === to ? params.regimeStay : (1 - params.regimeStay) / 3);
      matrix[from * 4 + to] = p;
      rowSum += p;
    }
    for (let to = 0; to < 4; to++)
      matrix[from * 4 + to] = rowSum > 0 ? matrix[from * 4 + to] / rowSum : to === from ? 1 : 0;
  }
  return matrix;
};

/**
 * Generates a seeded synthetic market: a Markov chain of regimes shared by all symbols (trend
 * up/down, mean-reverting range, high volatility), a common market factor giving the symbols'
 * shocks the chosen correlation, GARCH(1,1) volatility clustering, Poisson jumps, volume rising
 * with |return| and volatility, and OHLC taken from a Brownian bridge of `subSteps` points from
 * open to close, so low ≤ open, close ≤ high always; prices are rounded to each symbol's tick.
 * Funding (optional) is a small random rate on each candle whose close crosses an 8h boundary.
 * Same params ⇒ identical output; randomness only from `createPrng(seed)` and its forks.
 */
export const generateSyntheticMarket = (
  input: z.input<typeof syntheticMarketParams> = {},
): SyntheticMarket => {
  const params = syntheticMarketParams.parse(input);
  const { count, interval, startTs, subSteps } = params;
  const intervalMs = INTERVAL_MS[interval];
  const intervalScale = intervalMs / 60_000;
  const root = createPrng(params.seed);
  const marketPrng = root.fork('market');
  const symbolPrngs = params.symbols.map((s) => root.fork(s.symbol));

  // The market draws first: regime path and market factor, shared by every symbol.
  const matrix = transitionMatrix(params);
  const regimes = new Uint8Array(count);
  const marketShock = new Float64Array(count);
  let regime = RANGE;
  for (let t = 0; t < count; t++) {
    if (t > 0) {
      const u = marketPrng.next();
      let next = 0;
      let cumulative = matrix[regime * 4];
      while (u >= cumulative && next < 3) cumulative += matrix[regime * 4 + ++next];
      regime = next;
    }
    regimes[t] = regime;
    marketShock[t] = marketPrng.normal();
  }

  const loading = Math.sqrt(params.correlation);
  const idiosyncratic = Math.sqrt(1 - params.correlation);
  const { alpha, beta } = params.garch;
  const series: Kline[][] = [];
  // Reused bridge buffer: one allocation per run, not per candle.
  const bridge = new Float64Array(subSteps + 1);
  for (let s = 0; s < params.symbols.length; s++) {
    const spec = params.symbols[s];
    const prng = symbolPrngs[s];
    const fundingPrng = prng.fork('funding');
    const sigma = spec.volatility * Math.sqrt(intervalScale);
    const longRunVariance = sigma * sigma;
    const omega = longRunVariance * (1 - alpha - beta);
    const maxVariance = longRunVariance * MAX_VARIANCE_RATIO;
    const baseVolume = spec.baseVolume * intervalScale;
    const tradesPerCandle = 600 * intervalScale;
    const scale = 10 ** spec.priceDecimals;
    const minPrice = 1 / scale;
    let variance = longRunVariance;
    let logPrice = Math.log(spec.startPrice);
    let anchor = logPrice;
    let previousRegime = -1;
    let open = Math.max(minPrice, Math.round(spec.startPrice * scale) / scale);
    const klines: Kline[] = new Array(count);
    for (let t = 0; t < count; t++) {
      const r = regimes[t];
      // Entering a range fixes the level it reverts to.
      if (r !== previousRegime) {
        anchor = logPrice;
        previousRegime = r;
      }
      const shockSigma = Math.sqrt(variance);
      const z = loading * marketShock[t] + idiosyncratic * prng.normal();
      const shock = shockSigma * z;
      const jump = prng.next() < params.jumpProbability ? params.jumpStd * prng.normal() : 0;
      const candleReturn =
        DRIFT_SIGMAS[r] * sigma + VOL_MULTIPLIER[r] * shock + jump - MEAN_REVERSION[r] * (logPrice - anchor);
      // Next candle's variance: GARCH on the regime-free shock, the jump adding to it.
      const innovation = shock + jump / VOL_MULTIPLIER[r];
      variance = Math.min(maxVariance, omega + alpha * innovation * innovation + beta * variance);

      // Brownian bridge from 0 to candleReturn over subSteps points (log space, relative to open).
      const stepSigma = (VOL_MULTIPLIER[r] * shockSigma) / Math.sqrt(subSteps);
      bridge[0] = 0;
      for (let k = 1; k <= subSteps; k++) bridge[k] = bridge[k - 1] + stepSigma * prng.normal();
      const end = bridge[subSteps] - candleReturn;
      let maxLog = 0;
      let minLog = 0;
      for (let k = 1; k < subSteps; k++) {
        const point = bridge[k] - (k / subSteps) * end;
        if (point > maxLog) maxLog = point;
        else if (point < minLog) minLog = point;
      }
      if (candleReturn > maxLog) maxLog = candleReturn;
      if (candleReturn < minLog) minLog = candleReturn;
      const exactOpen = Math.exp(logPrice);
      logPrice += candleReturn;
      const close = Math.max(minPrice, Math.round(Math.exp(logPrice) * scale) / scale);
      let high = Math.round(exactOpen * Math.exp(maxLog) * scale) / scale;
      let low = Math.max(minPrice, Math.round(exactOpen * Math.exp(minLog) * scale) / scale);
      if (high < open) high = open;
      if (high < close) high = close;
      if (low > open) low = open;
      if (low > close) low = close;

      const absMove = Math.abs(candleReturn) / sigma;
      const activity = (0.5 * (VOL_MULTIPLIER[r] * shockSigma)) / sigma + 0.5 * absMove;
      const volume =
        Math.round(baseVolume * Math.exp(0.3 * prng.normal() - 0.045) * (0.3 + 0.7 * activity) * 1000) / 1000;
      const buyShare = 0.5 + 0.25 * Math.tanh(candleReturn / sigma);
      const openTime = startTs + t * intervalMs;
      const ts = openTime + intervalMs;
      const kline: {
        kind: 'kline';
        symbol: string;
        interval: Interval;
        openTime: number;
        ts: number;
        open: number;
        high: number;
        low: number;
        close: number;
        volume: number;
        quoteVolume: number;
        trades: number;
        takerBuyVolume: number;
        fundingRate?: number;
      } = {
        kind: 'kline',
        symbol: spec.symbol,
        interval,
        openTime,
        ts,
        open,
        high,
        low,
        close,
        volume,
        quoteVolume: Math.round(volume * (open + high + low + close) * 2500) / 10_000,
        trades: Math.max(1, Math.round((volume / baseVolume) * tradesPerCandle)),
        takerBuyVolume: Math.min(volume, Math.round(volume * buyShare * 1000) / 1000),
      };
      if (params.funding) {
        // Funding instants in (openTime, ts]: multiples of 8h since the epoch (00:00, 08:00, 16:00 UTC).
        const crossings = Math.floor(ts / FUNDING_PERIOD_MS) - Math.floor(openTime / FUNDING_PERIOD_MS);
        if (crossings > 0) {
          let rate = 0;
          for (let c = 0; c < crossings; c++) {
            rate += params.fundingMean + FUNDING_TILT[r] + params.fundingStd * fundingPrng.normal();
          }
          kline.fundingRate = Math.round(rate * 1e8) / 1e8;
        }
      }
      klines[t] = kline;
      open = close;
    }
    series.push(klines);
  }
  return { series, regimes };
};

/** The synthetic market as arrays, one sorted series per symbol (the fast form for backtests); see `generateSyntheticMarket`. */
export const syntheticMarket = (input: z.input<typeof syntheticMarketParams> = {}): Kline[][] =>
  generateSyntheticMarket(input).series;

/** The synthetic market as one event-time-ordered stream (ties by symbol); see `generateSyntheticMarket`. */
export const syntheticMarket$ = (input: z.input<typeof syntheticMarketParams> = {}): Observable<Kline> =>
  mergeByEventTime(syntheticMarket(input));
