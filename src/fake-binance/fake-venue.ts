import type { Kline } from '../domain/index.js';
import { BinanceApiError } from './binance-errors.js';
import { TradeTape } from './fake-trade-tape.js';
import { checkAlgoOrderRequest, checkOrderRequest, takerPrice } from './fake-venue-checks.js';
import { fillOrder, fillWaitingMarketOrders, finishOrder, triggerAlgo } from './fake-venue-fills.js';
import {
  availableBalanceOf,
  incomeRecord,
  orderMarginOf,
  positionMarginOf,
  settleFunding,
  totalUnrealizedOf,
  unrealizedPnl,
  type VenueInternals,
} from './fake-venue-ledger.js';
import { findAlgoOrder, findOrder } from './fake-venue-orders.js';
import { candlePoints, nextHit, trackTrailing } from './fake-venue-path.js';
import type {
  AlgoOrder,
  FakeSymbol,
  FakeVenueOptions,
  FundingRecord,
  IncomeRecord,
  PlaceAlgoOrderRequest,
  PlaceOrderRequest,
  VenueOrder,
  VenuePosition,
  VenueTrade,
  VenueUpdate,
} from './fake-venue-types.js';

/**
 * The fake Binance USDⓈ-M venue's state and matching, with no I/O: one-way positions (`BOTH`),
 * a USDT wallet, orders, algo (conditional) orders, trades and the income ledger, moved along a
 * scripted candle path. The HTTP and websocket layers (`fake-binance-server.ts`) only translate.
 *
 * Matching follows each candle's path open → nearer extreme → farther extreme → close (a green
 * candle visits its low first). A MARKET order fills at the last price moved against the taker by
 * `slippageBps`, on the symbol's tick; a LIMIT order rests and fills at its price (maker) when
 * the path reaches it (a LIMIT order that crosses on arrival fills at once as a taker, never worse
 * than its price); a conditional order triggers when the path reaches its trigger price and fills
 * like a MARKET order at the trigger price — or at the next candle's open when the path gaps
 * through it. Funding is charged at every 8-hourly instant the path passes. Time is the path's
 * time: every timestamp the venue reports is reproducible, and what happens inside a candle is
 * stamped with its close (`ts`), as the simulator stamps it. With `marketFill: 'next-open'` a
 * MARKET order waits for the next candle's open, as in the simulator.
 * Not modelled: liquidation, hedge mode, order-book depth.
 */

export * from './fake-venue-types.js';

/** The fake venue. `step()` moves every symbol one candle along its path. */
export class FakeVenue {
  readonly symbols: ReadonlyMap<string, FakeSymbol>;
  private readonly path: ReadonlyMap<string, readonly Kline[]>;
  /** Index of the next candle not yet revealed (same for every symbol). */
  private cursor: number;
  /** The path's current time: close time of the last revealed candle. */
  private now: number;
  private readonly lastPrice = new Map<string, number>();
  wallet: number;
  readonly orders = new Map<number, VenueOrder>();
  readonly algoOrders = new Map<number, AlgoOrder>();
  readonly positions = new Map<string, VenuePosition>();
  readonly trades: VenueTrade[] = [];
  readonly income: IncomeRecord[] = [];
  readonly funding: FundingRecord[] = [];
  /** The public tape: aggregate trades and book tickers of the revealed candles. */
  readonly tape = new TradeTape();
  private readonly leverage = new Map<string, number>();
  private readonly marginType = new Map<string, 'cross' | 'isolated'>();
  private nextId = 1_000_001;
  private readonly listeners: ((update: VenueUpdate) => void)[] = [];
  /** What the fill and ledger steps (`fake-venue-fills.ts`, `fake-venue-ledger.ts`) reach of this venue. */
  private readonly internals: VenueInternals;

  constructor(private readonly options: FakeVenueOptions) {
    this.symbols = new Map(options.symbols.map((s) => [s.symbol, s]));
    this.path = options.path;
    this.cursor = 0;
    this.now = 0;
    this.wallet = options.walletUsdt;
    this.internals = {
      venue: this,
      options,
      now: () => this.now,
      takeId: () => this.nextId++,
      emit: (update) => this.emit(update),
    };
    this.income.push(incomeRecord(this.internals, '', 'TRANSFER', options.walletUsdt, 'deposit', ''));
    for (let i = 0; i < options.revealed; i++) this.step();
  }

  /** Register a listener for order, account and market updates, in the order they happen. */
  onUpdate(listener: (update: VenueUpdate) => void): void {
    this.listeners.push(listener);
  }

  /** The path's current time (ms). */
  time(): number {
    return this.now;
  }

  /** How many candles of the path are revealed (the index of the next one). */
  revealedCount(): number {
    return this.cursor;
  }

  /** Candles left on the path. */
  remaining(): number {
    let most = 0;
    for (const candles of this.path.values()) most = Math.max(most, candles.length - this.cursor);
    return most;
  }

  priceOf(symbol: string): number {
    const price = this.lastPrice.get(symbol);
    if (price === undefined) throw new BinanceApiError(-1121, 'Invalid symbol.', 400);
    return price;
  }

  /** Revealed candles of a symbol (closed ones only). */
  klines(symbol: string): readonly Kline[] {
    const candles = this.path.get(symbol);
    if (candles === undefined) throw new BinanceApiError(-1121, 'Invalid symbol.', 400);
    return candles.slice(0, Math.min(this.cursor, candles.length));
  }

  symbolOf(symbol: string): FakeSymbol {
    const known = this.symbols.get(symbol);
    if (known === undefined) throw new BinanceApiError(-1121, 'Invalid symbol.', 400);
    return known;
  }

  /** The symbol's leverage: as set, else the default capped at the symbol's maximum. */
  leverageOf(symbol: string): number {
    const set = this.leverage.get(symbol);
    if (set !== undefined) return set;
    return Math.min(this.options.defaultLeverage, this.symbols.get(symbol)?.maxLeverage ?? 125);
  }

  marginTypeOf(symbol: string): 'cross' | 'isolated' {
    return this.marginType.get(symbol) ?? 'cross';
  }

  setLeverage(symbol: string, leverage: number): void {
    const spec = this.symbolOf(symbol);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > (spec.maxLeverage ?? 125)) {
      throw new BinanceApiError(-4028, `Leverage ${leverage} is not valid`, 400);
    }
    this.leverage.set(symbol, leverage);
    const position = this.positions.get(symbol);
    if (position !== undefined) position.leverage = leverage;
  }

  setMarginType(symbol: string, marginType: 'cross' | 'isolated'): void {
    this.symbolOf(symbol);
    if (this.marginTypeOf(symbol) === marginType)
      throw new BinanceApiError(-4046, 'No need to change margin type.', 400);
    if (this.positions.has(symbol)) {
      throw new BinanceApiError(-4048, 'Margin type cannot be changed if there exists position.', 400);
    }
    this.marginType.set(symbol, marginType);
  }

  /** Unrealized PnL of a position at the last price. */
  unrealized(position: VenuePosition): number {
    return unrealizedPnl(this, position);
  }

  /** Initial margin the open positions hold (notional at the last price / leverage). */
  positionMargin(): number {
    return positionMarginOf(this);
  }

  /** Initial margin resting orders reserve (orders that can only reduce reserve none). */
  orderMargin(): number {
    return orderMarginOf(this);
  }

  totalUnrealized(): number {
    return totalUnrealizedOf(this);
  }

  availableBalance(): number {
    return availableBalanceOf(this);
  }

  /** Place an order (`POST /fapi/v1/order`). Throws `BinanceApiError` as Binance answers. */
  placeOrder(request: PlaceOrderRequest): VenueOrder {
    const spec = this.symbolOf(request.symbol);
    const clientOrderId = request.clientOrderId ?? `fake-${this.nextId}`;
    const { last, price, timeInForce, marketable } = checkOrderRequest(
      this,
      spec,
      request,
      clientOrderId,
      this.options.slippageBps,
    );
    const order: VenueOrder = {
      orderId: this.nextId++,
      clientOrderId,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      origType: request.type,
      timeInForce,
      price,
      stopPrice: 0,
      origQty: request.quantity,
      executedQty: 0,
      cumQuote: 0,
      status: 'NEW',
      reduceOnly: request.reduceOnly,
      closePosition: false,
      time: this.now,
      updateTime: this.now,
    };
    this.orders.set(order.orderId, order);
    this.emit({ kind: 'order', order, execType: 'NEW' });
    if (request.type === 'MARKET') {
      // `next-open`: it waits (NEW) for the next candle's open; see `step`.
      if (this.options.marketFill !== 'next-open')
        fillOrder(this.internals, order, takerPrice(spec, order.side, last, this.options.slippageBps), false);
    } else if (marketable) {
      // A crossing LIMIT order takes liquidity, but never at a price worse than its own.
      const taker = takerPrice(spec, order.side, last, this.options.slippageBps);
      const fillPrice = order.side === 'BUY' ? Math.min(taker, price) : Math.max(taker, price);
      fillOrder(this.internals, order, fillPrice, false);
    } else if (timeInForce === 'IOC' || timeInForce === 'FOK') {
      finishOrder(this.internals, order, 'EXPIRED');
    }
    return order;
  }

  /** Place a conditional order (`POST /fapi/v1/algoOrder`, algoType CONDITIONAL). */
  placeAlgoOrder(request: PlaceAlgoOrderRequest): AlgoOrder {
    const spec = this.symbolOf(request.symbol);
    const clientAlgoId = request.clientAlgoId ?? `fake-algo-${this.nextId}`;
    const { last, triggerPrice } = checkAlgoOrderRequest(this, spec, request, clientAlgoId);
    const algo: AlgoOrder = {
      algoId: this.nextId++,
      clientAlgoId,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      quantity: request.quantity ?? 0,
      triggerPrice,
      reduceOnly: request.reduceOnly || request.closePosition,
      closePosition: request.closePosition,
      activatePrice: request.activatePrice ?? 0,
      callbackRate: request.callbackRate ?? 0,
      algoStatus: 'NEW',
      trailingPeak: request.activatePrice === undefined ? last : 0,
      createTime: this.now,
      updateTime: this.now,
    };
    this.algoOrders.set(algo.algoId, algo);
    this.emit({ kind: 'algo', algo });
    return algo;
  }

  /** Find an order by id or client id (`-2013` when unknown). */
  findOrder(symbol: string, orderId?: number, clientOrderId?: string): VenueOrder {
    return findOrder(this.orders, symbol, orderId, clientOrderId);
  }

  /** Find a conditional order by id or client id (`-2013` when unknown). */
  findAlgoOrder(algoId?: number, clientAlgoId?: string): AlgoOrder {
    return findAlgoOrder(this.algoOrders, algoId, clientAlgoId);
  }

  cancelOrder(symbol: string, orderId?: number, clientOrderId?: string): VenueOrder {
    const order = this.findOrder(symbol, orderId, clientOrderId);
    if (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED') {
      throw new BinanceApiError(-2011, 'Unknown order sent.', 400);
    }
    finishOrder(this.internals, order, 'CANCELED');
    return order;
  }

  cancelAlgoOrder(algoId?: number, clientAlgoId?: string): AlgoOrder {
    const algo = this.findAlgoOrder(algoId, clientAlgoId);
    if (algo.algoStatus !== 'NEW') throw new BinanceApiError(-2011, 'Unknown order sent.', 400);
    algo.algoStatus = 'CANCELED';
    algo.updateTime = this.now;
    this.emit({ kind: 'algo', algo });
    return algo;
  }

  openOrders(symbol?: string): VenueOrder[] {
    return [...this.orders.values()].filter(
      (o) =>
        (symbol === undefined || o.symbol === symbol) &&
        (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'),
    );
  }

  openAlgoOrders(symbol?: string): AlgoOrder[] {
    return [...this.algoOrders.values()].filter(
      (a) => (symbol === undefined || a.symbol === symbol) && a.algoStatus === 'NEW',
    );
  }

  /** Move every symbol one candle along its path; false when the path has ended. */
  step(): boolean {
    let moved = false;
    const candles: Kline[] = [];
    for (const [symbol, path] of this.path) {
      const candle = path[this.cursor];
      if (candle === undefined) continue;
      moved = true;
      candles.push(candle);
      if (!this.lastPrice.has(symbol)) this.lastPrice.set(symbol, candle.open);
    }
    if (!moved) return false;
    this.cursor++;
    // Everything a candle does is reported at its close, as the simulator reports it: the venue only
    // knows prices at candle resolution, so a fill's instant inside the candle is unknown.
    for (const candle of candles) {
      this.now = Math.max(this.now, candle.ts);
      fillWaitingMarketOrders(this.internals, candle);
      this.walk(candle);
    }
    for (const candle of candles) {
      const tape = this.tape.record(this.symbolOf(candle.symbol), candle);
      this.emit({ kind: 'tape', trades: tape.trades, books: tape.books });
      settleFunding(this.internals, candle);
      this.emit({ kind: 'kline', kline: candle });
    }
    return true;
  }

  /** Visit a candle's path, matching what it reaches. */
  private walk(candle: Kline): void {
    // From the last price (a gap to this open is a move too) through the candle.
    const points = candlePoints(candle, this.lastPrice.get(candle.symbol) ?? candle.open);
    // The first move, last close → this open, is a gap: no trade happens between the two prices.
    for (let i = 1; i < points.length; i++) this.segment(candle.symbol, points[i - 1], points[i], i === 1);
  }

  /**
   * Price moves monotonically `from → to`: fill whatever it reaches, nearest first. In a gap a
   * triggered order can only trade at `to` (the open); resting LIMIT orders still fill at their price.
   */
  private segment(symbol: string, from: number, to: number, gap: boolean): void {
    const spec = this.symbolOf(symbol);
    for (;;) {
      const hit = nextHit(this.orders, this.algoOrders, symbol, from, to);
      if (hit === undefined) break;
      this.lastPrice.set(symbol, hit.price);
      from = hit.price;
      if (hit.order !== undefined) fillOrder(this.internals, hit.order, hit.order.price, true);
      else if (hit.algo !== undefined) triggerAlgo(this.internals, spec, hit.algo, gap ? to : hit.price);
    }
    this.lastPrice.set(symbol, to);
    trackTrailing(this.algoOrders, symbol, to);
  }

  private emit(update: VenueUpdate): void {
    for (const listener of this.listeners) listener(update);
  }
}
