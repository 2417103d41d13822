/**
 * What smart execution (AELM) knows about a symbol's market before it sends an order: its recent
 * candles' volatility and volume, an estimate of the bid-ask spread, and from them the expected
 * slippage of a market order of a given size (the square-root law of market impact). Backtests have
 * no quotes, so the spread is estimated from candles; see `estimateOf`.
 */

/** One symbol's recent candles: one-candle log returns and volumes, newest last (rings). */
export class CandleWindow {
  /** Log returns close/previous close; a NaN close leaves NaN here (the estimate abstains). */
  readonly returns: Float64Array;
  /** Base-asset volume of each candle. */
  readonly volumes: Float64Array;
  /** Candles seen (the returns are one fewer). */
  candles = 0;
  lastClose = Number.NaN;
  lastTs = Number.NaN;

  constructor(readonly window: number) {
    this.returns = new Float64Array(window);
    this.volumes = new Float64Array(window);
  }

  push(close: number, volume: number, ts: number): void {
    if (this.candles > 0) this.returns[(this.candles - 1) % this.window] = Math.log(close / this.lastClose);
    this.volumes[this.candles % this.window] = volume;
    this.candles++;
    this.lastClose = close;
    this.lastTs = ts;
  }

  /** Returns in the window. */
  get returnCount(): number {
    return Math.min(this.candles - 1, this.window);
  }
}

/** The market as AELM sees it at a decision: everything in basis points of price, volume in base units. */
export interface MarketEstimate {
  /** One candle's volatility: root mean square of the window's log returns (zero-mean), in bps. */
  readonly sigmaBps: number;
  /** Mean base-asset volume per candle over the window. */
  readonly avgVolume: number;
  /** Half the estimated bid-ask spread, in bps: what a market order pays to cross it. */
  readonly halfSpreadBps: number;
}

/** How the spread is estimated: the configured spread, or Roll's estimator from the closes with it as a floor. */
export type SpreadModel = 'fixed' | 'roll';

/**
 * The estimate from `window`, or why there is none (too few candles, a NaN or no volume in the
 * window): then AELM abstains.
 *
 * Spread: backtests have no quotes, so it is `spreadBps` (the configured full spread, e.g. Binance's
 * typical one for the symbol) or, with `roll`, the larger of that and Roll's estimator
 * 2·√(−cov(rₜ, rₜ₋₁)) — a bid-ask bounce makes consecutive returns negatively correlated; without
 * negative autocovariance Roll's estimate is 0 and the floor stands.
 */
export const estimateOf = (
  window: CandleWindow,
  params: { readonly minCandles: number; readonly spreadBps: number; readonly spreadModel: SpreadModel },
): MarketEstimate | string => {
  const n = window.returnCount;
  if (n < params.minCandles)
    return `${Math.max(0, n)} candle returns, fewer than the ${params.minCandles} needed`;
  const size = window.window;
  const first = window.candles - 1 - n;
  let squares = 0;
  let autocovariance = 0;
  let previous = Number.NaN;
  for (let k = 0; k < n; k++) {
    const r = window.returns[(first + k) % size];
    squares += r * r;
    if (k > 0) autocovariance += r * previous;
    previous = r;
  }
  const sigmaBps = Math.sqrt(squares / n) * 1e4;
  if (Number.isNaN(sigmaBps)) return `volatility is not a number (a NaN close in the last ${n + 1} candles)`;
  const volumes = Math.min(window.candles, size);
  let volumeSum = 0;
  for (let k = 0; k < volumes; k++) volumeSum += window.volumes[k];
  const avgVolume = volumeSum / volumes;
  if (Number.isNaN(avgVolume))
    return `average volume is not a number (a NaN volume in the last ${volumes} candles)`;
  if (!(avgVolume > 0)) return `no volume in the last ${volumes} candles`;
  let spreadBps = params.spreadBps;
  if (params.spreadModel === 'roll' && n > 1) {
    const covariance = autocovariance / (n - 1);
    if (covariance < 0) spreadBps = Math.max(spreadBps, 2 * Math.sqrt(-covariance) * 1e4);
  }
  return { sigmaBps, avgVolume, halfSpreadBps: spreadBps / 2 };
};

/**
 * Expected slippage of a market order of `qty` against the estimate's mid, in bps: the square-root
 * law of market impact, impact = k × σ × √(qty / average candle volume), plus half the spread.
 */
export const slippageBpsOf = (estimate: MarketEstimate, impactCoefficient: number, qty: number): number =>
  impactCoefficient * estimate.sigmaBps * Math.sqrt(qty / estimate.avgVolume) + estimate.halfSpreadBps;

/**
 * The largest qty whose expected slippage stays within `maxBps` (the inverse of `slippageBpsOf`):
 * Infinity without impact (σ or k zero), 0 when half the spread alone exceeds it.
 */
export const maxQtyWithin = (estimate: MarketEstimate, impactCoefficient: number, maxBps: number): number => {
  const room = maxBps - estimate.halfSpreadBps;
  if (!(room > 0)) return 0;
  const perSqrtQty = (impactCoefficient * estimate.sigmaBps) / Math.sqrt(estimate.avgVolume);
  return perSqrtQty > 0 ? (room / perSqrtQty) ** 2 : Number.POSITIVE_INFINITY;
};

/** The estimate as a user reads it in a reason: `12.3 bps (impact 11.3: k 1 × σ 100 bps × √(10 / 1000 avg volume); half-spread 1)`. */
export const describeSlippage = (
  estimate: MarketEstimate,
  impactCoefficient: number,
  qty: number,
  slippageBps: number,
): string =>
  `${slippageBps.toFixed(2)} bps (impact ${(slippageBps - estimate.halfSpreadBps).toFixed(2)}: k ${impactCoefficient} × σ ${estimate.sigmaBps.toFixed(2)} bps × √(${qty} / ${estimate.avgVolume.toPrecision(6)} avg candle volume); half-spread ${estimate.halfSpreadBps.toFixed(2)})`;
