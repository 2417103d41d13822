import type { Kline, Regime } from '../domain/index.js';
import { fitGaussianHmm, type GaussianHmm, HmmFilter } from '../models/gaussian-hmm.js';

/** The HMM method's settings (`regime.hmm`). */
export interface RegimeHmmParams {
  /** Hidden states: 2 (calm / volatile), 3 (+ one trend) or 4 (calm, up, down, volatile). */
  readonly states: number;
  /** Candles of each symbol the model is fitted on before it labels anything. */
  readonly fitCandles: number;
  /** Refit on the latest `fitCandles` every this many candles (0: fit once). */
  readonly refitEvery: number;
}

/**
 * Which regime each state of a canonical model (states by ascending return variance) stands for:
 * the most volatile is VOLATILE; of the rest, with three or more the highest mean return is
 * TRENDING_UP and the lowest TRENDING_DOWN, the others RANGING; with two, the calmer is RANGING and
 * the other trends the way its mean points; with one, RANGING.
 */
export const regimesOfStates = (hmm: GaussianHmm): Regime[] => {
  const K = hmm.states;
  const D = hmm.dims;
  const labels: Regime[] = new Array<Regime>(K).fill('RANGING');
  labels[K - 1] = 'VOLATILE';
  const rest = Array.from({ length: K - 1 }, (_, k) => k).sort((a, b) => hmm.means[a * D] - hmm.means[b * D]);
  if (rest.length >= 3) {
    labels[rest[0]] = 'TRENDING_DOWN';
    labels[rest[rest.length - 1]] = 'TRENDING_UP';
  } else if (rest.length === 2) {
    // States 0 (the calmest) and 1: the calmer ranges, the other trends the way its mean points.
    labels[1] = hmm.means[D] >= 0 ? 'TRENDING_UP' : 'TRENDING_DOWN';
  }
  return labels;
};

/**
 * One symbol's HMM regime, from its closed candles: observations are [log return, log of the
 * candle's range over its close]; the model is fitted (Baum-Welch) on the first `fitCandles`, then
 * forward-filtered candle by candle (past only), and refitted on the latest window every
 * `refitEvery` candles — states keep their meaning across refits (canonical order), so labels do
 * not jump. Undefined until the first fit.
 */
export class SymbolRegimeHmm {
  private readonly window: number[][] = [];
  private lastClose = Number.NaN;
  private hmm: GaussianHmm | undefined;
  private filter: HmmFilter | undefined;
  private labels: Regime[] = [];
  private sinceFit = 0;

  constructor(private readonly p: RegimeHmmParams) {}

  update(kline: Kline): { regime: Regime; why: string } | undefined {
    const previous = this.lastClose;
    this.lastClose = kline.close;
    if (Number.isNaN(previous)) return undefined;
    const observation = [
      Math.log(kline.close / previous),
      Math.log(Math.max(kline.high - kline.low, 1e-12) / kline.close),
    ];
    this.window.push(observation);
    if (this.window.length > this.p.fitCandles) this.window.shift();
    this.sinceFit++;
    const due =
      this.hmm === undefined
        ? this.window.length >= this.p.fitCandles
        : this.p.refitEvery > 0 && this.sinceFit >= this.p.refitEvery;
    if (due) {
      this.hmm = fitGaussianHmm(this.window, { states: this.p.states });
      this.labels = regimesOfStates(this.hmm);
      // Filter the fitted window again (past only) so the state is current.
      this.filter = new HmmFilter(this.hmm);
      for (const row of this.window) this.filter.step(row);
      this.sinceFit = 0;
    } else if (this.filter !== undefined) this.filter.step(observation);
    if (this.filter === undefined || this.hmm === undefined) return undefined;
    const state = this.filter.mostLikely();
    const D = this.hmm.dims;
    const probability = this.filter.probability(state);
    return {
      regime: this.labels[state],
      why: `HMM state ${state + 1} of ${this.p.states} (p ${probability.toFixed(2)}): mean return ${(this.hmm.means[state * D] * 100).toFixed(4)} %, sd ${(Math.sqrt(this.hmm.variances[state * D]) * 100).toFixed(4)} %`,
    };
  }
}
