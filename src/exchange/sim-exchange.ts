import { type Observable, Subject } from 'rxjs';
import type { z } from 'zod';
import type {
  CancelOrder,
  MarketEvent,
  OrderRequest,
  Position,
  PositionSide,
  Prng,
  SymbolFilters,
  VenueEvent,
  VenueStatusEvent,
} from '../domain/index.js';
import { bracketsOf, DEFAULT_SYMBOL_FILTERS, withOverrides } from '../domain/index.js';
import { liquidationPrice, unrealizedPnlUsdt } from '../domain/position-math.js';
import type { Exchange } from './exchange.js';
import { type SimExchangeParams, simExchangeParams } from './sim-exchange-params.js';
import { SimMatcher } from './sim-matcher.js';
import {
  executionResultOf,
  isOpenStatus,
  newSimOrder,
  type SimOrder,
  type SymbolBook,
} from './sim-order-book.js';
import { checkOrder, referencePriceOf, requiredMarginUsdt } from './sim-order-checks.js';
import { venueStatusReports } from './sim-status-reports.js';
import { bundledVenueRules, loadVenueRules, type VenueRules } from './venue-rules.js';

/** The account as the venue sees it (for tests and the paper-trading API). */
export interface SimAccount {
  /** initial + realized − fees − funding (Binance's walletBalance). */
  readonly walletUsdt: number;
  readonly usedMarginUsdt: number;
  /** Margin + estimated fee held for resting entry orders. */
  readonly reservedMarginUsdt: number;
  readonly availableUsdt: number;
  readonly unrealizedPnlUsdt: number;
  readonly equityUsdt: number;
  readonly realizedPnlUsdt: number;
  readonly feesUsdt: number;
  readonly fundingUsdt: number;
}

/**
 * The backtest/paper venue: Binance USDT-M futures, one-way mode, isolated margin, simulated
 * deterministically from market events (no clock, no randomness: `prng` is kept for stochastic
 * models; the current fill models are deterministic).
 *
 * - **Events.** Market data comes in through `onMarket` (a Kline is a candle path; a Tick is a
 *   path of one point). Every order update, fill, funding payment and liquidation is emitted
 *   synchronously on `events$`, in the order it happened; fills are stamped with the market
 *   event's `ts` (for a kline: its close, the instant the venue reports them). Orders created
 *   by a subscriber while an event is processed are matched from the next event on.
 * - **Venue rules.** Each symbol's tick size, step size, min/max qty, min notional and leverage
 *   brackets are Binance's, from the bundled snapshot of `exchangeInfo` and `leverageBracket`
 *   (`data/binance-usdm/`, or `params.venueRulesDir`); `params.filters` overrides them per symbol; a
 *   symbol the snapshot does not list gets DEFAULT_SYMBOL_FILTERS and one 0.4 % tier up to 125×.
 * - **createOrder.** Validates (see `checkOrder`: tick, step, min/max qty, min notional for
 *   non-reduce-only, leverage ≤ the first bracket's, position ≤ the bracket cap at that leverage,
 *   available margin = wallet − used margin − reserved by resting entries, reduce-only
 *   consistency) and answers REJECTED with `errorCode`
 *   (`QT_EXCHANGE_INVALID_ORDER`, `QT_EXCHANGE_INSUFFICIENT_MARGIN`, `QT_EXCHANGE_POSITION_LIMIT`)
 *   and a reason, or NEW at once.
 *   A second submit of a known `clientOrderId` creates nothing: the order's latest report is
 *   re-sent. Rejected orders are not remembered (a retry is checked afresh, as on Binance).
 * - **Latency.** An order becomes live at the first market event with `ts ≥ order.ts + latencyMs`:
 *   an order sent at a candle's close fills in the next candle, never in the same one.
 * - **Candle path.** open → extremes → close. `ohlc-path`: close ≥ open ⇒ O→L→H→C, else O→H→L→C.
 *   `worst`: with a position after the open, the adverse extreme comes first (long: low first), so a
 *   stop and a take-profit both inside one candle fill the stop; `best`: the favourable extreme
 *   first. Flat ⇒ the ohlc heuristic. Everything along the path (stops, take-profits, limits,
 *   liquidation) is processed in the order the path reaches it.
 * - **MARKET** fills at the open of its first live candle (tick: its price) ± slippage, taker.
 * - **STOP_MARKET / TAKE_PROFIT_MARKET** trigger when the path touches `stopPrice` (buy stop:
 *   high ≥ stop; sell stop: low ≤ stop; take-profits mirrored) and fill at the trigger price, or at
 *   the open when the candle opened beyond it (gap), ± slippage, taker.
 * - **Slippage** is always adverse: buy × (1 + s), sell × (1 − s), rounded to the nearest tick;
 *   s = bps/1e4 (`fixed-bps`) or bps/1e4 + volatilityFactor × (high − low)/close (`volatility`).
 * - **LIMIT** on arrival: marketable (buy: open ≤ limit) ⇒ fills at the open, taker, no slippage —
 *   or EXPIRED when `postOnly` (GTX). Resting: fills at the limit price, maker, when the path trades
 *   *through* it (buy: price < limit; a touch is not a fill — conservative about queue position),
 *   at most `limitFillVolumeShare` × the event's volume per event (step-rounded down), reporting
 *   PARTIALLY_FILLED until FILLED.
 * - **Reduce-only** orders are clamped to the position and never flip it; a reduce-only STOP/TP may
 *   rest before its entry fills and only acts while there is a position to reduce.
 * - **Positions** (position-math): avg entry, realized PnL (exit − entry)·qty·dir, isolated margin =
 *   entry notional / leverage (the position's leverage is the one it was opened with). Wallet =
 *   initial + realized − fees − funding.
 * - **Liquidation** at `liquidationPrice` (position-math: Binance's isolated formula with the
 *   maintenance rate and amount of the bracket holding the notional at that price) when the path
 *   reaches it (before any stop beyond it; at the open first when the candle gapped through it). The
 *   position closes at the liquidation price and the whole isolated margin is lost: realized PnL at
 *   that price plus a clearance fee equal to the remaining maintenance margin (notional × rate −
 *   amount of its bracket; as Binance's insurance-fund fee), so the wallet loses exactly the
 *   margin. Emits PositionLiquidated then a Fill (purpose EXIT, reason LIQUIDATION).
 * - **OCO.** When a position becomes flat (or flips), its resting reduce-only orders on the closing
 *   side are CANCELED with reason "position closed".
 * - **Funding**, settled at the event's end: each open position pays qty × close × rate × direction
 *   (longs pay positive rates); it comes out of the wallet, not the isolated margin. A kline that
 *   carries `fundingRate` (data: a funding file, the live feed, the synthetic market) settles that
 *   rate once, at its last whole hour (`dataSettlementInstant`; a coarse candle's settlements come
 *   summed in one rate), and from then on the symbol pays only what its data lists — so 4 h and
 *   1 h symbols pay at their own interval. A symbol without data pays `defaultFundingRate` (null ⇒
 *   none) at every instant k·fundingIntervalHours after 00:00 UTC in (openTime, ts] of a kline
 *   (ticks: since the previous tick).
 * - **close(ts, symbol?)** closes every position (or the symbol's) at its last price as MARKET (taker, slippage, END_OF_DATA),
 *   cancels every resting order ("end of data"), then completes `events$`.
 */
export class SimExchange implements Exchange {
  readonly name = 'sim';
  readonly events$: Observable<VenueEvent>;
  readonly params: SimExchangeParams;
  /** Kept for stochastic fill models; every current model is deterministic. */
  readonly prng: Prng;
  private readonly subject = new Subject<VenueEvent>();
  private readonly books = new Map<string, SymbolBook>();
  /** Every accepted order ever, by clientOrderId (idempotency). */
  private readonly orders = new Map<string, SimOrder>();
  private readonly matcher: SimMatcher;
  /** Filters and leverage brackets per symbol: `params.venueRulesDir`, else the bundled snapshot. */
  private readonly rules: VenueRules;
  private orderSeq = 0;
  private closed = false;
  /** While restoring a previous session's state: nothing is reported (it is reported on connect). */
  private muted = false;

  /**
   * @param params `simExchangeParams` input (fees, slippage, latency, funding, intrabar policy, filters…).
   * @param prng seeded generator (DESIGN.md rule 2).
   */
  constructor(params: z.input<typeof simExchangeParams>, prng: Prng) {
    this.params = simExchangeParams.parse(params);
    this.rules =
      this.params.venueRulesDir === undefined
        ? bundledVenueRules()
        : loadVenueRules(this.params.venueRulesDir);
    this.prng = prng;
    this.events$ = this.subject.asObservable();
    this.matcher = new SimMatcher(this.params, (event) => this.report(event));
  }

  /**
   * Reports the venue's state at `ts` (reconciliation): the account, each open position, each
   * resting order (its latest report flagged `reconciliation`, with its prices and position side),
   * then `ReconciliationCompleted`.
   */
  connect(ts: number): readonly VenueStatusEvent[] {
    return this.statusReports(ts);
  }

  /** The venue's state as status events (see `connect`). */
  statusReports(ts: number): VenueStatusEvent[] {
    return venueStatusReports(ts, this.account().walletUsdt, this.fetchPositions(), this.books.values());
  }

  /**
   * Puts a previous session's state at the venue without reporting it (it is reported on
   * `connect`): the wallet, open positions (isolated margin = notional / leverage), last prices,
   * and resting orders (checked like any new order). For restarts of paper trading and for tests
   * of reconciliation.
   */
  restore(state: {
    readonly walletUsdt?: number;
    readonly lastPrices?: Readonly<Record<string, number>>;
    readonly positions?: readonly {
      readonly symbol: string;
      readonly side: PositionSide;
      readonly qty: number;
      readonly entryPrice: number;
      readonly leverage: number;
      readonly openedTs: number;
      readonly intentId: string;
    }[];
    readonly orders?: readonly OrderRequest[];
  }): void {
    if (state.walletUsdt !== undefined) {
      const ledger = this.matcher.ledger;
      ledger.realizedPnlUsdt =
        state.walletUsdt - this.params.initialBalanceUsdt + ledger.feesUsdt + ledger.fundingUsdt;
    }
    for (const [symbol, price] of Object.entries(state.lastPrices ?? {}))
      this.bookOf(symbol).lastPrice = price;
    for (const position of state.positions ?? []) {
      const book = this.bookOf(position.symbol);
      const margin = (position.qty * position.entryPrice) / position.leverage;
      const held = {
        side: position.side,
        qty: position.qty,
        entryPrice: position.entryPrice,
        marginUsdt: margin,
        leverage: position.leverage,
      };
      book.position = {
        side: held.side,
        qty: held.qty,
        entryPrice: held.entryPrice,
        marginUsdt: held.marginUsdt,
        leverage: held.leverage,
        openedTs: position.openedTs,
        intentId: position.intentId,
        liquidationPrice: liquidationPrice(held, book.brackets),
      };
      if (Number.isNaN(book.lastPrice)) book.lastPrice = position.entryPrice;
    }
    this.muted = true;
    try {
      for (const order of state.orders ?? []) this.createOrder(order);
    } finally {
      this.muted = false;
    }
  }

  private report(event: VenueEvent): void {
    if (!this.muted) this.subject.next(event);
  }

  onMarket(event: MarketEvent): void {
    if (this.closed) return;
    const book = this.bookOf(event.symbol);
    if (event.kind === 'kline') this.matcher.onKline(book, event);
    else this.matcher.onTick(book, event);
  }

  createOrder(order: OrderRequest): void {
    if (this.closed) return;
    const known = this.orders.get(order.clientOrderId);
    if (known !== undefined) {
      this.report(known.last);
      return;
    }
    const book = this.bookOf(order.symbol);
    const leverage = order.leverage ?? book.position?.leverage ?? this.params.defaultLeverage;
    const check = checkOrder(order, {
      filters: book.filters,
      position: book.position,
      lastPrice: book.lastPrice,
      availableUsdt: this.account().availableUsdt,
      leverage,
      estimatedFeeRate: this.params.takerFeeRate,
    });
    const state = newSimOrder(order, {
      seq: this.orderSeq++,
      createdAtEventSeq: this.matcher.eventSeq,
      activeAtTs: order.ts + this.params.latencyMs,
      leverage,
      qty: check.ok ? check.qty : order.qty,
      status: check.ok ? 'NEW' : 'REJECTED',
    });
    if (!check.ok) {
      this.report(executionResultOf(state, order.ts, [], check.reason, check.errorCode));
      return;
    }
    // The state becomes the record (no copy): `last` is its first report.
    const record = state as SimOrder & { last: SimOrder['last'] };
    record.last = executionResultOf(state, order.ts, [], check.note);
    this.orders.set(order.clientOrderId, record);
    book.orders.push(record);
    this.report(record.last);
  }

  cancelOrder(command: CancelOrder): void {
    if (this.closed) return;
    const order = this.orders.get(command.clientOrderId);
    // Unknown id: nothing was ever created under it, so there is nothing to report.
    if (order === undefined) return;
    if (!isOpenStatus(order.status)) {
      this.report(order.last);
      return;
    }
    this.matcher.cancel(this.bookOf(order.request.symbol), order, command.ts, command.reason);
  }

  fetchPositions(): readonly Position[] {
    const positions: Position[] = [];
    for (const book of this.books.values()) {
      const position = book.position;
      if (position === undefined) continue;
      const markPrice = Number.isNaN(book.lastPrice) ? position.entryPrice : book.lastPrice;
      positions.push({
        symbol: book.symbol,
        side: position.side,
        qty: position.qty,
        entryPrice: position.entryPrice,
        leverage: position.leverage,
        marginUsdt: position.marginUsdt,
        liquidationPrice: liquidationPrice(position, book.brackets),
        markPrice,
        unrealizedPnlUsdt: unrealizedPnlUsdt(position, markPrice),
        openedTs: position.openedTs,
        intentId: position.intentId,
      });
    }
    return positions;
  }

  filtersOf(symbol: string): SymbolFilters {
    return this.bookOf(symbol).filters;
  }

  close(ts: number, symbol?: string): void {
    if (this.closed) return;
    if (symbol !== undefined) {
      const book = this.books.get(symbol);
      if (book !== undefined) this.matcher.closeBook(book, ts);
      return;
    }
    for (const book of this.books.values()) this.matcher.closeBook(book, ts);
    this.closed = true;
    this.subject.complete();
  }

  /** Wallet, margins and PnL totals, positions marked at their last price. */
  account(): SimAccount {
    let usedMarginUsdt = 0;
    let reservedMarginUsdt = 0;
    let unrealized = 0;
    for (const book of this.books.values()) {
      const position = book.position;
      if (position !== undefined) {
        usedMarginUsdt += position.marginUsdt;
        if (!Number.isNaN(book.lastPrice)) unrealized += unrealizedPnlUsdt(position, book.lastPrice);
      }
      for (const order of book.orders) {
        if (order.request.reduceOnly || !isOpenStatus(order.status)) continue;
        const referencePrice = referencePriceOf(order.request, book.lastPrice);
        if (Number.isNaN(referencePrice)) continue;
        reservedMarginUsdt += requiredMarginUsdt(
          order.request,
          order.qty - order.filledQty,
          referencePrice,
          position,
          order.leverage,
          this.params.takerFeeRate,
        );
      }
    }
    const ledger = this.matcher.ledger;
    const walletUsdt =
      this.params.initialBalanceUsdt + ledger.realizedPnlUsdt - ledger.feesUsdt - ledger.fundingUsdt;
    return {
      walletUsdt,
      usedMarginUsdt,
      reservedMarginUsdt,
      availableUsdt: walletUsdt - usedMarginUsdt - reservedMarginUsdt,
      unrealizedPnlUsdt: unrealized,
      equityUsdt: walletUsdt + unrealized,
      realizedPnlUsdt: ledger.realizedPnlUsdt,
      feesUsdt: ledger.feesUsdt,
      fundingUsdt: ledger.fundingUsdt,
    };
  }

  /**
   * A symbol's filters: the venue rules' (bundled Binance snapshot) or DEFAULT_SYMBOL_FILTERS for a
   * symbol they do not list, the config's per-symbol overrides on top, then the venue-wide
   * one-rate `maintenanceMarginRate` when set (part of what the venue reports, so the engine's
   * view agrees).
   */
  private symbolFiltersOf(symbol: string): SymbolFilters {
    const configured = withOverrides(
      this.rules.filtersOf(symbol) ?? DEFAULT_SYMBOL_FILTERS,
      this.params.filters[symbol],
    );
    const oneRate = this.params.maintenanceMarginRate;
    return oneRate === undefined ? configured : withOverrides(configured, { maintenanceMarginRate: oneRate });
  }

  private bookOf(symbol: string): SymbolBook {
    let book = this.books.get(symbol);
    if (book === undefined) {
      const filters = this.symbolFiltersOf(symbol);
      book = {
        symbol,
        filters,
        brackets: bracketsOf(filters),
        orders: [],
        position: undefined,
        lastPrice: Number.NaN,
        lastRangeFraction: 0,
        lastTs: Number.NaN,
        lastFundingTs: Number.NEGATIVE_INFINITY,
        fundingFromData: false,
      };
      this.books.set(symbol, book);
    }
    return book;
  }
}
