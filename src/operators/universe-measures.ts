import { INTERVAL_MS, type Kline, type UniverseMeasures } from '../domain/index.js';

const DAY_MS = 86_400_000;

/** An event time in words (ISO-8601, UTC), or the raw number when it is not a time. */
export const isoOf = (ts: number): string => (Number.isFinite(ts) ? new Date(ts).toISOString() : String(ts));

/**
 * Whether the universe can read a candle: finite positive prices with high ≥ low, a finite quote
 * volume ≥ 0 and funding rate (every comparison is false for NaN). Kept apart from the words of
 * `invalidCandleField`: number-to-text in the hot path costs V8 ~20× here (bench/universe.ts).
 */
export const readableCandle = (k: Kline): boolean =>
  k.high >= k.low &&
  k.low > 0 &&
  k.high < Number.POSITIVE_INFINITY &&
  k.close > 0 &&
  k.close < Number.POSITIVE_INFINITY &&
  k.quoteVolume >= 0 &&
  k.quoteVolume < Number.POSITIVE_INFINITY &&
  (k.fundingRate === undefined || Math.abs(k.fundingRate) < Number.POSITIVE_INFINITY);

/** What is wrong with a candle the universe cannot read (NaN, ∞, ≤ 0 prices, high < low), or undefined. */
export const invalidCandleField = (kline: Kline): string | undefined => {
  const { high, low, close, quoteVolume, fundingRate } = kline;
  // `!(x > 0)` is true for NaN too.
  if (!(high > 0) || !Number.isFinite(high)) return `high ${high}`;
  if (!(low > 0) || !Number.isFinite(low)) return `low ${low}`;
  if (!(close > 0) || !Number.isFinite(close)) return `close ${close}`;
  if (!(quoteVolume >= 0) || !Number.isFinite(quoteVolume)) return `quoteVolume ${quoteVolume}`;
  if (fundingRate !== undefined && !Number.isFinite(fundingRate)) return `fundingRate ${fundingRate}`;
  if (high < low) return `high ${high} < low ${low}`;
  return undefined;
};

/** Why a candle is unreadable, in words (the cold path, out of `update`). */
const unreadableWhy = (kline: Kline): string =>
  `candle at ${isoOf(kline.ts)} has ${invalidCandleField(kline) ?? 'an unreadable field'}`;

// Slots of a state's running values (one typed array: no boxed doubles on the hot path).
const SUM_QUOTE_VOLUME = 0;
const SUM_RETURN = 1;
const SUM_RETURN_SQ = 2;
const SUM_SPREAD_TERM = 3;
/** Log close and mid of log high/low of the previous valid candle (the spread term pairs two candles). */
const LAST_LOG_CLOSE = 4;
const LAST_ETA = 5;
/** Close time of the last valid candle. */
const LAST_TS = 6;

/**
 * One symbol's measures over its lookback window, candle by candle in O(1): a ring of the last
 * `lookbackMs / interval` candles' quote volume, close-to-close log return and spread term, with
 * running sums (recomputed from the ring once per window length, so rounding cannot drift).
 *
 * The spread is estimated from candles, since backtests have no quotes (and a live run must decide
 * as its replay does): Abdi & Ranaldo (2017), S² = 4·(c_t − η_t)·(c_t − η_{t+1}) with c the log
 * close and η the mid of log high and log low, averaged over the window, S = √max(0, mean). Unlike
 * Corwin–Schultz it does not read volatility as spread when the candles' ranges are wide.
 */
export class SymbolUniverseState {
  /** Candles in the window. */
  private readonly size: number;
  private readonly intervalMs: number;
  /** The window, one slot per candle: quote volume, log return, spread term (interleaved). */
  private readonly ring: Float64Array;
  private readonly running = new Float64Array(7);
  /** Valid candles seen, and the ring slot of the next one. */
  private count = 0;
  private slot = 0;
  /** Funding settlements in the window, oldest first: [ts, |rate|, ts, |rate|, …]. */
  private readonly fundings: number[] = [];
  /** The first malformed candle since the last refresh, in words (the universe abstains for this symbol). */
  invalid: string | undefined;

  constructor(
    /** Open time of the symbol's first candle. */
    readonly firstOpenTime: number,
    interval: Kline['interval'],
    private readonly lookbackMs: number,
  ) {
    this.intervalMs = INTERVAL_MS[interval];
    this.size = Math.max(2, Math.round(lookbackMs / this.intervalMs));
    this.ring = new Float64Array(3 * this.size);
  }

  /** Close time of the last valid candle (0 before any). */
  get lastTs(): number {
    return this.running[LAST_TS];
  }

  /** Takes one candle (a malformed one is remembered in `invalid` and left out of the window). */
  update(kline: Kline): void {
    if (!readableCandle(kline)) {
      this.invalid ??= unreadableWhy(kline);
      return;
    }
    const { ring, running } = this;
    const at = 3 * this.slot;
    const logClose = Math.log(kline.close);
    const eta = (Math.log(kline.high) + Math.log(kline.low)) / 2;
    const lastLogClose = running[LAST_LOG_CLOSE];
    // The first candle has no previous one: no return, no spread term.
    const ret = this.count === 0 ? 0 : logClose - lastLogClose;
    const term = this.count === 0 ? 0 : 4 * (lastLogClose - running[LAST_ETA]) * (lastLogClose - eta);
    const oldReturn = ring[at + 1];
    running[SUM_QUOTE_VOLUME] += kline.quoteVolume - ring[at];
    running[SUM_RETURN] += ret - oldReturn;
    running[SUM_RETURN_SQ] += ret * ret - oldReturn * oldReturn;
    running[SUM_SPREAD_TERM] += term - ring[at + 2];
    ring[at] = kline.quoteVolume;
    ring[at + 1] = ret;
    ring[at + 2] = term;
    running[LAST_LOG_CLOSE] = logClose;
    running[LAST_ETA] = eta;
    running[LAST_TS] = kline.ts;
    this.count++;
    this.slot = this.slot + 1 === this.size ? 0 : this.slot + 1;
    if (this.slot === 0) this.resum();
    if (kline.fundingRate !== undefined) this.fundings.push(kline.ts, Math.abs(kline.fundingRate));
  }

  /**
   * The measures at `ts`, or why there are none: fewer than 3 candles in the window (no volatility
   * of 2 returns), or no candle for a whole lookback (delisted, or its feed stopped).
   * `startOpenTime` is the open time of the first candle of the run: a symbol present from it was
   * listed before it (its age is unknown, so not given).
   */
  measuresAt(ts: number, startOpenTime: number): UniverseMeasures | string {
    if (this.count < 3) return `${this.count} candle(s) so far; measures need 3`;
    const { running } = this;
    const lastTs = running[LAST_TS];
    if (lastTs <= ts - this.lookbackMs) return `no candle since ${isoOf(lastTs)} (a whole lookback)`;
    const inWindow = Math.min(this.count, this.size);
    // Pairs (returns, spread terms) in the window: the first candle ever has none.
    const pairs = this.count <= this.size ? this.count - 1 : this.size;
    const sumReturn = running[SUM_RETURN];
    const variance = Math.max(0, (running[SUM_RETURN_SQ] - (sumReturn * sumReturn) / pairs) / (pairs - 1));
    const volatilityPct = 100 * Math.sqrt(variance * (DAY_MS / this.intervalMs));
    const spreadBps = 10_000 * Math.sqrt(Math.max(0, running[SUM_SPREAD_TERM] / pairs));
    while (this.fundings.length > 0 && this.fundings[0] <= ts - this.lookbackMs) this.fundings.splice(0, 2);
    let maxAbsFundingRate: number | undefined;
    for (let i = 1; i < this.fundings.length; i += 2)
      maxAbsFundingRate = Math.max(maxAbsFundingRate ?? 0, this.fundings[i]);
    return {
      // Rounding noise of the running sum must not make a volume negative.
      quoteVolume: inWindow === 0 ? 0 : Math.max(0, running[SUM_QUOTE_VOLUME]),
      spreadBps,
      volatilityPct,
      ...(maxAbsFundingRate === undefined ? {} : { maxAbsFundingRate }),
      ...(this.firstOpenTime > startOpenTime ? { ageMs: Math.max(0, ts - this.firstOpenTime) } : {}),
    };
  }

  /** Sums recomputed from the ring (once per window length: running sums cannot drift). */
  private resum(): void {
    const { ring, running } = this;
    let quote = 0;
    let ret = 0;
    let retSq = 0;
    let spread = 0;
    for (let at = 0; at < ring.length; at += 3) {
      quote += ring[at];
      ret += ring[at + 1];
      retSq += ring[at + 1] * ring[at + 1];
      spread += ring[at + 2];
    }
    running[SUM_QUOTE_VOLUME] = quote;
    running[SUM_RETURN] = ret;
    running[SUM_RETURN_SQ] = retSq;
    running[SUM_SPREAD_TERM] = spread;
  }
}
