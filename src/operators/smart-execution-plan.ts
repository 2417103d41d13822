/**
 * How smart execution (AELM) means to execute one approved decision, decided once when the decision
 * arrives: market or post-only limit, how many TWAP slices, and how much of the wanted qty the
 * slippage guard lets through — or a refusal with the estimate that caused it.
 */
import { roundToStep, type SizingDecision, type SymbolFilters } from '../domain/index.js';
import {
  type CandleWindow,
  describeSlippage,
  estimateOf,
  type MarketEstimate,
  maxQtyWithin,
  slippageBpsOf,
} from './execution-estimates.js';
import type { SmartExecutionParams } from './smart-execution-params.js';

/** An approved decision's execution: its children's type, total qty and slicing. */
export interface ExecutionPlan {
  readonly type: 'MARKET' | 'LIMIT';
  /** What the children add up to: the decision's qty, or less when the guard shrank it. */
  readonly totalQty: number;
  readonly slices: number;
  /** Qty of every slice but the last (which takes what is left of `totalQty`). */
  readonly sliceQty: number;
  /** The market estimate it was planned on; undefined when AELM abstained. */
  readonly estimate: MarketEstimate | undefined;
  /** Why, in words: the reason the plan's orders carry. */
  readonly why: string;
}

export type PlanOutcome =
  | { readonly ok: true; readonly plan: ExecutionPlan }
  | { readonly ok: false; readonly reason: string };

/** Smallest child the venue takes at `price`: its min qty and min notional, on the step grid. */
export const minChildQtyOf = (filters: SymbolFilters, price: number): number =>
  Math.max(
    filters.minQty,
    filters.stepSize,
    roundToStep(filters.minNotionalUsdt / price, filters.stepSize, 'up'),
  );

const bps = (value: number): string => value.toFixed(2);

/** The market estimate from a symbol's candles with AELM's params, or why there is none. */
export const estimateFor = (
  p: SmartExecutionParams,
  symbol: string,
  window: CandleWindow | undefined,
): MarketEstimate | string =>
  window === undefined
    ? `no ${symbol} candle yet`
    : estimateOf(window, {
        minCandles: Math.min(p.minCandles, p.volatilityWindow),
        spreadBps: p.spreadBps,
        spreadModel: p.spreadModel,
      });

/**
 * The plan for `decision` (see `smartExecution` for the rules). `alone`: a scale-in — guarded, but
 * one MARKET entry, never sliced or passive. `window` undefined or without a usable estimate (too
 * few candles, NaN, no volume): AELM abstains, one MARKET entry of the whole qty, saying why.
 */
export const planExecution = (
  p: SmartExecutionParams,
  decision: SizingDecision,
  window: CandleWindow | undefined,
  filters: SymbolFilters,
  feeSavingBps: number,
  alone: boolean,
): PlanOutcome => {
  const wanted = decision.qty;
  const estimate = estimateFor(p, decision.symbol, window);
  if (typeof estimate === 'string') {
    const why = `aelm abstains (${estimate}): one MARKET entry`;
    return {
      ok: true,
      plan: { type: 'MARKET', totalQty: wanted, slices: 1, sliceQty: wanted, estimate: undefined, why },
    };
  }
  const k = p.impactCoefficient;
  const { stepSize } = filters;
  const minChildQty = minChildQtyOf(filters, decision.price);
  const notionalUsdt = wanted * decision.price;
  const participation = wanted / estimate.avgVolume;
  const large = !alone && (notionalUsdt > p.twapAboveUsdt || participation > p.maxParticipation);
  // As many slices as asked, but none below the venue's minimum.
  const slices = large ? Math.max(1, Math.min(p.twapSlices, Math.floor(wanted / minChildQty + 1e-9))) : 1;

  const childBps = slippageBpsOf(estimate, k, wanted / slices);
  let totalQty = wanted;
  const notes: string[] = [];
  if (childBps > p.maxSlippageBps) {
    const expected = describeSlippage(estimate, k, wanted / slices, childBps);
    const withinQty = roundToStep(
      Math.min(wanted, maxQtyWithin(estimate, k, p.maxSlippageBps) * slices),
      stepSize,
      'down',
    );
    const childQty = roundToStep(withinQty / slices, stepSize, 'down');
    if (withinQty < p.minFillFraction * wanted || childQty < minChildQty) {
      return {
        ok: false,
        reason: `expected slippage ${expected}${slices > 1 ? ` per slice of ${slices}` : ''} > max ${p.maxSlippageBps} bps; within it only ${withinQty} of ${wanted} (${((100 * withinQty) / wanted).toFixed(1)} %), below minFillFraction ${p.minFillFraction}${childQty < minChildQty ? ` or the venue's minimum ${minChildQty}` : ''}`,
      };
    }
    totalQty = withinQty;
    notes.push(
      `shrunk ${wanted} → ${withinQty}: expected slippage ${expected} > max ${p.maxSlippageBps} bps`,
    );
  } else {
    notes.push(
      `expected slippage ${describeSlippage(estimate, k, wanted / slices, childBps)} ≤ max ${p.maxSlippageBps} bps`,
    );
  }
  const sliceQty = slices === 1 ? totalQty : roundToStep(totalQty / slices, stepSize, 'down');
  if (slices > 1) {
    const why =
      notionalUsdt > p.twapAboveUsdt
        ? `notional ${notionalUsdt.toFixed(2)} USDT > ${p.twapAboveUsdt}`
        : `${(100 * participation).toFixed(2)} % of the average candle volume > ${100 * p.maxParticipation} %`;
    notes.unshift(`TWAP: ${slices} slices every ${p.twapIntervalCandles} candle(s) (${why})`);
  }
  // Passive pays when what it saves (crossing half the spread, taker − maker fee) beats what waiting risks.
  const savedBps = estimate.halfSpreadBps + feeSavingBps;
  const passive = p.passive && !alone && savedBps > p.urgency * estimate.sigmaBps;
  notes.unshift(
    passive
      ? `post-only LIMIT at the touch: half-spread + fee saving ${bps(savedBps)} bps > urgency ${p.urgency} × σ ${bps(estimate.sigmaBps)} bps`
      : 'MARKET',
  );
  return {
    ok: true,
    plan: {
      type: passive ? 'LIMIT' : 'MARKET',
      totalQty,
      slices,
      sliceQty,
      estimate,
      why: `aelm: ${notes.join('; ')}`,
    },
  };
};
