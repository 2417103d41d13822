import { type Observable, Subject } from 'rxjs';
import { z } from 'zod';
import {
  type CancelOrder,
  DEFAULT_SYMBOL_FILTERS,
  type ExchangeError,
  type ExecutionResult,
  type Fill,
  type MarketEvent,
  type OrderRequest,
  type OrderStatus,
  type Position,
  type PositionSide,
  RateLimitExceeded,
  type SymbolFilters,
  unfilledReportOf,
  type VenueEvent,
  type VenueStatusEvent,
} from '../domain/index.js';
import { applyFill, type PositionState } from '../domain/position-math.js';
import { wallNow, wallSleep } from '../kernel/clock.js';
import {
  type BinanceClient,
  closeBinanceClient,
  forgetClosedConnections,
  prepareBinanceClient,
  rateLimitWaitMs,
  unifiedSymbol,
} from './binance-client.js';
import type { Exchange } from './exchange.js';
import { exitReasonOf } from './sim-order-book.js';
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

/** Binance's `ORDER_TRADE_UPDATE.o`, the fields we read. */
const OrderUpdate = z.object({
  s: z.string(),
  c: z.string(),
  S: z.enum(['BUY', 'SELL']),
  X: z.string(),
  x: z.string(),
  i: z.coerce.number(),
  q: z.coerce.number(),
  z: z.coerce.number(),
  l: z.coerce.number(),
  L: z.coerce.number(),
  n: z.coerce.number().optional(),
  N: z.string().nullable().optional(),
  t: z.coerce.number(),
  T: z.coerce.number(),
  m: z.boolean().optional(),
});
/** Binance's `ALGO_UPDATE.o`, the fields we read. */
const AlgoUpdate = z.object({
  caid: z.string(),
  aid: z.coerce.number(),
  s: z.string(),
  X: z.string(),
  ai: z.string().optional(),
});
/** A row of `GET /fapi/v1/userTrades`. */
const UserTrade = z.object({
  id: z.coerce.number(),
  orderId: z.coerce.number(),
  symbol: z.string(),
  price: z.coerce.number(),
  qty: z.coerce.number(),
  commission: z.coerce.number(),
  commissionAsset: z.string(),
  maker: z.boolean(),
  time: z.coerce.number(),
});

/** What we know about one of our orders at the venue. */
interface Tracked {
  readonly request: OrderRequest;
  venueOrderId?: string;
  /** The conditional order's id at the venue (stops and take-profits). */
  algoId?: string;
  status: OrderStatus;
  filledQty: number;
  filledNotional: number;
  feeUsdt: number;
  readonly tradeIds: Set<string>;
  accepted: boolean;
}

const OPEN: ReadonlySet<OrderStatus> = new Set(['NEW', 'TRIGGERED', 'PARTIALLY_FILLED']);
const isConditional = (type: OrderRequest['type']): boolean =>
  type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';

/** Binance filters of a market (`info.filters`) as our `SymbolFilters`. */
const filtersOfMarket = (
  info: { filters?: readonly Record<string, unknown>[] },
  mmr: number,
  maxLeverage: number,
): SymbolFilters => {
  const filter = (type: string): Record<string, unknown> =>
    info.filters?.find((f) => f.filterType === type) ?? {};
  const number = (value: unknown, fallback: number): number => {
    const parsed = Number(value);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
  };
  const price = filter('PRICE_FILTER');
  const lot = filter('LOT_SIZE');
  return {
    tickSize: number(price.tickSize, DEFAULT_SYMBOL_FILTERS.tickSize),
    stepSize: number(lot.stepSize, DEFAULT_SYMBOL_FILTERS.stepSize),
    minQty: number(lot.minQty, DEFAULT_SYMBOL_FILTERS.minQty),
    maxQty: number(lot.maxQty, DEFAULT_SYMBOL_FILTERS.maxQty),
    minNotionalUsdt: number(filter('MIN_NOTIONAL').notional, DEFAULT_SYMBOL_FILTERS.minNotionalUsdt),
    maintenanceMarginRate: mmr,
    maxLeverage,
  };
};

export class CcxtExchange implements Exchange {
  readonly name = 'binanceusdm';
  readonly events$: Observable<VenueEvent>;
  private readonly subject = new Subject<VenueEvent>();
  private readonly client: BinanceClient;
  private readonly filters = new Map<string, SymbolFilters>();
  private readonly orders = new Map<string, Tracked>();
  /** Venue order id → our client order id (a triggered conditional order gets a new venue id). */
  private readonly byVenueId = new Map<string, string>();
  private readonly positions = new Map<
    string,
    PositionState & { openedTs: number; intentId: string; markPrice: number }
  >();
  private readonly leverage = new Map<string, number>();
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
    await this.syncClock();
    await this.call('load markets', () => this.client.loadMarkets());
    const brackets = await this.leverageBrackets();
    for (const symbol of this.options.symbols) {
      const market = this.client.markets_by_id?.[symbol]?.[0];
      if (market === undefined)
        throw venueErrorOf(new Error(`${symbol} is not a Binance USDⓈ-M market`), 'connect');
      const tier = brackets.get(symbol);
      this.filters.set(
        symbol,
        filtersOfMarket(
          market.info as { filters?: Record<string, unknown>[] },
          tier?.maintMarginRatio ?? DEFAULT_SYMBOL_FILTERS.maintenanceMarginRate,
          tier?.initialLeverage ?? DEFAULT_SYMBOL_FILTERS.maxLeverage,
        ),
      );
    }
    const reports: VenueStatusEvent[] = [];
    const account = (await this.call('fetch balance', () => this.client.fetchBalance())) as {
      info?: Record<string, unknown>;
    };
    reports.push({
      kind: 'account-status-report',
      ts,
      walletUsdt: Number(account.info?.totalWalletBalance ?? 0),
      reconciliation: true,
    });
    const unified = this.options.symbols.map((s) => unifiedSymbol(this.client, s));
    const positions = (await this.call('fetch positions', () => this.client.fetchPositions(unified))) as {
      info: Record<string, string>;
    }[];
    for (const { info } of positions) {
      const amt = Number(info.positionAmt);
      if (!(amt !== 0) || !this.filters.has(info.symbol)) continue;
      const side: PositionSide = amt > 0 ? 'LONG' : 'SHORT';
      const leverage = Number(info.leverage) || 1;
      const qty = Math.abs(amt);
      const entryPrice = Number(info.entryPrice);
      const markPrice = Number(info.markPrice) || entryPrice;
      const openedTs = Number(info.updateTime) || ts;
      const intentId = `adopted:${info.symbol}:${openedTs}`;
      this.leverage.set(info.symbol, leverage);
      this.positions.set(info.symbol, {
        side,
        qty,
        entryPrice,
        leverage,
        marginUsdt: (qty * entryPrice) / leverage,
        openedTs,
        intentId,
        markPrice,
      });
      reports.push({
        kind: 'position-status-report',
        symbol: info.symbol,
        ts,
        side,
        qty,
        entryPrice,
        leverage,
        markPrice,
        openedTs,
        intentId,
        reconciliation: true,
      });
    }
    let orders = 0;
    for (const symbol of this.options.symbols) {
      for (const report of await this.openOrderReports(symbol, ts)) {
        orders++;
        reports.push(report);
      }
    }
    reports.push({
      kind: 'reconciliation-completed',
      ts,
      positions: reports.filter((r) => r.kind === 'position-status-report').length,
      orders,
    });
    this.startUserStream();
    return reports;
  }

  /**
   * Clock-skew check against Binance's server time: a signed request carries our timestamp, and one
   * more than `recvWindow` behind (or 1 s ahead of) the server's is refused (-1021). A skew over
   * 500 ms is reported and corrected: ccxt signs with server time from then on.
   */
  private async syncClock(): Promise<void> {
    const offset = await this.call('server time', () => this.client.loadTimeDifference());
    if (Math.abs(offset) > 500) {
      this.options.onWarning?.(
        `clock: this machine is ${Math.abs(offset)} ms ${offset > 0 ? 'ahead of' : 'behind'} Binance's server time; signing with server time (run NTP)`,
      );
    } else {
      (this.client.options as Record<string, unknown>).timeDifference = 0;
    }
  }

  onMarket(_event: MarketEvent): void {
    // The venue matches by itself; market data is only the engine's.
  }

  createOrder(order: OrderRequest): void {
    if (this.orders.has(order.clientOrderId)) return; // idempotent per client order id
    const tracked: Tracked = {
      request: order,
      status: 'NEW',
      filledQty: 0,
      filledNotional: 0,
      feeUsdt: 0,
      tradeIds: new Set(),
      accepted: false,
    };
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
    return [...this.positions].map(([symbol, p]) => ({
      symbol,
      side: p.side,
      qty: p.qty,
      entryPrice: p.entryPrice,
      leverage: p.leverage,
      marginUsdt: p.marginUsdt,
      liquidationPrice: 0,
      markPrice: p.markPrice,
      unrealizedPnlUsdt: (p.markPrice - p.entryPrice) * p.qty * (p.side === 'LONG' ? 1 : -1),
      openedTs: p.openedTs,
      intentId: p.intentId,
    }));
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
      const answer = await this.sendOnce(tracked, symbol);
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

  /**
   * Send an order; after a retryable failure (the request may have reached the venue), look it up
   * by client order id first, and send again only if the venue does not have it.
   */
  private async sendOnce(tracked: Tracked, symbol: string): Promise<{ info: unknown }> {
    const order = tracked.request;
    const conditional = isConditional(order.type);
    const params: Record<string, unknown> = { clientOrderId: order.clientOrderId };
    if (order.reduceOnly) params.reduceOnly = true;
    if (order.type === 'STOP_MARKET') params.stopLossPrice = order.stopPrice;
    if (order.type === 'TAKE_PROFIT_MARKET') params.takeProfitPrice = order.stopPrice;
    if (order.type === 'LIMIT') params.timeInForce = order.postOnly === true ? 'GTX' : 'GTC';
    const type = order.type === 'LIMIT' ? 'limit' : 'market';
    const side = order.side === 'BUY' ? 'buy' : 'sell';
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.createOrder(
          symbol,
          type,
          side,
          order.qty,
          order.type === 'LIMIT' ? order.price : undefined,
          params,
        );
      } catch (error) {
        const mapped = venueErrorOf(error, `order ${order.clientOrderId}`);
        if (!mapped.retryable || attempt >= 4) throw error;
        // A 429/418 is waited out to its Retry-After before the lookup (a budgeted client's budget
        // holds the lookup itself): anything sent sooner would turn the 429 into a 418 ban.
        await wallSleep(
          mapped instanceof RateLimitExceeded ? rateLimitWaitMs(this.client) : 250 * 2 ** attempt,
        );
        try {
          const found = await this.client.fetchOrder(
            '',
            symbol,
            conditional
              ? { trigger: true, clientOrderId: order.clientOrderId }
              : { clientOrderId: order.clientOrderId },
          );
          return found;
        } catch (lookup) {
          if (binanceCodeOf(lookup) !== -2013) throw lookup; // not there: send again
        }
      }
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
    this.emit(this.withIds(tracked, report));
  }

  /** Fills of an order not seen yet, over REST (`userTrades` of its venue order id). */
  private async fetchFills(tracked: Tracked): Promise<void> {
    if (tracked.venueOrderId === undefined) return;
    const rows = (await this.client.fapiPrivateGetUserTrades({
      symbol: tracked.request.symbol,
      orderId: tracked.venueOrderId,
    })) as unknown[];
    for (const row of rows) {
      const trade = UserTrade.safeParse(row);
      if (!trade.success) {
        this.warn(
          venueErrorOf(new Error(`userTrades row not understood: ${trade.error.message}`), 'fetch fills'),
        );
        continue;
      }
      const t = trade.data;
      this.applyTrade(
        tracked,
        String(t.id),
        t.qty,
        t.price,
        t.commissionAsset === 'USDT' ? t.commission : 0,
        t.maker,
        t.time,
      );
    }
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
    const held = this.positions.get(order.symbol);
    const leverage = this.leverage.get(order.symbol) ?? order.leverage ?? 1;
    const outcome = applyFill(held, { side: order.side, qty, price, leverage, reduceOnly: order.reduceOnly });
    if (outcome.position === undefined) this.positions.delete(order.symbol);
    else {
      const opened = held === undefined || outcome.closedPosition;
      this.positions.set(order.symbol, {
        ...outcome.position,
        openedTs: opened ? ts : held.openedTs,
        intentId: opened ? order.intentId : held.intentId,
        markPrice: price,
      });
    }
    const fill: { -readonly [K in keyof Fill]: Fill[K] } = {
      kind: 'fill',
      clientOrderId: order.clientOrderId,
      intentId: order.intentId,
      symbol: order.symbol,
      ts,
      side: order.side,
      positionSide: order.positionSide,
      purpose: order.purpose,
      qty,
      price,
      feeUsdt: fee,
      liquidity: maker ? 'MAKER' : 'TAKER',
      slippageUsdt: 0,
      reduceOnly: order.reduceOnly,
      leverage,
      venueTradeId: tradeId,
    };
    if (tracked.venueOrderId !== undefined) fill.venueOrderId = tracked.venueOrderId;
    const exitReason = exitReasonOf(order);
    if (exitReason !== undefined) fill.exitReason = exitReason;
    this.emit(fill);
    this.emit(this.statusReport(tracked, ts, [fill]));
  }

  private triggered(tracked: Tracked, ts: number): void {
    tracked.status = 'TRIGGERED';
    this.emit(this.statusReport(tracked, ts, []));
  }

  private finish(tracked: Tracked, status: OrderStatus, ts: number, reason?: string): void {
    if (!OPEN.has(tracked.status) && tracked.accepted) return;
    tracked.status = status;
    this.emit(this.statusReport(tracked, ts, [], reason));
  }

  private statusReport(
    tracked: Tracked,
    ts: number,
    fills: readonly Fill[],
    reason?: string,
  ): ExecutionResult {
    const order = tracked.request;
    const report: { -readonly [K in keyof ExecutionResult]: ExecutionResult[K] } = {
      kind: 'execution-result',
      clientOrderId: order.clientOrderId,
      intentId: order.intentId,
      symbol: order.symbol,
      ts,
      side: order.side,
      type: order.type,
      purpose: order.purpose,
      status: tracked.status,
      qty: order.qty,
      filledQty: tracked.filledQty,
      avgPrice: tracked.filledQty > 0 ? tracked.filledNotional / tracked.filledQty : 0,
      feeUsdt: tracked.feeUsdt,
      fills,
    };
    if (reason !== undefined) report.reason = reason;
    return this.withIds(tracked, report);
  }

  private withIds(tracked: Tracked, report: ExecutionResult): ExecutionResult {
    const id = tracked.venueOrderId ?? tracked.algoId;
    return id === undefined ? report : { ...report, venueOrderId: id };
  }

  // --- reconciliation ----------------------------------------------------------------------------

  private async leverageBrackets(): Promise<
    Map<string, { maintMarginRatio: number; initialLeverage: number }>
  > {
    const first = new Map<string, { maintMarginRatio: number; initialLeverage: number }>();
    const rows = (await this.call('leverage brackets', () =>
      this.client.fapiPrivateGetLeverageBracket({}),
    )) as {
      symbol: string;
      brackets: { maintMarginRatio: number | string; initialLeverage: number | string }[];
    }[];
    for (const row of rows) {
      const tier = row.brackets?.[0];
      if (tier !== undefined)
        first.set(row.symbol, {
          maintMarginRatio: Number(tier.maintMarginRatio),
          initialLeverage: Number(tier.initialLeverage),
        });
    }
    return first;
  }

  /** A symbol's open plain and conditional orders as reconciliation reports (adopted as ours). */
  private async openOrderReports(symbol: string, ts: number): Promise<ExecutionResult[]> {
    const plain = (await this.call('open orders', () =>
      this.client.fapiPrivateGetOpenOrders({ symbol }),
    )) as Record<string, string>[];
    const algo = (await this.call('open algo orders', () =>
      this.client.fapiPrivateGetOpenAlgoOrders({ symbol }),
    )) as Record<string, string>[];
    const reports: ExecutionResult[] = [];
    const position = this.positions.get(symbol);
    const positionSide: PositionSide = position?.side ?? 'LONG';
    const adopt = (
      clientOrderId: string,
      type: OrderRequest['type'],
      side: 'BUY' | 'SELL',
      qty: number,
      reduceOnly: boolean,
      prices: { price?: number; stopPrice?: number },
      venueId: string,
      isAlgo: boolean,
    ): void => {
      const purpose =
        type === 'STOP_MARKET'
          ? 'STOP_LOSS'
          : type === 'TAKE_PROFIT_MARKET'
            ? 'TAKE_PROFIT'
            : reduceOnly
              ? 'EXIT'
              : 'ENTRY';
      const request: OrderRequest = {
        kind: 'order-request',
        clientOrderId,
        intentId: position?.intentId ?? `adopted:${symbol}:${clientOrderId}`,
        symbol,
        ts,
        side,
        type,
        qty: qty > 0 ? qty : (position?.qty ?? 0) || 1,
        reduceOnly,
        purpose,
        positionSide,
        ...prices,
      };
      const tracked: Tracked = {
        request,
        status: 'NEW',
        filledQty: 0,
        filledNotional: 0,
        feeUsdt: 0,
        tradeIds: new Set(),
        accepted: true,
      };
      if (isAlgo) tracked.algoId = venueId;
      else {
        tracked.venueOrderId = venueId;
        this.byVenueId.set(venueId, clientOrderId);
      }
      this.orders.set(clientOrderId, tracked);
      reports.push({ ...this.statusReport(tracked, ts, []), positionSide, ...prices, reconciliation: true });
    };
    for (const o of plain) {
      const type = o.type === 'LIMIT' ? 'LIMIT' : 'MARKET';
      adopt(
        o.clientOrderId,
        type,
        o.side as 'BUY' | 'SELL',
        Number(o.origQty),
        String(o.reduceOnly) === 'true',
        type === 'LIMIT' ? { price: Number(o.price) } : {},
        String(o.orderId),
        false,
      );
    }
    for (const a of algo) {
      const type =
        a.orderType === 'TAKE_PROFIT_MARKET' || a.orderType === 'TAKE_PROFIT'
          ? 'TAKE_PROFIT_MARKET'
          : 'STOP_MARKET';
      const reduceOnly = String(a.reduceOnly) === 'true' || String(a.closePosition) === 'true';
      adopt(
        a.clientAlgoId,
        type,
        a.side as 'BUY' | 'SELL',
        Number(a.quantity),
        reduceOnly,
        { stopPrice: Number(a.triggerPrice) },
        String(a.algoId),
        true,
      );
    }
    return reports;
  }

  // --- user-data stream --------------------------------------------------------------------------

  private startUserStream(): void {
    if (this.streaming) return;
    this.streaming = true;
    void this.watchLoop();
  }

  private async watchLoop(): Promise<void> {
    let delay = this.options.reconnectDelayMs ?? 500;
    let reconnecting = false;
    while (!this.closed) {
      try {
        const updates = await this.client.watchOrders();
        if (reconnecting) {
          reconnecting = false;
          this.enqueue(() => this.resync());
        }
        delay = this.options.reconnectDelayMs ?? 500;
        for (const update of updates) this.onStreamUpdate((update as { info?: unknown }).info);
      } catch (error) {
        if (this.closed) return;
        this.warn(venueErrorOf(error, 'user-data stream'));
        forgetClosedConnections(this.client);
        // The listenKey may have expired (Binance sends listenKeyExpired and closes): ask for a new one.
        const futures = (this.client.options as Record<string, Record<string, unknown> | undefined>).future;
        if (futures !== undefined) {
          futures.listenKey = undefined;
          futures.lastAuthenticatedTime = 0;
        }
        reconnecting = true;
        await wallSleep(delay);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** After a reconnect: fills the stream may have missed, for every order still open. */
  private async resync(): Promise<void> {
    for (const tracked of this.orders.values())
      if (OPEN.has(tracked.status) && tracked.venueOrderId !== undefined) await this.fetchFills(tracked);
  }

  private onStreamUpdate(info: unknown): void {
    const plain = OrderUpdate.safeParse(info);
    if (plain.success) {
      this.onOrderUpdate(plain.data);
      return;
    }
    const algo = AlgoUpdate.safeParse(info);
    if (algo.success) {
      this.onAlgoUpdate(algo.data);
      return;
    }
    this.warn(
      venueErrorOf(
        new Error(`user-data message not understood: ${JSON.stringify(info).slice(0, 200)}`),
        'user-data stream',
      ),
    );
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

  private async call<T>(what: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      throw venueErrorOf(error, what);
    }
  }

  private emit(event: VenueEvent): void {
    this.subject.next(event);
  }

  private warn(error: ExchangeError): void {
    this.options.onWarning?.(`${error.code}: ${error.message}`);
  }
}
