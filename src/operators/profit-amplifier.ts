import { z } from 'zod';
import {
  type CancelOrder,
  clientOrderIdFor,
  directionOf,
  type ExecutionResult,
  exitSideOf,
  type Fill,
  type Kline,
  type OrderDenied,
  type OrderRequest,
  roundToStep,
  type SizingDecision,
  type SymbolFilters,
  sizingDecisionOf,
  type UniverseChanged,
} from '../domain/index.js';
import { applyFillEvent, type PositionState } from '../domain/position-math.js';
import type { Handler } from '../kernel/operate.js';

export const profitAmplifierParams = z
  .object({
    enabled: z.boolean().default(false),
    /** Partial take-profit: a reduce-only TAKE_PROFIT_MARKET resting at the venue from the entry on. */
    partialTakeProfit: z
      .object({
        /** Its trigger: entry + this many R in the position's favour; 0 = off. */
        atR: z.number().nonnegative().default(1),
        /** Share of the decision's quantity it closes. */
        fraction: z.number().gt(0).lt(1).default(0.5),
      })
      .strict()
      .default({ atR: 1, fraction: 0.5 }),
    /** Scale-in: add to a leading position, as a new entry through sizing limits and the risk governor. */
    scaleIn: z
      .object({
        /** A close this many R beyond the entry in the position's favour makes it leading; 0 = off. */
        atR: z.number().nonnegative().default(1.5),
        /** One add is at most this share of the first entry's quantity. */
        fraction: z.number().gt(0).max(1).default(0.5),
        /** Adds per position. */
        maxAdds: z.number().int().min(0).max(10).default(1),
        /**
         * Risk at the resting stop after the add (Σ qty × distance to the stop, a stop beyond the
         * entry counting as locked-in profit) ≤ this × the first entry's risk (its 1R × qty).
         */
        maxRiskMultiple: z.number().positive().max(5).default(1),
      })
      .strict()
      .default({ atR: 1.5, fraction: 0.5, maxAdds: 1, maxRiskMultiple: 1 }),
  })
  .strict();
export type ProfitAmplifierParams = z.output<typeof profitAmplifierParams>;

/** What PAL knows about one open position it amplifies. */
interface Amplified {
  readonly intentId: string;
  readonly decision: SizingDecision;
  held: PositionState;
  /** Price of the first entry fill (the partial take-profit and the lead are measured from it). */
  readonly firstEntryPrice: number;
  /** The resting stop's price (the bracket's, then each replacement the venue accepted). */
  stopPrice: number;
  adds: number;
  /** Client order id of a scale-in sent and not yet filled or refused (one at a time). */
  addInFlight: boolean;
  readonly openedTs: number;
  /** The partial take-profit sent for it, until the venue's final word on it. */
  partialId: string | undefined;
  /** Its quantity and revision (the take-profit grows with the entry's later fills, e.g. TWAP slices). */
  partialQty: number;
  partialRevision: number;
  /** Whether the partial take-profit filled (it is not placed again). */
  partialDone: boolean;
  /** Quantity the entry itself filled so far (adds excluded). */
  entered: number;
}

/** Statuses after which an order is done at the venue. */
const FINAL: ReadonlySet<string> = new Set(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED']);

const fmt = (value: number): string => Number(value.toPrecision(8)).toString();

/** The partial take-profit's client order id: revision 1 on of the intent's TAKE_PROFIT (the bracket's is 0). */
export const partialTakeProfitId = (intentId: string, revision = 1): string =>
  clientOrderIdFor(intentId, 'TAKE_PROFIT', revision);

/** Intent id of the `n`-th scale-in of a position. */
export const scaleInIntentId = (intentId: string, n: number): string => `${intentId}+add${n}`;

/**
 * Profit amplification (PAL, issue #18), per symbol, from event time only (a symbol outside the
 * latest universe gets no scale-in; its position is still amplified otherwise):
 *
 * - **partial take-profit**: when a decision's entry first fills, a reduce-only TAKE_PROFIT_MARKET
 *   for `fraction` of the decision's quantity (rounded down to the step) rests at the venue at the
 *   fill price + `atR` × 1R (rounded to the tick), so the venue takes it even while the engine is
 *   away; its exit reason is TAKE_PROFIT.
 * - **scale-in**: after a candle whose close is `atR` × 1R beyond the first entry, a new
 *   `SizingDecision` (intent `<intent>+add<n>`, `addsTo` the position's intent) for the largest
 *   quantity that keeps the whole position's risk at its resting stop within
 *   `maxRiskMultiple` × the first entry's risk, capped at `fraction` of the first entry. It goes
 *   through the balancer and the risk governor like any entry (they may shrink or refuse it); its
 *   entry is sent alone and the monitor resizes the position's stop when it fills. At most
 *   `maxAdds`, one in flight at a time.
 * - **break-even and trailing** are the position monitor's (`monitor.breakEvenAtR`,
 *   `monitor.trailingActivationR`): venue stop replacements, new-first, for the whole position.
 *
 * Learns: approved decisions (`governor.execution`), fills, and accepted STOP_LOSS reports (the
 * resting stop's price).
 */
export const createProfitAmplifier = (
  p: ProfitAmplifierParams,
  filtersOf: (symbol: string) => SymbolFilters,
  options: { readonly maxHoldMs: number } = { maxHoldMs: 0 },
): Handler<{ readonly kind: string }, OrderRequest | SizingDecision | CancelOrder> => {
  const decisions = new Map<string, SizingDecision>();
  const positions = new Map<string, Amplified>();
  /** Partial take-profits whose position closed before the venue ended them (id → symbol). */
  const leftover = new Map<string, string>();
  /** The latest universe's symbols (Universe OS; undefined: none yet). A scale-in is a new entry. */
  let universe: ReadonlySet<string> | undefined;

  /**
   * The partial take-profit for what the entry has filled so far, replacing a smaller one (cancel
   * first: two resting take-profits would both fire). Nothing when it would not grow.
   */
  const placePartial = (
    position: Amplified,
    symbol: string,
    ts: number,
    emit: (out: OrderRequest | SizingDecision | CancelOrder) => void,
  ): void => {
    const { atR, fraction } = p.partialTakeProfit;
    const { decision } = position;
    if (!(atR > 0) || position.partialDone) return;
    const filters = filtersOf(symbol);
    const qty = roundToStep(position.entered * fraction, filters.stepSize, 'down');
    if (!(qty >= filters.minQty) || qty >= position.entered || !(qty > position.partialQty)) return;
    const direction = directionOf(decision.side);
    const level = position.firstEntryPrice + direction * atR * decision.riskPerUnit;
    const stopPrice = roundToStep(level, filters.tickSize, 'nearest');
    if (!(stopPrice > 0)) return;
    if (position.partialId !== undefined) {
      emit({
        kind: 'cancel-order',
        clientOrderId: position.partialId,
        symbol,
        ts,
        reason: `partial take-profit grows to ${fmt(qty)} with the entry's fills`,
      });
    }
    position.partialRevision++;
    position.partialQty = qty;
    position.partialId = partialTakeProfitId(position.intentId, position.partialRevision);
    emit({
      kind: 'order-request',
      clientOrderId: position.partialId,
      intentId: position.intentId,
      symbol,
      ts,
      side: exitSideOf(decision.side),
      type: 'TAKE_PROFIT_MARKET',
      qty,
      stopPrice,
      reduceOnly: true,
      purpose: 'TAKE_PROFIT',
      positionSide: decision.side,
      exitReason: 'TAKE_PROFIT',
      reason: `PAL partial take-profit: ${fraction * 100}% of ${fmt(position.entered)} at ${atR}R (entry ${fmt(position.firstEntryPrice)}, 1R ${fmt(decision.riskPerUnit)})`,
    });
  };

  const onFill = (fill: Fill, emit: (out: OrderRequest | SizingDecision | CancelOrder) => void): void => {
    const position = positions.get(fill.symbol);
    const outcome = applyFillEvent(position?.held, fill);
    const held = outcome.position;
    if (held === undefined) {
      positions.delete(fill.symbol);
      // Its partial take-profit may still rest (sent inside the candle that closed the position):
      // cancelled on the symbol's next candle unless the venue ends it first.
      if (position?.partialId !== undefined) leftover.set(position.partialId, fill.symbol);
      return;
    }
    if (position !== undefined && !outcome.closedPosition) {
      position.held = held;
      if (outcome.openedQty > 0 && fill.intentId !== position.intentId) position.addInFlight = false;
      if (outcome.openedQty > 0 && fill.intentId === position.intentId) {
        // A later fill of the same entry (a TWAP slice, a partly filled LIMIT).
        position.entered += outcome.openedQty;
        placePartial(position, fill.symbol, fill.ts, emit);
      }
      return;
    }
    // A new position: amplified only when PAL saw the decision that opened it.
    const decision = decisions.get(fill.intentId);
    decisions.delete(fill.intentId);
    if (decision === undefined || decision.addsTo !== undefined) {
      positions.delete(fill.symbol);
      return;
    }
    const opened: Amplified = {
      intentId: fill.intentId,
      decision,
      held,
      firstEntryPrice: fill.price,
      stopPrice: decision.stopPrice,
      adds: 0,
      addInFlight: false,
      openedTs: fill.ts,
      partialId: undefined,
      partialQty: 0,
      partialRevision: 0,
      partialDone: false,
      entered: outcome.openedQty,
    };
    positions.set(fill.symbol, opened);
    placePartial(opened, fill.symbol, fill.ts, emit);
  };

  const scaleIn = (position: Amplified, kline: Kline): SizingDecision | undefined => {
    const { atR, fraction, maxAdds, maxRiskMultiple } = p.scaleIn;
    if (!(atR > 0) || position.adds >= maxAdds || position.addInFlight) return undefined;
    // A symbol that left the universe keeps its position, but gets no new exposure.
    if (universe !== undefined && !universe.has(kline.symbol)) return undefined;
    // A position due for its time exit (the monitor closes it at this candle) gets no add.
    if (options.maxHoldMs > 0 && kline.ts - position.openedTs >= options.maxHoldMs) return undefined;
    const { decision, held } = position;
    const direction = directionOf(held.side);
    const r = decision.riskPerUnit;
    const lead = (direction * (kline.close - position.firstEntryPrice)) / r;
    if (!(lead >= atR)) return undefined;
    // Risk now at the resting stop (negative once the stop locks in profit), and the add's per unit.
    const openRisk = held.qty * direction * (held.entryPrice - position.stopPrice);
    const addRiskPerUnit = direction * (kline.close - position.stopPrice);
    if (!(addRiskPerUnit > 0)) return undefined;
    const budget = maxRiskMultiple * r * decision.qty - openRisk;
    const filters = filtersOf(kline.symbol);
    const qty = roundToStep(
      Math.min(fraction * decision.qty, budget / addRiskPerUnit),
      filters.stepSize,
      'down',
    );
    if (!(qty >= filters.minQty) || !(qty * kline.close >= filters.minNotionalUsdt)) return undefined;
    position.adds++;
    position.addInFlight = true;
    const n = position.adds;
    return {
      ...sizingDecisionOf(
        {
          intentId: scaleInIntentId(position.intentId, n),
          symbol: kline.symbol,
          ts: kline.ts,
          side: held.side,
          price: kline.close,
          qty,
          notionalUsdt: qty * kline.close,
          leverage: held.leverage,
          stopPrice: position.stopPrice,
          riskPerUnit: addRiskPerUnit,
          method: `PAL scale-in ${n}/${maxAdds}: ${lead.toFixed(2)}R ≥ ${atR}R; risk at stop ${fmt(position.stopPrice)} after the add ${fmt(openRisk + qty * addRiskPerUnit)} ≤ ${maxRiskMultiple} × ${fmt(r * decision.qty)} USDT`,
        },
        undefined,
      ),
      addsTo: position.intentId,
    };
  };

  return {
    next(event, emit) {
      switch (event.kind) {
        case 'sizing-decision': {
          const decision = event as SizingDecision;
          if (decision.addsTo === undefined) decisions.set(decision.intentId, decision);
          return;
        }
        case 'fill':
          onFill(event as Fill, emit);
          return;
        case 'universe-changed':
          universe = new Set((event as UniverseChanged).members.map((member) => member.symbol));
          return;
        case 'execution-result': {
          const report = event as ExecutionResult;
          if (report.purpose === 'TAKE_PROFIT' && FINAL.has(report.status)) {
            leftover.delete(report.clientOrderId);
            const owner = positions.get(report.symbol);
            if (owner?.partialId === report.clientOrderId) {
              owner.partialId = undefined;
              if (report.status === 'FILLED') owner.partialDone = true;
            }
          }
          const position = positions.get(report.symbol);
          if (position === undefined) return;
          if (report.purpose === 'STOP_LOSS' && report.status === 'NEW' && report.stopPrice !== undefined) {
            if (report.intentId === position.intentId) position.stopPrice = report.stopPrice;
            return;
          }
          // A refused (or cancelled) scale-in entry frees the slot; it still counts as one of maxAdds.
          if (
            report.purpose === 'ENTRY' &&
            report.intentId !== position.intentId &&
            (report.status === 'REJECTED' || report.status === 'CANCELED' || report.status === 'EXPIRED')
          ) {
            position.addInFlight = false;
          }
          return;
        }
        case 'order-denied': {
          // The balancer or the risk governor refused a scale-in.
          const denied = event as OrderDenied;
          const position = positions.get(denied.symbol);
          if (position !== undefined && denied.intentId.startsWith(`${position.intentId}+add`))
            position.addInFlight = false;
          return;
        }
        case 'kline': {
          const kline = event as Kline;
          if (leftover.size > 0) {
            for (const [clientOrderId, symbol] of leftover) {
              if (symbol !== kline.symbol) continue;
              leftover.delete(clientOrderId);
              emit({
                kind: 'cancel-order',
                clientOrderId,
                symbol,
                ts: kline.ts,
                reason: 'partial take-profit left resting after its position closed',
              });
            }
          }
          const position = positions.get(kline.symbol);
          if (position === undefined) return;
          const add = scaleIn(position, kline);
          if (add !== undefined) emit(add);
          return;
        }
        default:
          return;
      }
    },
  };
};
