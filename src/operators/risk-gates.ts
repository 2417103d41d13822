import type { Observable, OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  DEFAULT_SYMBOL_FILTERS,
  type GateResult,
  type KillSwitchTripped,
  type OrderDenied,
  type PortfolioSnapshot,
  roundToStep,
  type SizingDecision,
  SymbolFilters,
  sizingDecisionOf,
} from '../domain/index.js';
import { type Handler, operate } from '../kernel/operate.js';
import { DEFAULT_MAX_DRAWDOWN_PCT, drawdownBreached } from './kill-switch.js';

export const riskGatesParams = z
  .object({
    /** kill-switch: deny every entry (sticky) once drawdownPct ≥ this. */
    maxDrawdownPct: z.number().positive().max(100).default(DEFAULT_MAX_DRAWDOWN_PCT),
    /** daily-loss: deny while (dayStartEquity − equity) / dayStartEquity ≥ this, percent. */
    dailyLossPct: z.number().positive().max(100).default(5),
    /** max-leverage: highest leverage allowed (also capped by the symbol's filter). */
    maxLeverage: z.number().positive().max(125).default(5),
    /** max-leverage: clamp an excess leverage to the max instead of denying. */
    clampLeverage: z.boolean().default(false),
    /** max-open-positions: open positions allowed at once. */
    maxOpenPositions: z.number().int().positive().default(5),
    /** max-gross-exposure: existing gross + new notional ≤ this × equity. */
    maxGrossExposure: z.number().positive().default(3),
    /** cooldown: event time after the last approved entry / last exit of a symbol; 0 = off. */
    cooldownMs: z.number().int().nonnegative().default(661_000),
    /** Equity before the first snapshot arrives. */
    initialEquityUsdt: z.number().positive().default(10_000),
    /** Per-symbol filter overrides, merged over DEFAULT_SYMBOL_FILTERS. */
    filters: z.record(z.string(), SymbolFilters.partial()).default({}),
  })
  .strict();
export type RiskGatesParams = z.output<typeof riskGatesParams>;

/** What a gate may look at besides the decision. */
export interface RiskContext {
  /** Latest account state; undefined before the first snapshot. */
  readonly snapshot: PortfolioSnapshot | undefined;
  readonly equityUsdt: number;
  /** Sticky kill-switch state of the operator. */
  readonly killSwitchTripped: boolean;
  /** Event time of the last approved entry per symbol (the operator's own memory). */
  readonly lastEntryTs: ReadonlyMap<string, number>;
  /** Exchange filters of the decision's symbol. */
  readonly filters: SymbolFilters;
  /** The venue's taker fee rate: what an entry's fee is estimated at for the free-margin check. */
  readonly takerFeeRate: number;
}

/** A pure risk check: approve (possibly adjusted) or deny with the numbers that made it say no. */
export type RiskGate = (
  decision: SizingDecision,
  context: RiskContext,
  params: RiskGatesParams,
) => GateResult<SizingDecision>;

const pass = (value: SizingDecision): GateResult<SizingDecision> => ({ ok: true, value });
const fail = (gate: string, reason: string): GateResult<SizingDecision> => ({ ok: false, gate, reason });
/**
 * A number as shown in a denial: at most 8 decimals, float noise dropped (0.1 + 0.2 → 0.3). The
 * shortest form is already that when it has no exponent and ≤ 8 decimals (most quantities and
 * prices): then `toFixed(8)` (slow, and run for most denials) would give the same digits.
 */
export const fmt = (value: number): string => {
  const text = String(value);
  const point = text.indexOf('.');
  if (text.indexOf('e') < 0 && (point < 0 || text.length - point - 1 <= 8)) return text;
  return String(Number(value.toFixed(8)));
};

/** kill-switch: sticky once tripped, or when the snapshot's drawdown reached `maxDrawdownPct`. */
export const killSwitchGate: RiskGate = (decision, { snapshot, killSwitchTripped }, p) => {
  if (killSwitchTripped) return fail('kill-switch', `kill switch tripped (drawdown ≥ ${p.maxDrawdownPct}%)`);
  if (snapshot !== undefined && drawdownBreached(snapshot, p.maxDrawdownPct)) {
    return fail('kill-switch', `drawdown ${snapshot.drawdownPct.toFixed(2)}% ≥ max ${p.maxDrawdownPct}%`);
  }
  return pass(decision);
};

/** daily-loss: loss since the UTC day started, relative to the day-start equity. */
export const dailyLossGate: RiskGate = (decision, { snapshot }, p) => {
  if (snapshot === undefined || !(snapshot.dayStartEquityUsdt > 0)) return pass(decision);
  const lossPct = ((snapshot.dayStartEquityUsdt - snapshot.equityUsdt) / snapshot.dayStartEquityUsdt) * 100;
  return lossPct >= p.dailyLossPct
    ? fail('daily-loss', `daily loss ${lossPct.toFixed(2)}% ≥ max ${p.dailyLossPct}%`)
    : pass(decision);
};

/** max-leverage: limit = min(maxLeverage, symbol filter's maxLeverage); clamps with `clampLeverage`. */
export const maxLeverageGate: RiskGate = (decision, { filters }, p) => {
  const limit = Math.min(p.maxLeverage, filters.maxLeverage);
  if (decision.leverage <= limit) return pass(decision);
  if (p.clampLeverage) return pass({ ...decision, leverage: limit });
  return fail('max-leverage', `leverage ${fmt(decision.leverage)}× exceeds max ${fmt(limit)}×`);
};

/** position-exists: one position per symbol (one-way mode, no pyramiding), working entries included. */
export const positionExistsGate: RiskGate = (decision, { snapshot }) => {
  const open = snapshot?.positions.find((position) => position.symbol === decision.symbol);
  if (decision.addsTo !== undefined && (open === undefined || open.side !== decision.side)) {
    // A scale-in (PAL) adds to its position on the same side, or to nothing.
    return fail(
      'position-exists',
      `scale-in: no ${decision.side} ${decision.symbol} position to add to${open === undefined ? '' : ` (open: ${open.side})`}`,
    );
  }
  if (open !== undefined && decision.addsTo === undefined) {
    return fail('position-exists', `already in position: ${open.side} ${fmt(open.qty)} ${decision.symbol}`);
  }
  const working = snapshot?.workingEntries.find((entry) => entry.symbol === decision.symbol);
  return working === undefined
    ? pass(decision)
    : fail('position-exists', `entry order ${working.clientOrderId} for ${decision.symbol} is still working`);
};

/** Symbols that hold a position or have an entry order working (counted once each). */
const committedSymbols = (snapshot: RiskContext['snapshot']): number => {
  if (snapshot === undefined) return 0;
  if (snapshot.workingEntries.length === 0) return snapshot.positions.length;
  const symbols = new Set(snapshot.positions.map((position) => position.symbol));
  for (const entry of snapshot.workingEntries) symbols.add(entry.symbol);
  return symbols.size;
};

/** max-open-positions: open positions plus working entries before this entry. */
export const maxOpenPositionsGate: RiskGate = (decision, { snapshot }, p) => {
  // A scale-in adds to a position already counted.
  if (decision.addsTo !== undefined) return pass(decision);
  const open = committedSymbols(snapshot);
  const working = open - (snapshot?.positions.length ?? 0);
  return open >= p.maxOpenPositions
    ? fail(
        'max-open-positions',
        `${open} open positions${working > 0 ? ` (${working} of them entries still working)` : ''}, max ${p.maxOpenPositions}`,
      )
    : pass(decision);
};

/** max-gross-exposure: existing gross + working entries + new notional ≤ maxGrossExposure × equity. */
export const maxGrossExposureGate: RiskGate = (decision, { snapshot, equityUsdt }, p) => {
  let existingUsdt = snapshot?.grossExposureUsdt ?? 0;
  for (const entry of snapshot?.workingEntries ?? []) existingUsdt += entry.notionalUsdt;
  const grossUsdt = existingUsdt + decision.notionalUsdt;
  const limitUsdt = p.maxGrossExposure * equityUsdt;
  return grossUsdt > limitUsdt
    ? fail(
        'max-gross-exposure',
        `gross exposure ${grossUsdt.toFixed(2)} USDT (existing ${existingUsdt.toFixed(2)} + new ${decision.notionalUsdt.toFixed(2)}) exceeds ${p.maxGrossExposure}× equity = ${limitUsdt.toFixed(2)} USDT`,
      )
    : pass(decision);
};

/**
 * cooldown: since the later of the last approved entry and the last exit on the symbol, at least
 * `cooldownMs` of event time must have passed. Inclusive at the boundary: elapsed = cooldownMs is
 * allowed, cooldownMs − 1 denied.
 */
export const cooldownGate: RiskGate = (decision, { snapshot, lastEntryTs }, p) => {
  if (p.cooldownMs === 0) return pass(decision);
  const lastEntry = lastEntryTs.get(decision.symbol);
  const lastExit = snapshot?.lastExitTs[decision.symbol];
  let last = -Infinity;
  let what = '';
  if (lastEntry !== undefined) {
    last = lastEntry;
    what = 'entry';
  }
  if (lastExit !== undefined && lastExit > last) {
    last = lastExit;
    what = 'exit';
  }
  const elapsedMs = decision.ts - last;
  return elapsedMs < p.cooldownMs
    ? fail('cooldown', `cooldown: ${elapsedMs} ms since last ${what} < ${p.cooldownMs} ms`)
    : pass(decision);
};

/**
 * exchange-filters: qty rounded DOWN to stepSize (and capped at maxQty), stop and take-profit to
 * the NEAREST tick; notional and 1R recomputed. Denies below minQty or minNotional, and when the
 * rounded stop sits on the price.
 */
export const exchangeFiltersGate: RiskGate = (decision, { filters }) => {
  const qty = roundToStep(Math.min(decision.qty, filters.maxQty), filters.stepSize, 'down');
  if (!(qty > 0) || qty < filters.minQty) {
    return fail(
      'exchange-filters',
      `qty ${fmt(qty)} below minQty ${fmt(filters.minQty)} (step ${fmt(filters.stepSize)})`,
    );
  }
  const notionalUsdt = qty * decision.price;
  if (notionalUsdt < filters.minNotionalUsdt) {
    return fail(
      'exchange-filters',
      `notional ${notionalUsdt.toFixed(4)} USDT below minNotional ${fmt(filters.minNotionalUsdt)} USDT`,
    );
  }
  const stopPrice = roundToStep(decision.stopPrice, filters.tickSize, 'nearest');
  const riskPerUnit = Math.abs(decision.price - stopPrice);
  if (!(stopPrice > 0) || !(riskPerUnit > 0)) {
    return fail(
      'exchange-filters',
      `stop ${fmt(stopPrice)} on the price ${fmt(decision.price)} after tick rounding`,
    );
  }
  const takeProfitPrice =
    decision.takeProfitPrice === undefined
      ? undefined
      : roundToStep(decision.takeProfitPrice, filters.tickSize, 'nearest');
  return pass(withRounding(decision, qty, notionalUsdt, stopPrice, riskPerUnit, takeProfitPrice));
};

/** The decision with rounded qty and prices. */
const withRounding = (
  d: SizingDecision,
  qty: number,
  notionalUsdt: number,
  stopPrice: number,
  riskPerUnit: number,
  takeProfitPrice: number | undefined,
): SizingDecision => {
  const { intentId, symbol, ts, side, price, leverage, method, addsTo } = d;
  const rounded = sizingDecisionOf(
    { intentId, symbol, ts, side, price, qty, notionalUsdt, leverage, stopPrice, riskPerUnit, method },
    takeProfitPrice,
  );
  return addsTo === undefined ? rounded : { ...rounded, addsTo };
};

/**
 * free-margin: the entry's initial margin (notional / leverage) plus its estimated taker fee must
 * fit in the free margin — wallet − margin of open positions − margin and fee held for entries
 * still working (submitted or accepted, not yet filled). The venue would refuse it otherwise, and
 * a refused entry is a wasted signal (DESIGN.md §1a).
 */
export const freeMarginGate: RiskGate = (decision, { snapshot, equityUsdt, takerFeeRate }) => {
  let freeUsdt = snapshot?.availableUsdt ?? equityUsdt;
  for (const entry of snapshot?.workingEntries ?? []) {
    freeUsdt -= entry.notionalUsdt / (entry.leverage ?? 1) + entry.notionalUsdt * takerFeeRate;
  }
  const requiredUsdt = decision.notionalUsdt / decision.leverage + decision.notionalUsdt * takerFeeRate;
  return requiredUsdt > freeUsdt
    ? fail(
        'free-margin',
        `needs ${requiredUsdt.toFixed(2)} USDT margin + fee, free margin ${freeUsdt.toFixed(2)} USDT`,
      )
    : pass(decision);
};

/** The gates in the order they run; the first denial wins. */
export const RISK_GATES: readonly RiskGate[] = [
  killSwitchGate,
  dailyLossGate,
  maxLeverageGate,
  positionExistsGate,
  maxOpenPositionsGate,
  maxGrossExposureGate,
  cooldownGate,
  exchangeFiltersGate,
  freeMarginGate,
];

/** Runs `RISK_GATES` in order, threading adjustments (clamped leverage, rounding) through. */
export const evaluateRiskGates = (
  decision: SizingDecision,
  context: RiskContext,
  params: RiskGatesParams,
): GateResult<SizingDecision> => {
  let current = decision;
  for (const gate of RISK_GATES) {
    const result = gate(current, context, params);
    if (!result.ok) return result;
    current = result.value;
  }
  return pass(current);
};

/** Venue knowledge the gates need besides the params. */
export interface RiskGatesOptions {
  /** The venue's filters per symbol (e.g. `exchange.filtersOf`); else `params.filters` over the defaults. */
  readonly filtersOf?: (symbol: string) => SymbolFilters;
  /** The venue's taker fee rate (free-margin estimate); default 0.05 %. */
  readonly takerFeeRate?: number;
  /** Emit `KillSwitchTripped` with the first kill-switch denial (default true; off where a kill-switch stage announces it). */
  readonly announceKillSwitch?: boolean;
}

/**
 * The risk governor's logic (see `riskGates`), as a handler the kernel and the operator share:
 * keeps the latest snapshot, answers each sizing decision.
 */
export const createRiskGates = (
  p: RiskGatesParams,
  options: RiskGatesOptions = {},
): Handler<
  SizingDecision | PortfolioSnapshot | { readonly kind: string },
  SizingDecision | OrderDenied | KillSwitchTripped
> => {
  const filtersOf =
    options.filtersOf ??
    ((symbol: string): SymbolFilters => ({ ...DEFAULT_SYMBOL_FILTERS, ...p.filters[symbol] }));
  const takerFeeRate = options.takerFeeRate ?? 0.0005;
  let snapshot: PortfolioSnapshot | undefined;
  let killSwitchTripped = false;
  // The KillSwitchTripped event is emitted once, with the first denial it causes.
  let killSwitchAnnounced = options.announceKillSwitch === false;
  const lastEntryTs = new Map<string, number>();
  const filtersBySymbol = new Map<string, SymbolFilters>();
  return {
    next(event, emit) {
      if (event.kind === 'portfolio-snapshot') {
        snapshot = event as PortfolioSnapshot;
        if (drawdownBreached(snapshot, p.maxDrawdownPct)) killSwitchTripped = true;
        return;
      }
      if (event.kind !== 'sizing-decision') return;
      const decision = event as SizingDecision;
      let filters = filtersBySymbol.get(decision.symbol);
      if (filters === undefined) {
        filters = filtersOf(decision.symbol);
        filtersBySymbol.set(decision.symbol, filters);
      }
      const context: RiskContext = {
        snapshot,
        equityUsdt: snapshot?.equityUsdt ?? p.initialEquityUsdt,
        killSwitchTripped,
        lastEntryTs,
        filters,
        takerFeeRate,
      };
      const result = evaluateRiskGates(decision, context, p);
      if (result.ok) {
        lastEntryTs.set(decision.symbol, decision.ts);
        emit(result.value);
        return;
      }
      if (result.gate === 'kill-switch') {
        killSwitchTripped = true;
        if (!killSwitchAnnounced) {
          killSwitchAnnounced = true;
          emit({ kind: 'kill-switch-tripped', ts: decision.ts, gate: 'kill-switch', reason: result.reason });
        }
      }
      emit({
        kind: 'order-denied',
        intentId: decision.intentId,
        symbol: decision.symbol,
        ts: decision.ts,
        gate: result.gate,
        reason: result.reason,
      });
    },
  };
};

/**
 * The risk layer: every sizing decision passes the gates of `RISK_GATES` in order — kill-switch,
 * daily-loss, max-leverage, position-exists, max-open-positions, max-gross-exposure, cooldown,
 * exchange-filters, free-margin.
 *
 * @param params limits (`riskGatesParams`).
 * @param portfolio$ account state, subscribed before the decisions; before its first snapshot
 *   equity is `initialEquityUsdt` and there are no positions. A snapshot with drawdownPct ≥
 *   maxDrawdownPct trips the sticky kill switch even if no decision is pending. (In the kernel,
 *   snapshots arrive on the bus, in order.)
 * @param options the venue's filters and taker fee rate (`RiskGatesOptions`).
 * @returns per decision: the approved (rounded, maybe leverage-clamped) `SizingDecision`, or an
 *   `OrderDenied` naming the gate and the numbers; the first kill-switch denial is preceded by one
 *   `KillSwitchTripped`. Never silent for a decision.
 */
export const riskGates = (
  params: z.input<typeof riskGatesParams>,
  portfolio$: Observable<PortfolioSnapshot>,
  options: RiskGatesOptions = {},
): OperatorFunction<SizingDecision, SizingDecision | OrderDenied | KillSwitchTripped> => {
  const p = riskGatesParams.parse(params);
  return operate(() => createRiskGates(p, options), portfolio$);
};
