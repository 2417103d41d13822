import { z } from 'zod';
import {
  directionOf,
  type Kline,
  type OrderDenied,
  type PortfolioSnapshot,
  type SizingDecision,
  sizingDecisionOf,
} from '../domain/index.js';
import type { Handler } from '../kernel/operate.js';

export const portfolioBalancerParams = z
  .object({
    /** Correlations are of the last this-many one-candle log returns of each pair of symbols. */
    correlationWindow: z.number().int().min(10).max(5_000).default(100),
    /** Returns two symbols must share before their correlation counts (fewer: uncorrelated). */
    minCorrelationSamples: z.number().int().min(5).max(5_000).default(30),
    /** Symbols whose returns correlate at or above this (in the direction that adds risk) are one bet. */
    correlationThreshold: z.number().min(0).max(1).default(0.7),
    /** Notional of one correlated bet (the new position and every open one it correlates with) ≤ this × equity. */
    maxCorrelatedExposure: z.number().positive().default(1.5),
    /** |Σ long notional − Σ short notional| after the new position ≤ this × equity. */
    maxNetExposure: z.number().positive().default(2),
    /** One symbol's new position ≤ this × equity. */
    maxSymbolExposure: z.number().positive().default(1),
  })
  .strict();
export type PortfolioBalancerParams = z.output<typeof portfolioBalancerParams>;

/** One symbol's recent one-candle log returns, newest last (a ring). */
export class Returns {
  readonly values: Float64Array;
  count = 0;
  lastClose = Number.NaN;
  lastTs = Number.NaN;
  intervalMs = 60_000;
  constructor(window: number) {
    this.values = new Float64Array(window);
  }
  push(kline: Kline): void {
    if (!Number.isNaN(this.lastClose)) {
      this.values[this.count % this.values.length] = Math.log(kline.close / this.lastClose);
      this.count++;
    }
    this.lastClose = kline.close;
    this.lastTs = kline.ts;
    this.intervalMs = kline.ts - kline.openTime;
  }
  /** The `k`-th newest return (0 = newest). */
  back(k: number): number {
    const n = this.values.length;
    return this.values[(((this.count - 1 - k) % n) + n) % n];
  }
}

/**
 * Pearson correlation of two symbols' returns over the candles both have, aligned by time (the
 * symbol whose candle of this minute has not arrived yet is one candle behind), or undefined with
 * fewer than `minSamples` shared returns.
 */
export const correlationOf = (a: Returns, b: Returns, minSamples: number): number | undefined => {
  const aheadA = Math.max(0, Math.round((a.lastTs - b.lastTs) / a.intervalMs));
  const aheadB = Math.max(0, Math.round((b.lastTs - a.lastTs) / b.intervalMs));
  const n = Math.min(a.count - aheadA, b.count - aheadB, a.values.length - aheadA, b.values.length - aheadB);
  if (!(n >= minSamples)) return undefined;
  // Newest first, walking each ring backwards (the same sums in the same order as `back(k)`).
  const av = a.values;
  const bv = b.values;
  const na = av.length;
  const nb = bv.length;
  const startA = (((a.count - 1 - aheadA) % na) + na) % na;
  const startB = (((b.count - 1 - aheadB) % nb) + nb) % nb;
  let sa = 0;
  let sb = 0;
  for (let k = 0, ia = startA, ib = startB; k < n; k++) {
    sa += av[ia];
    sb += bv[ib];
    ia = ia === 0 ? na - 1 : ia - 1;
    ib = ib === 0 ? nb - 1 : ib - 1;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let k = 0, ia = startA, ib = startB; k < n; k++) {
    const da = av[ia] - ma;
    const db = bv[ib] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
    ia = ia === 0 ? na - 1 : ia - 1;
    ib = ib === 0 ? nb - 1 : ib - 1;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : undefined;
};

const usdt = (value: number): string => value.toFixed(2);

/**
 * Portfolio balancing (PBA, issue #18): between the sizer and the risk governor, each entry is
 * checked against the portfolio it would join, from the latest snapshot's positions (marked at
 * their mark price) and each symbol's recent returns:
 *
 * - **per symbol**: the new notional ≤ `maxSymbolExposure` × equity;
 * - **net**: |longs − shorts| after it ≤ `maxNetExposure` × equity (an entry that reduces the net
 *   exposure always fits);
 * - **correlated**: the open positions whose returns correlate with the new symbol's at or above
 *   `correlationThreshold` in the direction that adds risk (same side and positive correlation,
 *   or opposite side and negative) form one bet with it; that bet's notional ≤
 *   `maxCorrelatedExposure` × equity.
 *
 * An entry over a limit is shrunk to the room left — the decision's `method` says by how much and
 * why, naming the correlated symbols — or refused (`OrderDenied`, gate `pba`) when no room is left.
 * Quantities are rounded to the venue's step by the risk governor after it.
 */
export const createPortfolioBalancer = (
  p: PortfolioBalancerParams,
  initialEquityUsdt: number,
): Handler<{ readonly kind: string }, SizingDecision | OrderDenied> => {
  const returns = new Map<string, Returns>();
  let snapshot: PortfolioSnapshot | undefined;
  return {
    next(event, emit) {
      if (event.kind === 'kline') {
        const kline = event as Kline;
        let series = returns.get(kline.symbol);
        if (series === undefined) {
          series = new Returns(p.correlationWindow);
          returns.set(kline.symbol, series);
        }
        series.push(kline);
        return;
      }
      if (event.kind === 'portfolio-snapshot') {
        snapshot = event as PortfolioSnapshot;
        return;
      }
      if (event.kind !== 'sizing-decision') return;
      const decision = event as SizingDecision;
      const equity = snapshot?.equityUsdt ?? initialEquityUsdt;
      const direction = directionOf(decision.side);
      const wanted = decision.notionalUsdt;
      let room = wanted;
      const limits: string[] = [];
      // A scale-in shares the symbol cap with the position it adds to.
      let sameSymbolUsdt = 0;
      if (decision.addsTo !== undefined) {
        for (const position of snapshot?.positions ?? [])
          if (position.symbol === decision.symbol) sameSymbolUsdt += position.qty * position.markPrice;
      }
      const symbolCap = p.maxSymbolExposure * equity - sameSymbolUsdt;
      if (room > symbolCap) {
        room = Math.max(0, symbolCap);
        limits.push(
          `symbol cap ${usdt(p.maxSymbolExposure * equity)} USDT (${p.maxSymbolExposure}× equity${sameSymbolUsdt > 0 ? `, ${usdt(sameSymbolUsdt)} already open` : ''})`,
        );
      }
      let net = 0;
      const mine = returns.get(decision.symbol);
      const correlated: string[] = [];
      let correlatedUsdt = 0;
      for (const position of snapshot?.positions ?? []) {
        const notional = position.qty * position.markPrice;
        const side = directionOf(position.side);
        net += side * notional;
        if (position.symbol === decision.symbol) continue;
        const theirs = returns.get(position.symbol);
        const corr =
          mine === undefined || theirs === undefined
            ? undefined
            : correlationOf(mine, theirs, p.minCorrelationSamples);
        if (corr === undefined || Math.abs(corr) < p.correlationThreshold) continue;
        // Same side with positive correlation, or opposite sides with negative: the same bet.
        if (Math.sign(corr) * side !== direction) continue;
        correlated.push(`${position.symbol} ${corr.toFixed(2)}`);
        correlatedUsdt += notional;
      }
      const netCap = p.maxNetExposure * equity;
      // Room on the net side: how far the new position may move the net before |net| hits the cap.
      const netRoom = direction > 0 ? netCap - net : netCap + net;
      if (room > netRoom && Math.abs(net + direction * room) > Math.abs(net)) {
        room = Math.max(0, netRoom);
        limits.push(`net exposure ${usdt(net)} USDT, cap ${usdt(netCap)} (${p.maxNetExposure}× equity)`);
      }
      const correlatedCap = p.maxCorrelatedExposure * equity;
      if (correlated.length > 0 && correlatedUsdt + room > correlatedCap) {
        room = Math.max(0, correlatedCap - correlatedUsdt);
        limits.push(
          `correlated with ${correlated.join(', ')}: ${usdt(correlatedUsdt)} USDT open, cap ${usdt(correlatedCap)} (${p.maxCorrelatedExposure}× equity)`,
        );
      }
      if (room >= wanted) {
        emit(decision);
        return;
      }
      if (!(room > 0)) {
        emit({
          kind: 'order-denied',
          intentId: decision.intentId,
          symbol: decision.symbol,
          ts: decision.ts,
          gate: 'pba',
          reason: `no room for ${usdt(wanted)} USDT: ${limits.join('; ')}`,
        });
        return;
      }
      const scale = room / wanted;
      const shrunk = sizingDecisionOf(
        {
          intentId: decision.intentId,
          symbol: decision.symbol,
          ts: decision.ts,
          side: decision.side,
          price: decision.price,
          qty: decision.qty * scale,
          notionalUsdt: room,
          leverage: decision.leverage,
          stopPrice: decision.stopPrice,
          riskPerUnit: decision.riskPerUnit,
          method: `${decision.method} · balanced ${usdt(wanted)} → ${usdt(room)} USDT (${limits.join('; ')})`,
        },
        decision.takeProfitPrice,
      );
      emit(decision.addsTo === undefined ? shrunk : { ...shrunk, addsTo: decision.addsTo });
    },
  };
};
