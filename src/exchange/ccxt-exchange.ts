import { type Observable, Subject } from 'rxjs';
import type { z } from 'zod';
import {
  type CancelOrder,
  DEFAULT_SYMBOL_FILTERS,
  type ExchangeError,
  fundingInstantsIn,
  type MarketEvent,
  type OrderRequest,
  type OrderStatus,
  type Position,
  type SymbolFilters,
  unfilledReportOf,
  type VenueEvent,
  type VenueStatusEvent,
} from '../domain/index.js';
import { wallNow } from '../kernel/clock.js';
import {
  type BinanceClient,
  closeBinanceClient,
  prepareBinanceClient,
  unifiedSymbol,
} from './binance-client.js';
import {
  type FundingIntervals,
  fetchFundingPaid,
  fundingIntervalOf,
  loadFundingIntervals,
} from './ccxt-funding.js';
import {
  type AlgoUpdate,
  fillOf,
  type HeldPosition,
  heldAfterFill,
  isConditional,
  OPEN,
  type OrderUpdate,
  positionOf,
  statusReportOf,
  type Tracked,
  trackedOf,
  withIdsOf,
} from './ccxt-order-reports.js';
import { forEachUserTrade, sendOnce } from './ccxt-order-submit.js';
import { loadSymbolFilters, reconcile, syncClock } from './ccxt-reconciliation.js';
import { watchUserStream } from './ccxt-user-stream.js';
import type { Exchange } from './exchange.js';
import { binanceCodeOf, venueErrorOf } from './venue-errors.js';

/**
 * Binance USDⓈ-M behind the exchange port, through ccxt (`binanceusdm`, ccxt.pro for the user-data
 * websocket). Used by testnet and live; tested against the fake Binance server.
 *
 * - **Connect** loads markets (filters: tick, step, min notional) and leverage brackets, then
 *   reports the account, open positions and open orders — plain and conditional (Algo Order API)
 *   — as status events (reconciliation), and starts the user-data stream.
 * - **Orders** go out one at a time, in the order the engine sent them. Entries and exits are
 *   MARKET/LIMIT orders (`postOnly` → GTX); stops and take-profits are exchange-held conditional
 *   orders. The client order id is the engine's (derived from the intent), so a retried submit is
 *   the same order: after a network error or timeout the venue is asked for the order by that id
 *   before anything is sent again.
 * - **Reports**: the REST answer says accepted or rejected; fills come from the user-data stream
 *   (`ORDER_TRADE_UPDATE`) and, when its cumulative quantity runs ahead of the fills seen (a
 *   missed message, a reconnect), from `userTrades` over REST. Every fill carries Binance's trade
 *   id and is applied once, whichever way it arrived.
 * - **Funding**: after a candle that holds a settlement instant, the `FUNDING_FEE` income booked
 *   then becomes `FundingPaid` events (`ccxt-funding.ts`), each once.
 * - **Live never flattens**: `close` stops the streams; positions stay at the venue.
 */

export interface CcxtExchangeOptions {
  readonly client: BinanceClient;
  /** Exchange ids of the symbols the engine trades (`BTCUSDT`). */
  readonly symbols: readonly string[];
  /** Leverage set on the venue for an order that names none. */
  readonly defaultLeverage?: number;
  /** Where asynchronous failures (stream errors, reconnects) are reported. */
  readonly onWarning?: (message: string) => void;
  /** First wait before a user-stream reconnect, ms (doubles to 30 s). */
  readonly reconnectDelayMs?: number;
  /** Wall clock for reports the venue sends without a time (the kernel's clock in live runs). */
  readonly now?: () => number;
}
export class CcxtExchange implements Exchange {
  readonly name = 'binanceusdm';
  readonly events$: Observable<VenueEvent>;
  private readonly subject = new Subject<VenueEvent>();
  private readonly client: BinanceClient;
  private readonly filters = new Map<string, SymbolFilters>();
  private readonly orders = new Map<string, Tracked>();
  /** Venue order id → our client order id (a triggered conditional order gets a new venue id). */
  private readonly byVenueId = new Map<string, string>();
  private readonly positions = new Map<string, HeldPosition>();
  private readonly leverage = new Map<string, number>();
  /** Funding income rows already reported (Binance's tranId). */
  private readonly fundingSeen = new Set<string>();
  /** Symbols that settle funding every 4 h or 1 h (the rest every 8 h), loaded on connect. */
  private fundingIntervals: FundingIntervals = new Map();
  /** Commands run one at a time, in the order sent. */
  private queue: Promise<void> = Promise.resolve();
  private streaming = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: CcxtExchangeOptions) {
    this.client = options.client;
    this.now = options.now ?? wallNow;
    this.events$ = this.subject.asObservable();
  }

  async connect(ts: number): Promise<readonly VenueStatusEvent[]> {
    await prepareBinanceClient(this.client);
    await syncClock(this.client, this.options.onWarning);
    await loadSymbolFilters(this.client, this.options.symbols, this.filters);
    this.fundingIntervals = await loadFundingIntervals(this.client, this.options.onWarning);
    const reports = await reconcile(this.client, this.options.symbols, ts, {
      filters: this.filters,
      orders: this.orders,
      byVenueId: this.byVenueId,
      positions: this.positions,
      leverage: this.leverage,
    });
    this.startUserStream();
    return reports;
  }

  /**
   * The venue matches by itself; a candle only tells when funding was settled: after one that
   * holds a settlement instant, the funding of the position held then is read from the venue.
   */
  onMarket(event: MarketEvent): void {
    if (event.kind !== 'kline') return;
    const held = this.positions.get(event.symbol);
    const interval = fundingIntervalOf(this.fundingIntervals, event.symbol);
    for (const instant of fundingInstantsIn(event.openTime, event.ts, interval)) {
      const at = held === undefined ? undefined : { side: held.side, qty: held.qty };
      this.enqueue(async () => {
        for (const paid of await fetchFundingPaid(this.client, event.symbol, instant, at, this.fundingSeen))
          this.emit(paid);
      });
    }
  }

  createOrder(order: OrderRequest): void {
    if (this.orders.has(order.clientOrderId)) return; // idempotent per client order id
    const tracked = trackedOf(order, false);
    this.orders.set(order.clientOrderId, tracked);
    this.enqueue(() => this.submit(tracked));
  }

  cancelOrder(command: CancelOrder): void {
    this.enqueue(async () => {
      const tracked = this.orders.get(command.clientOrderId);
      if (tracked === undefined || !OPEN.has(tracked.status)) return;
      const symbol = unifiedSymbol(this.client, command.symbol);
      const conditional = isConditional(tracked.request.type) && tracked.status === 'NEW';
      try {
        await this.client.cancelOrder(
          '',
          symbol,
          conditional
            ? { trigger: true, clientOrderId: command.clientOrderId }
            : { clientOrderId: command.clientOrderId },
        );
        this.finish(tracked, 'CANCELED', this.now(), command.reason);
      } catch (error) {
        // -2011 unknown order: it filled or ended meanwhile; its own reports say how.
        if (binanceCodeOf(error) !== -2011 && binanceCodeOf(error) !== -2013)
          this.warn(venueErrorOf(error, `cancel ${command.clientOrderId}`));
      }
    });
  }

  fetchPositions(): readonly Position[] {
    return [...this.positions].map(([symbol, p]) => positionOf(symbol, p));
  }

  filtersOf(symbol: string): SymbolFilters {
    const known = this.filters.get(symbol);
    if (known === undefined)
      throw venueErrorOf(
        new Error(`${symbol}: filters unknown before connect (or not a configured symbol)`),
        'filtersOf',
      );
    return known;
  }

  /** Stop the streams (a live account is never flattened). */
  close(_ts: number, symbol?: string): void {
    if (symbol !== undefined) return;
    this.closed = true;
    void this.queue.finally(async () => {
      await closeBinanceClient(this.client);
      this.subject.complete();
    });
  }

  /** Wait until every command sent so far has been answered (tests, shutdown). */
  async drain(): Promise<void> {
    await this.queue;
  }

  // --- orders -------------------------------------------------------------------------------------

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: unknown) => this.warn(venueErrorOf(error, 'command')));
  }

  private async submit(tracked: Tracked): Promise<void> {
    const order = tracked.request;
    const symbol = unifiedSymbol(this.client, order.symbol);
    const leverage = order.leverage ?? this.options.defaultLeverage;
    try {
      if (leverage !== undefined && !order.reduceOnly && this.leverage.get(order.symbol) !== leverage) {
        await this.client.setLeverage(leverage, symbol);
        this.leverage.set(order.symbol, leverage);
      }
      const answer = await sendOnce(this.client, order, symbol);
      this.observeAnswer(tracked, answer.info as Record<string, unknown>);
    } catch (error) {
      const refused = venueErrorOf(error, `order ${order.clientOrderId}`);
      this.emit(
        unfilledReportOf(order, 'REJECTED', {
          ts: this.now(),
          reason: refused.message,
          errorCode: refused.code,
        }),
      );
      tracked.status = 'REJECTED';
    }
  }

  /** The REST answer to a submit (or a lookup): accepted, and fills if it already has any. */
  private observeAnswer(tracked: Tracked, info: Record<string, unknown>): void {
    if (info.algoId !== undefined) {
      tracked.algoId = String(info.algoId);
      this.accept(tracked, Number(info.updateTime ?? info.createTime ?? this.now()));
      return;
    }
    tracked.venueOrderId = String(info.orderId);
    this.byVenueId.set(tracked.venueOrderId, tracked.request.clientOrderId);
    this.accept(tracked, Number(info.updateTime ?? this.now()));
    const executed = Number(info.executedQty ?? 0);
    if (executed > tracked.filledQty) this.enqueue(() => this.fetchFills(tracked));
    else if (info.status === 'EXPIRED' || info.status === 'CANCELED')
      this.finish(tracked, info.status, Number(info.updateTime));
  }

  private accept(tracked: Tracked, ts: number): void {
    if (tracked.accepted) return;
    tracked.accepted = true;
    const report = unfilledReportOf(tracked.request, 'NEW', { ts });
    this.emit(withIdsOf(tracked, report));
  }

  /** Fills of an order not seen yet, over REST (`userTrades` of its venue order id). */
  private async fetchFills(tracked: Tracked): Promise<void> {
    if (tracked.venueOrderId === undefined) return;
    await forEachUserTrade(
      this.client,
      tracked.request.symbol,
      tracked.venueOrderId,
      (t) =>
        this.applyTrade(
          tracked,
          String(t.id),
          t.qty,
          t.price,
          t.commissionAsset === 'USDT' ? t.commission : 0,
          t.maker,
          t.time,
        ),
      (error) => this.warn(error),
    );
  }

  /** One execution; applied once per trade id, whichever way it arrived. */
  private applyTrade(
    tracked: Tracked,
    tradeId: string,
    qty: number,
    price: number,
    fee: number,
    maker: boolean,
    ts: number,
  ): void {
    if (tracked.tradeIds.has(tradeId) || !(qty > 0)) return;
    tracked.tradeIds.add(tradeId);
    const order = tracked.request;
    const stepSize = this.filters.get(order.symbol)?.stepSize ?? DEFAULT_SYMBOL_FILTERS.stepSize;
    tracked.filledQty = Math.round((tracked.filledQty + qty) / stepSize) * stepSize;
    tracked.filledNotional += qty * price;
    tracked.feeUsdt += fee;
    tracked.status = tracked.filledQty >= order.qty - stepSize * 1e-6 ? 'FILLED' : 'PARTIALLY_FILLED';
    const leverage = this.leverage.get(order.symbol) ?? order.leverage ?? 1;
    const held = heldAfterFill(this.positions.get(order.symbol), order, qty, price, leverage, ts);
    if (held === undefined) this.positions.delete(order.symbol);
    else this.positions.set(order.symbol, held);
    const fill = fillOf(tracked, tradeId, qty, price, fee, maker, leverage, ts);
    this.emit(fill);
    this.emit(statusReportOf(tracked, ts, [fill]));
  }

  private triggered(tracked: Tracked, ts: number): void {
    tracked.status = 'TRIGGERED';
    this.emit(statusReportOf(tracked, ts, []));
  }

  private finish(tracked: Tracked, status: OrderStatus, ts: number, reason?: string): void {
    if (!OPEN.has(tracked.status) && tracked.accepted) return;
    tracked.status = status;
    this.emit(statusReportOf(tracked, ts, [], reason));
  }

  // --- user-data stream --------------------------------------------------------------------------

  private startUserStream(): void {
    if (this.streaming) return;
    this.streaming = true;
    void watchUserStream({
      client: this.client,
      closed: () => this.closed,
      firstDelayMs: this.options.reconnectDelayMs ?? 500,
      onOrder: (update) => this.onOrderUpdate(update),
      onAlgo: (update) => this.onAlgoUpdate(update),
      onReconnected: () => this.enqueue(() => this.resync()),
      onWarning: (error) => this.warn(error),
    });
  }

  /** After a reconnect: fills the stream may have missed, for every order still open. */
  private async resync(): Promise<void> {
    for (const tracked of this.orders.values())
      if (OPEN.has(tracked.status) && tracked.venueOrderId !== undefined) await this.fetchFills(tracked);
  }

  private onOrderUpdate(update: z.infer<typeof OrderUpdate>): void {
    const venueId = String(update.i);
    const clientOrderId = this.byVenueId.get(venueId) ?? (this.orders.has(update.c) ? update.c : undefined);
    if (clientOrderId === undefined) return; // not ours (another bot on the account, a manual order)
    const tracked = this.orders.get(clientOrderId);
    if (tracked === undefined) return;
    if (tracked.venueOrderId === undefined || tracked.algoId !== undefined) {
      // A conditional order that triggered: its fills belong to our stop or take-profit.
      tracked.venueOrderId = venueId;
      this.byVenueId.set(venueId, clientOrderId);
    }
    this.accept(tracked, update.T);
    // A conditional order's first execution: it triggered (the stream may have coalesced ALGO_UPDATE's own report).
    if (isConditional(tracked.request.type) && tracked.status === 'NEW') this.triggered(tracked, update.T);
    if (update.x === 'TRADE') {
      this.applyTrade(
        tracked,
        String(update.t),
        update.l,
        update.L,
        update.N === 'USDT' ? (update.n ?? 0) : 0,
        update.m ?? false,
        update.T,
      );
    }
    // The cumulative quantity ran ahead of the fills seen: some message was missed.
    if (update.z > tracked.filledQty + 1e-12) this.enqueue(() => this.fetchFills(tracked));
    else if (update.X === 'CANCELED' || update.X === 'EXPIRED') this.finish(tracked, update.X, update.T);
  }

  private onAlgoUpdate(update: z.infer<typeof AlgoUpdate>): void {
    const tracked = this.orders.get(update.caid);
    if (tracked === undefined) return;
    tracked.algoId ??= String(update.aid);
    // The order it became when triggered: its fills are this stop's or take-profit's.
    if (update.ai !== undefined && update.ai !== '') this.byVenueId.set(update.ai, update.caid);
    if (update.X === 'NEW') this.accept(tracked, this.now());
    else if (update.X === 'TRIGGERING' || update.X === 'TRIGGERED' || update.X === 'FINISHED') {
      if (tracked.status === 'NEW') this.triggered(tracked, this.now());
    } else if (update.X === 'CANCELED' || update.X === 'EXPIRED' || update.X === 'REJECTED') {
      this.finish(tracked, update.X, this.now());
    }
  }

  // --- plumbing ----------------------------------------------------------------------------------

  private emit(event: VenueEvent): void {
    this.subject.next(event);
  }

  private warn(error: ExchangeError): void {
    this.options.onWarning?.(`${error.code}: ${error.message}`);
  }
}
