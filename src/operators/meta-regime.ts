import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { Kline, Regime, RegimeChanged } from '../domain/index.js';
import { Atr, Dmi, RealizedVolatility } from '../features/indicators/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { SymbolRegimeHmm } from './regime-hmm.js';

export const metaRegimeParams = z
  .object({
    /** Wilder's ADX and ±DI period (TA-Lib `ADX`). */
    adxPeriod: z.number().int().min(2).max(200).default(14),
    /** ATR period; its normalized value (NATR) is compared with its usual level, an EMA over `atrWindow` candles. */
    atrPeriod: z.number().int().min(1).max(200).default(14),
    atrWindow: z.number().int().min(10).max(5_000).default(500),
    /** Realized volatility over this many one-candle log returns. */
    volPeriod: z.number().int().min(2).max(500).default(20),
    /** Trend slope: least-squares slope of ln(close) over this many candles. */
    slopePeriod: z.number().int().min(3).max(500).default(50),
    /** ADX at or above this is a trend (with the slope and the DIs agreeing on its direction). */
    trendAdx: z.number().min(0).max(100).default(25),
    /** An ATR at or above this multiple of its usual level is VOLATILE, whatever the trend. */
    volatileRatio: z.number().min(1).max(20).default(1.5),
    /** A new regime must hold this many candles in a row before it replaces the current one. */
    confirmCandles: z.number().int().min(1).max(100).default(3),
    /** `rules` (the classifier below) or `hmm` (a Gaussian HMM per symbol, forward-filtered). */
    method: z.enum(['rules', 'hmm']).default('rules'),
    /**
     * The HMM method: states (2: calm / volatile, the default; 3–4 add trend states, whose drift is
     * often too faint against the noise to separate — the rules' ADX sees trends better), candles
     * it is fitted on, refit period in candles (0: once).
     */
    hmm: z
      .object({
        states: z.number().int().min(2).max(4).default(2),
        fitCandles: z.number().int().min(50).max(20_000).default(500),
        refitEvery: z.number().int().min(0).max(100_000).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type MetaRegimeParams = z.output<typeof metaRegimeParams>;

/** What the classifier reads of one symbol at one candle. */
export interface RegimeMeasures {
  readonly adx: number;
  readonly plusDi: number;
  readonly minusDi: number;
  /** NATR / its EMA over `atrWindow` candles. */
  readonly atrRatio: number;
  readonly realizedVol: number;
  readonly slope: number;
}

/**
 * The rule classifier: VOLATILE when the ATR is at or above `volatileRatio` times its usual level
 * (an EMA over `atrWindow` candles); else TRENDING_UP / TRENDING_DOWN when ADX ≥ `trendAdx` and the slope and the DIs agree
 * on the direction; else RANGING. Returns the regime and why, in words.
 */
export const classifyRegime = (m: RegimeMeasures, p: MetaRegimeParams): { regime: Regime; why: string } => {
  const regime = regimeOf(m, p);
  return { regime, why: whyOf(m, p, regime) };
};

/** The classifier's answer alone (every candle: no text built). */
export const regimeOf = (m: RegimeMeasures, p: MetaRegimeParams): Regime => {
  if (m.atrRatio >= p.volatileRatio) return 'VOLATILE';
  if (m.adx >= p.trendAdx && m.slope > 0 && m.plusDi > m.minusDi) return 'TRENDING_UP';
  if (m.adx >= p.trendAdx && m.slope < 0 && m.minusDi > m.plusDi) return 'TRENDING_DOWN';
  return 'RANGING';
};

/** Why the measures give `regime`, in words (only when a regime changes). */
const whyOf = (m: RegimeMeasures, p: MetaRegimeParams, regime: Regime): string => {
  const adx = m.adx.toFixed(1);
  const slope = `${(m.slope * 100).toFixed(4)} %/candle`;
  switch (regime) {
    case 'VOLATILE':
      return `ATR ${m.atrRatio.toFixed(2)}× its usual level ≥ ${p.volatileRatio}×`;
    case 'TRENDING_UP':
      return `ADX ${adx} ≥ ${p.trendAdx}, +DI > −DI, slope ${slope}`;
    case 'TRENDING_DOWN':
      return `ADX ${adx} ≥ ${p.trendAdx}, −DI > +DI, slope ${slope}`;
    default:
      return m.adx < p.trendAdx
        ? `ADX ${adx} < ${p.trendAdx}`
        : `ADX ${adx} but slope and DIs disagree (slope ${slope})`;
  }
};

/** Where a symbol's regime stands: the current one and a challenger with how long it has held. */
export interface RegimeHold {
  regime: Regime | undefined;
  candidate: Regime | undefined;
  held: number;
}

/**
 * Hysteresis: feeds one candle's classification; true when it becomes the regime — at once for the
 * first one, else after `confirm` candles in a row (a candle back in the current regime resets it).
 */
export const confirmRegime = (hold: RegimeHold, classified: Regime, confirm: number): boolean => {
  if (classified === hold.regime) {
    hold.candidate = undefined;
    hold.held = 0;
    return false;
  }
  if (classified === hold.candidate) hold.held++;
  else {
    hold.candidate = classified;
    hold.held = 1;
  }
  if (hold.regime !== undefined && hold.held < confirm) return false;
  hold.regime = classified;
  hold.candidate = undefined;
  hold.held = 0;
  return true;
};

/** Least-squares slope of `ring` (oldest at `start`) against 0 … n−1. */
const slopeOf = (ring: Float64Array, start: number): number => {
  const n = ring.length;
  const meanX = (n - 1) / 2;
  let meanY = 0;
  for (let i = 0; i < n; i++) meanY += ring[i];
  meanY /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = i - meanX;
    num += dx * (ring[(start + i) % n] - meanY);
    den += dx * dx;
  }
  return num / den;
};

/** One symbol's measures, candle by candle; NaN fields until every window is full. */
class SymbolRegime implements RegimeHold {
  private readonly dmi: Dmi;
  private readonly atr: Atr;
  private readonly vol: RealizedVolatility;
  /** EMA of NATR (its usual level) and how many NATR values it has seen. */
  private natrEma = 0;
  private natrCount = 0;
  private readonly logs: Float64Array;
  private logCount = 0;
  regime: Regime | undefined;
  candidate: Regime | undefined;
  held = 0;

  constructor(private readonly p: MetaRegimeParams) {
    this.dmi = new Dmi({ period: p.adxPeriod });
    this.atr = new Atr({ period: p.atrPeriod });
    this.vol = new RealizedVolatility({ period: p.volPeriod });
    this.logs = new Float64Array(p.slopePeriod);
  }

  /** The measures after `kline`, or undefined while warming up. */
  update(kline: Kline): RegimeMeasures | undefined {
    const { high, low, close, volume } = kline;
    this.dmi.update(high, low, close, volume);
    this.atr.update(high, low, close, volume);
    this.vol.update(high, low, close, volume);
    const realizedVol = this.vol.out[0];
    this.logs[this.logCount % this.p.slopePeriod] = Math.log(close);
    this.logCount++;
    const natr = this.atr.out[1];
    if (!Number.isNaN(natr)) {
      // Seeded with the mean of the first values, then an EMA with α = 2 / (atrWindow + 1).
      this.natrCount++;
      const alpha = Math.max(2 / (this.p.atrWindow + 1), 1 / this.natrCount);
      this.natrEma += alpha * (natr - this.natrEma);
    }
    const [adx, plusDi, minusDi] = this.dmi.out;
    // The usual level needs a full window: fewer values say little about what is usual.
    if (
      Number.isNaN(adx) ||
      Number.isNaN(realizedVol) ||
      this.natrCount < this.p.atrWindow ||
      this.logCount < this.p.slopePeriod
    )
      return undefined;
    return {
      adx,
      plusDi,
      minusDi,
      atrRatio: this.natrEma > 0 ? natr / this.natrEma : 1,
      realizedVol,
      slope: slopeOf(this.logs, this.logCount % this.p.slopePeriod),
    };
  }
}

/**
 * Regime detection (`meta-regime`, issue #18): each symbol's closed candles → its market regime,
 * from event time only, by `classifyRegime`'s rules or (`method: hmm`) a Gaussian HMM fitted per
 * symbol and forward-filtered (`regime-hmm.ts`); the events carry the rule measures either way. a new regime replaces the current one
 * only after holding `confirmCandles` candles in a row (the first one once the windows are full),
 * so a regime does not flap on one candle. Emits `RegimeChanged` with the measures and the reason
 * each time a symbol's regime changes; nothing while it stays.
 */
export const createMetaRegime = (p: MetaRegimeParams): Handler<{ readonly kind: string }, RegimeChanged> => {
  const symbols = new Map<string, SymbolRegime>();
  const hmms = new Map<string, SymbolRegimeHmm>();
  return {
    next(event, emit) {
      if (event.kind !== 'kline') return;
      const kline = event as Kline;
      let state = symbols.get(kline.symbol);
      if (state === undefined) {
        state = new SymbolRegime(p);
        symbols.set(kline.symbol, state);
      }
      const measures = state.update(kline);
      let hmm: { regime: Regime; why: string } | undefined;
      if (p.method === 'hmm') {
        let model = hmms.get(kline.symbol);
        if (model === undefined) {
          model = new SymbolRegimeHmm(p.hmm);
          hmms.set(kline.symbol, model);
        }
        hmm = model.update(kline);
        if (hmm === undefined) return;
      }
      if (measures === undefined) return;
      const regime = hmm?.regime ?? regimeOf(measures, p);
      const previous = state.regime;
      if (!confirmRegime(state, regime, p.confirmCandles)) return;
      const why = hmm?.why ?? whyOf(measures, p, regime);
      emit({
        kind: 'regime-changed',
        symbol: kline.symbol,
        ts: kline.ts,
        regime,
        ...(previous === undefined ? {} : { previous }),
        adx: measures.adx,
        atrRatio: measures.atrRatio,
        realizedVol: measures.realizedVol,
        slope: measures.slope,
        reason:
          previous === undefined
            ? `${regime}: ${why}`
            : `${previous} → ${regime} after ${p.confirmCandles} candle(s): ${why}`,
      });
    },
  };
};

/** `createMetaRegime` as an RxJS operator (marble tests, offline analysis). */
export const metaRegime = (
  params: z.input<typeof metaRegimeParams> = {},
): OperatorFunction<Kline, RegimeChanged> => {
  const p = metaRegimeParams.parse(params);
  return operate(() => createMetaRegime(p));
};
