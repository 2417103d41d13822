/**
 * The account view as an operator: fills, funding, entry orders and venue reports booked into an
 * `AccountBook` per subscription, round trips closed into `TradeClosed`; the book is valued into a
 * `PortfolioSnapshot` by `portfolio-snapshot.ts`.
 */
import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  type AccountStatusReport,
  bracketsOf,
  DEFAULT_SYMBOL_FILTERS,
  type EngineEvent,
  type ExecutionResult,
  type Fill,
  type FundingPaid,
  type MarketEvent,
  type OrderSubmitted,
  type PortfolioSnapshot,
  type PositionStatusReport,
  type SymbolFilters,
  type TradeClosed,
  type VenueEvent,
} from '../domain/index.js';
import { applyFillEvent, type MarginTiers } from '../domain/position-math.js';
import { type Handler, operate } from '../kernel/operate.js';
import { emptyAccountBook, markTo, type RoundTrip, snapshotAt } from './portfolio-snapshot.js';

export const portfolioAccountingParams = z
  .object({
    initialBalanceUsdt: z.number().positive().default(10_000),
    /**
     * Maintenance-margin rate for the liquidation price shown in snapshots (one rate for all
     * symbols), when no `filtersOf` / `maintenanceMarginRateOf` option says better.
     */
    maintenanceMarginRate: z.number().min(0).max(0.5).default(DEFAULT_SYMBOL_FILTERS.maintenanceMarginRate),
  })
  .strict();
export type PortfolioAccountingParams = z.output<typeof portfolioAccountingParams>;

/** Where the account view learns each symbol's margin tiers (see `portfolioAccounting`). */
export interface PortfolioAccountingOptions {
  readonly filtersOf?: (symbol: string) => SymbolFilters;
  readonly maintenanceMarginRateOf?: (symbol: string) => number;
}

/** The margin tiers per symbol the options and params call for. */
const marginTiersOf = (
  options: PortfolioAccountingOptions,
  maintenanceMarginRate: number,
): ((symbol: string) => MarginTiers) => {
  const { filtersOf, maintenanceMarginRateOf } = options;
  if (filtersOf !== undefined) return (symbol) => bracketsOf(filtersOf(symbol));
  return maintenanceMarginRateOf ?? (() => maintenanceMarginRate);
};

/** What the account view listens to: market data, venue reports, and any other engine event (ignored). */
export type PortfolioInput = EngineEvent | MarketEvent | VenueEvent;

/**
 * The engine's account view, the same in every mode: positions per symbol rebuilt from `Fill`s
 * (position-math), wallet = initial + realized − fees − funding (`FundingPaid`), marked to the
 * last kline close (or tick price) per symbol.
 *
 * @param params `initialBalanceUsdt`, `maintenanceMarginRate` (see `portfolioAccountingParams`).
 * @param options.filtersOf the venue's filters per symbol (`exchange.filtersOf`): snapshot
 *   liquidation prices use their leverage brackets, so they equal the venue's.
 * @param options.maintenanceMarginRateOf one rate per symbol (the one-rate model), when no
 *   `filtersOf` is given; else `params.maintenanceMarginRate` for every symbol.
 * Emits
 * - `TradeClosed` when a position returns to flat (or flips): tradeId = entry intentId + '#' + n
 *   (n counts trades per subscription), avg entry and exit prices, qty = the largest size held,
 *   gross PnL, fees and funding of that round trip (a flipping fill's fee is split pro rata),
 *   net = gross − fees − funding, rMultiple = net / (riskPerUnit × qty) when a `sizing-decision` event of the
 *   entry intent passed by, reason = exitReason of the last reducing fill.
 * - `PortfolioSnapshot` after every kline, with that kline's close as the symbol's mark. Feed the
 *   venue first so the kline's fills arrive before the kline itself: the snapshot then reflects them.
 * - One last `PortfolioSnapshot` on completion when fills or funding arrived after the last kline
 *   (e.g. the venue's END_OF_DATA exits), so the final account is never stale.
 * Stays silent on everything else (ExecutionResult is ignored: its fills arrive as `Fill` events;
 * PositionLiquidated is informational: the liquidation Fill carries the accounting).
 */
export const portfolioAccounting = (
  params: z.input<typeof portfolioAccountingParams> = {},
  options: PortfolioAccountingOptions = {},
): OperatorFunction<PortfolioInput, PortfolioSnapshot | TradeClosed> => {
  portfolioAccountingParams.parse(params);
  return operate(() => createPortfolioAccounting(params, options));
};

/**
 * The account's logic (see `portfolioAccounting`), as a handler the kernel and the operator share.
 */
export const createPortfolioAccounting = (
  params: z.input<typeof portfolioAccountingParams> = {},
  options: PortfolioAccountingOptions = {},
): Handler<PortfolioInput, PortfolioSnapshot | TradeClosed> => {
  const { initialBalanceUsdt: configuredBalanceUsdt, maintenanceMarginRate } =
    portfolioAccountingParams.parse(params);
  const tiersOf = marginTiersOf(options, maintenanceMarginRate);
  // Where the handler call in progress emits (closeTrip runs inside it).
  let emitOut: (event: PortfolioSnapshot | TradeClosed) => void = () => undefined;
  // Per-subscription state: each subscriber replays its own account from scratch.
  const book = emptyAccountBook(configuredBalanceUsdt);
  const { trips, marks, working } = book;
  /** Entry → stop distance per intent, from sizing decisions, for rMultiple. */
  const riskPerUnit = new Map<string, number>();
  const lastExitTs: Record<string, number> = {};
  // Venue trade ids of the fills applied (symbol:id).
  const appliedTrades = new Set<string>();
  let tradeCount = 0;

  const closeTrip = (trip: RoundTrip, ts: number): TradeClosed => {
    const netPnlUsdt = trip.grossPnlUsdt - trip.feesUsdt - trip.fundingUsdt;
    const risk = riskPerUnit.get(trip.intentId);
    riskPerUnit.delete(trip.intentId);
    return {
      kind: 'trade-closed',
      tradeId: `${trip.intentId}#${++tradeCount}`,
      intentId: trip.intentId,
      symbol: trip.symbol,
      side: trip.position.side,
      entryTs: trip.entryTs,
      ts,
      entryPrice: trip.entryNotionalUsdt / trip.entryQty,
      exitPrice: trip.exitNotionalUsdt / trip.exitQty,
      qty: trip.maxQty,
      leverage: trip.position.leverage,
      grossPnlUsdt: trip.grossPnlUsdt,
      feesUsdt: trip.feesUsdt,
      fundingUsdt: trip.fundingUsdt,
      netPnlUsdt,
      ...(risk === undefined ? {} : { rMultiple: netPnlUsdt / (risk * trip.maxQty) }),
      reason: trip.reason ?? 'SIGNAL_EXIT',
    };
  };

  const onFill = (fill: Fill): void => {
    const trip = trips.get(fill.symbol);
    const before = trip?.position;
    const outcome = applyFillEvent(before, fill);
    book.realizedPnlUsdt += outcome.realizedPnlUsdt;
    book.feesUsdt += fill.feeUsdt;
    const closingFeeUsdt = (fill.feeUsdt * outcome.closedQty) / fill.qty;
    // The opening part's fee belongs to the position that remains; with none, to the closed trip.
    const openingFeeUsdt = fill.feeUsdt - closingFeeUsdt;
    if (trip !== undefined && outcome.closedQty > 0) {
      trip.exitQty += outcome.closedQty;
      trip.exitNotionalUsdt += outcome.closedQty * fill.price;
      trip.grossPnlUsdt += outcome.realizedPnlUsdt;
      trip.feesUsdt += closingFeeUsdt + (outcome.position === undefined ? openingFeeUsdt : 0);
      // A reducing fill without a reason (e.g. an opposite entry flipping the position) is a signal exit.
      trip.reason = fill.exitReason ?? 'SIGNAL_EXIT';
    }
    if (trip !== undefined && outcome.closedPosition) {
      trips.delete(fill.symbol);
      lastExitTs[fill.symbol] = fill.ts;
      book.lastExitTsView = Object.freeze({ ...lastExitTs });
      emitOut(closeTrip(trip, fill.ts));
    }
    const position = outcome.position;
    if (position === undefined) return;
    const continuing = trips.get(fill.symbol);
    if (continuing === undefined) {
      trips.set(fill.symbol, {
        position,
        symbol: fill.symbol,
        intentId: fill.intentId,
        entryTs: fill.ts,
        maxQty: position.qty,
        entryQty: outcome.openedQty,
        entryNotionalUsdt: outcome.openedQty * fill.price,
        exitQty: 0,
        exitNotionalUsdt: 0,
        grossPnlUsdt: 0,
        feesUsdt: openingFeeUsdt,
        fundingUsdt: 0,
        reason: undefined,
        liquidationOf: undefined,
        liquidationPrice: Number.NaN,
      });
      return;
    }
    continuing.position = position;
    if (outcome.openedQty > 0) {
      continuing.entryQty += outcome.openedQty;
      continuing.entryNotionalUsdt += outcome.openedQty * fill.price;
      continuing.feesUsdt += openingFeeUsdt;
      if (position.qty > continuing.maxQty) continuing.maxQty = position.qty;
    }
  };

  // Whether fills or funding changed the account after the last snapshot, and when the last did.
  let changedSinceSnapshot = false;
  let lastChangeTs = 0;
  /** A fill changes the account once, however often it is reported (websocket and REST). */
  const onFillReported = (fill: Fill): void => {
    if (fill.venueTradeId !== undefined) {
      const tradeKey = `${fill.symbol}:${fill.venueTradeId}`;
      if (appliedTrades.has(tradeKey)) return;
      appliedTrades.add(tradeKey);
    }
    changedSinceSnapshot = true;
    lastChangeTs = Math.max(lastChangeTs, fill.ts);
    onFill(fill);
  };

  const onFunding = (funding: FundingPaid): void => {
    changedSinceSnapshot = true;
    lastChangeTs = Math.max(lastChangeTs, funding.ts);
    book.fundingUsdt += funding.amountUsdt;
    const trip = trips.get(funding.symbol);
    if (trip !== undefined) trip.fundingUsdt += funding.amountUsdt;
  };

  /** An entry counts as working from the moment it is sent (risk must not be overrun by a slow venue). */
  const onSubmitted = (order: OrderSubmitted): void => {
    if (order.purpose !== 'ENTRY' || order.reduceOnly) return;
    // A re-sent order the venue already answered keeps the venue's word.
    if (working.has(order.clientOrderId)) return;
    working.set(order.clientOrderId, {
      symbol: order.symbol,
      side: order.positionSide,
      qty: order.qty,
      leverage: order.leverage,
      state: 'SUBMITTED',
    });
  };

  /** The venue's word on an entry: resting (what is left of it) or done with. */
  const onEntryReport = (report: ExecutionResult): void => {
    if (report.purpose !== 'ENTRY') return;
    if (report.status === 'NEW' || report.status === 'TRIGGERED' || report.status === 'PARTIALLY_FILLED') {
      working.set(report.clientOrderId, {
        symbol: report.symbol,
        side: report.side === 'BUY' ? 'LONG' : 'SHORT',
        qty: report.qty - report.filledQty,
        leverage: working.get(report.clientOrderId)?.leverage,
        state: 'ACCEPTED',
      });
    } else {
      working.delete(report.clientOrderId);
    }
  };

  /** The venue's wallet is the truth; what this view has booked since stays on top of it. */
  const adoptAccount = (report: AccountStatusReport): void => {
    book.initialBalanceUsdt = report.walletUsdt - (book.realizedPnlUsdt - book.feesUsdt - book.fundingUsdt);
    book.peakEquityUsdt = Number.NEGATIVE_INFINITY;
  };

  /** A position the venue holds on connect becomes a round trip of this view, from its entry on. */
  const adoptPosition = (report: PositionStatusReport): void => {
    trips.set(report.symbol, {
      position: {
        side: report.side,
        qty: report.qty,
        entryPrice: report.entryPrice,
        marginUsdt: (report.qty * report.entryPrice) / report.leverage,
        leverage: report.leverage,
      },
      symbol: report.symbol,
      intentId: report.intentId,
      entryTs: report.openedTs,
      maxQty: report.qty,
      entryQty: report.qty,
      entryNotionalUsdt: report.qty * report.entryPrice,
      exitQty: 0,
      exitNotionalUsdt: 0,
      grossPnlUsdt: 0,
      feesUsdt: 0,
      fundingUsdt: 0,
      reason: undefined,
      liquidationOf: undefined,
      liquidationPrice: Number.NaN,
    });
    markTo(marks, report.symbol, report.markPrice);
  };

  /** Fills after the last candle (the venue's end-of-data close) still belong in the account. */
  const flushChanges = (emit: (out: PortfolioSnapshot | TradeClosed) => void): void => {
    if (changedSinceSnapshot) emit(snapshotAt(book, lastChangeTs, tiersOf));
    changedSinceSnapshot = false;
  };

  return {
    next(event, emit) {
      emitOut = emit;
      switch (event.kind) {
        // First: every candle comes here, the rest now and then.
        case 'kline':
          markTo(marks, event.symbol, event.close);
          changedSinceSnapshot = false;
          emit(snapshotAt(book, event.ts, tiersOf));
          return;
        case 'fill':
          return onFillReported(event);
        case 'funding-paid':
          return onFunding(event);
        case 'sizing-decision':
          riskPerUnit.set(event.intentId, event.riskPerUnit);
          return;
        case 'order-submitted':
          return onSubmitted(event);
        case 'execution-result':
          return onEntryReport(event);
        case 'account-status-report':
          return adoptAccount(event);
        case 'position-status-report':
          return adoptPosition(event);
        case 'reconciliation-completed':
          // An account that does not start flat is shown as adopted before the first candle.
          if (event.positions > 0 || event.orders > 0) emit(snapshotAt(book, event.ts, tiersOf));
          return;
        case 'end-of-data':
          // One symbol's end is followed by more candles (and their snapshots); only the end flushes.
          if (event.symbol === undefined) flushChanges(emit);
          return;
        case 'tick':
          markTo(marks, event.symbol, event.price);
          return;
        default:
          return;
      }
    },
    end: flushChanges,
  };
};
