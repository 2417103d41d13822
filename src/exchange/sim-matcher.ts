import type { Fill, Kline, OrderSide, Tick, VenueEvent } from '../domain/index.js';
import { exitSideOf, roundToStep } from '../domain/index.js';
import { applyFill, type FillOutcome, liquidationPrice, pnlUsdt } from '../domain/position-math.js';
import type { SimExchangeParams } from './sim-exchange-params.js';
import { SimFunding } from './sim-funding.js';
import {
  endOfDataOrder,
  executionResultOf,
  exitReasonOf,
  hitOf,
  isOpenStatus,
  liquidationFillOf,
  NO_HIT,
  reachesTrigger,
  reduces,
  type SimOrder,
  type SymbolBook,
  venueOrderIdOf,
} from './sim-order-book.js';

/** Running totals of the wallet's moves (wallet = initial + realized − fees − funding). */
export interface SimLedger {
  realizedPnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
}

/**
 * The matching engine behind `SimExchange` (see its doc comment for the semantics): walks each
 * market event's price path over one symbol's book, fills, liquidates, settles funding and
 * reports through `emit`. Internal to the exchange; not a public API.
 */
export class SimMatcher {
  /** Sequence number of the market event being processed (orders created during it wait for the next). */
  eventSeq = 0;
  readonly ledger: SimLedger = { realizedPnlUsdt: 0, feesUsdt: 0, fundingUsdt: 0 };
  /** Executions so far: each fill's venue trade id. */
  private tradeSeq = 0;
  // Context of the current event, kept in fields so the hot path allocates nothing per candle.
  private eventTs = 0;
  private eventVolume = 0;
  private slippageFraction = 0;
  private readonly funding: SimFunding;

  constructor(
    private readonly params: SimExchangeParams,
    private readonly emit: (event: VenueEvent) => void,
  ) {
    this.funding = new SimFunding(params, this.ledger, emit);
  }

  onKline(book: SymbolBook, kline: Kline): void {
    const rangeFraction = (kline.high - kline.low) / kline.close;
    this.begin(kline.ts, kline.volume, rangeFraction);
    if (book.orders.length > 0) this.arrive(book, kline.open);
    // Most candles reach no trigger: the four walks would find nothing, so they are skipped.
    const low = Math.min(kline.low, kline.open, kline.close);
    const high = Math.max(kline.high, kline.open, kline.close);
    if (reachesTrigger(book, low, high)) this.walkCandle(book, kline);
    this.funding.settle(book, kline.openTime, kline.ts, kline.close, kline.fundingRate);
    book.lastPrice = kline.close;
    book.lastRangeFraction = rangeFraction;
    book.lastTs = kline.ts;
  }

  /** The candle's price path: open, then its extremes in the intrabar policy's order, then close. */
  private walkCandle(book: SymbolBook, kline: Kline): void {
    this.walk(book, kline.open, kline.open);
    let lowFirst = kline.close >= kline.open;
    const position = book.position;
    if (position !== undefined && this.params.intrabarPolicy !== 'ohlc-path') {
      // worst: the adverse extreme first (long ⇒ low); best: the favourable one.
      lowFirst = (this.params.intrabarPolicy === 'worst') === (position.side === 'LONG');
    }
    const first = lowFirst ? kline.low : kline.high;
    const second = lowFirst ? kline.high : kline.low;
    if (first !== kline.open) this.walk(book, kline.open, first);
    if (second !== first) this.walk(book, first, second);
    if (kline.close !== second) this.walk(book, second, kline.close);
  }

  onTick(book: SymbolBook, tick: Tick): void {
    this.begin(tick.ts, tick.qty, 0);
    if (book.orders.length > 0) this.arrive(book, tick.price);
    this.walk(book, tick.price, tick.price);
    // The first tick of a symbol has no "since": funding starts counting from it.
    const since = Number.isNaN(book.lastTs) ? tick.ts : book.lastTs;
    this.funding.settle(book, since, tick.ts, tick.price, undefined);
    book.lastPrice = tick.price;
    book.lastTs = tick.ts;
  }

  cancel(book: SymbolBook, order: SimOrder, ts: number, reason: string): void {
    this.finish(book, order, 'CANCELED', ts, reason);
  }

  /** End of data for one symbol: market-close its position, cancel what rests. */
  closeBook(book: SymbolBook, ts: number): void {
    this.begin(ts, 0, book.lastRangeFraction);
    const position = book.position;
    if (position !== undefined && !Number.isNaN(book.lastPrice)) {
      const order = endOfDataOrder(book.symbol, position, ts);
      this.fillTaker(book, order, position.qty, book.lastPrice);
    }
    for (const order of book.orders.slice()) {
      if (isOpenStatus(order.status)) this.finish(book, order, 'CANCELED', ts, 'end of data');
    }
  }

  private begin(ts: number, volume: number, rangeFraction: number): void {
    this.eventSeq++;
    this.eventTs = ts;
    this.eventVolume = volume;
    const slippage = this.params.slippage;
    this.slippageFraction =
      slippage.bps / 1e4 + (slippage.model === 'volatility' ? slippage.volatilityFactor * rangeFraction : 0);
  }

  /** Orders whose latency has elapsed reach the venue at `price` (the event's open). */
  private arrive(book: SymbolBook, price: number): void {
    let pending = false;
    for (const order of book.orders) {
      if (!order.arrived && order.createdAtEventSeq < this.eventSeq && order.activeAtTs <= this.eventTs) {
        pending = true;
        break;
      }
    }
    if (!pending) return;
    // A copy: fills may cancel siblings (OCO) while we go through the list.
    for (const order of book.orders.slice()) {
      if (order.arrived || !isOpenStatus(order.status)) continue;
      if (order.createdAtEventSeq >= this.eventSeq || order.activeAtTs > this.eventTs) continue;
      order.arrived = true;
      const request = order.request;
      if (request.type === 'MARKET') {
        if (request.reduceOnly && !reduces(book, order)) {
          this.finish(book, order, 'EXPIRED', this.eventTs, 'reduce-only MARKET: no position to reduce');
          continue;
        }
        this.fillTaker(book, order, this.clampReduceOnly(book, order), price);
      } else if (request.type === 'LIMIT') {
        const marketable = request.side === 'BUY' ? price <= order.triggerLevel : price >= order.triggerLevel;
        if (!marketable) continue;
        if (request.postOnly === true) {
          this.finish(book, order, 'EXPIRED', this.eventTs, 'post-only (GTX) LIMIT would take liquidity');
          continue;
        }
        if (request.reduceOnly && !reduces(book, order)) continue;
        this.fillLimit(book, order, price, 'TAKER');
      }
    }
  }

  /** Process every trigger the path `from → to` reaches, in path order (liquidation first on ties). */
  private walk(book: SymbolBook, from: number, to: number): void {
    const dir: -1 | 1 = to >= from ? 1 : -1;
    let cur = from;
    for (;;) {
      let best: SimOrder | undefined;
      let bestHit = NO_HIT;
      const position = book.position;
      if (position !== undefined && position.liquidationPrice > 0) {
        bestHit = hitOf(position.side === 'LONG' ? -1 : 1, position.liquidationPrice, false, cur, to, dir);
      }
      for (const order of book.orders) {
        if (order.triggerDir === 0 || !order.arrived || order.exhaustedEventSeq === this.eventSeq) continue;
        if (order.request.reduceOnly && !reduces(book, order)) continue;
        const hit = hitOf(order.triggerDir, order.triggerLevel, order.strict, cur, to, dir);
        if (Number.isNaN(hit)) continue;
        // Strictly earlier along the path wins; ties keep the liquidation, then the older order.
        if (Number.isNaN(bestHit) || (hit - bestHit) * dir < 0) {
          best = order;
          bestHit = hit;
        }
      }
      if (Number.isNaN(bestHit)) return;
      if (best === undefined) this.liquidate(book);
      else if (best.request.type === 'LIMIT') this.fillLimit(book, best, best.triggerLevel, 'MAKER');
      else {
        // A stop or take-profit reached its trigger: reported, then filled as a market order.
        best.status = 'TRIGGERED';
        best.last = executionResultOf(best, this.eventTs, []);
        this.emit(best.last);
        this.fillTaker(book, best, this.clampReduceOnly(book, best), bestHit);
      }
      cur = bestHit;
    }
  }

  /** Remaining qty, clamped to the position for reduce-only orders (the order shrinks to match). */
  private clampReduceOnly(book: SymbolBook, order: SimOrder): number {
    // Snapped to the step grid: 1 − 0.4 − 0.4 is 0.19999999999999996 in floats.
    const remaining = roundToStep(order.qty - order.filledQty, book.filters.stepSize);
    if (!order.request.reduceOnly || book.position === undefined || book.position.qty >= remaining) {
      return remaining;
    }
    order.qty = order.filledQty + book.position.qty;
    return book.position.qty;
  }

  /** Taker fill at `referencePrice` moved against us by the slippage fraction, on the tick grid. */
  private fillTaker(book: SymbolBook, order: SimOrder, qty: number, referencePrice: number): void {
    const buy = order.request.side === 'BUY';
    const slipped = referencePrice * (buy ? 1 + this.slippageFraction : 1 - this.slippageFraction);
    const price = roundToStep(slipped, book.filters.tickSize);
    const slippageUsdt = (price - referencePrice) * qty * (buy ? 1 : -1);
    this.fill(book, order, qty, price, 'TAKER', slippageUsdt);
  }

  /** Limit fill at `price`, at most the volume share left for this event, step-rounded down. */
  private fillLimit(book: SymbolBook, order: SimOrder, price: number, liquidity: Fill['liquidity']): void {
    if (order.capEventSeq !== this.eventSeq) {
      order.capEventSeq = this.eventSeq;
      order.capFilledQty = 0;
    }
    const stepSize = book.filters.stepSize;
    const capacity = Math.max(0, this.params.limitFillVolumeShare * this.eventVolume - order.capFilledQty);
    const wanted = this.clampReduceOnly(book, order);
    const qty = Math.min(wanted, roundToStep(capacity, stepSize, 'down'));
    if (qty < stepSize * (1 - 1e-9)) {
      order.exhaustedEventSeq = this.eventSeq;
      return;
    }
    order.capFilledQty += qty;
    // What is left after the cap waits for the next event.
    if (qty < wanted) order.exhaustedEventSeq = this.eventSeq;
    this.fill(book, order, qty, price, liquidity, 0);
  }

  private fill(
    book: SymbolBook,
    order: SimOrder,
    qty: number,
    price: number,
    liquidity: Fill['liquidity'],
    slippageUsdt: number,
  ): void {
    const request = order.request;
    const feeUsdt =
      qty * price * (liquidity === 'MAKER' ? this.params.makerFeeRate : this.params.takerFeeRate);
    const before = book.position;
    const outcome = applyFill(before, {
      side: request.side,
      qty,
      price,
      leverage: order.leverage,
      reduceOnly: request.reduceOnly,
    });
    this.ledger.realizedPnlUsdt += outcome.realizedPnlUsdt;
    this.ledger.feesUsdt += feeUsdt;
    this.setPosition(book, outcome, request.intentId);
    const exitReason = exitReasonOf(request);
    // exitReason is set after the literal, and the venue ids before it: one object shape, no spread.
    const fill: { -readonly [K in keyof Fill]: Fill[K] } = {
      kind: 'fill',
      clientOrderId: request.clientOrderId,
      intentId: request.intentId,
      symbol: request.symbol,
      ts: this.eventTs,
      side: request.side,
      positionSide: request.positionSide,
      purpose: request.purpose,
      qty,
      price,
      feeUsdt,
      liquidity,
      slippageUsdt,
      reduceOnly: request.reduceOnly,
      leverage: outcome.position?.leverage ?? before?.leverage ?? order.leverage,
      venueOrderId: venueOrderIdOf(order),
      venueTradeId: String(++this.tradeSeq),
    };
    if (exitReason !== undefined) fill.exitReason = exitReason;
    order.filledQty = roundToStep(order.filledQty + qty, book.filters.stepSize);
    order.filledNotionalUsdt += qty * price;
    order.feeUsdt += feeUsdt;
    const filled = order.filledQty >= order.qty - book.filters.stepSize * 1e-6;
    order.status = filled ? 'FILLED' : 'PARTIALLY_FILLED';
    order.last = executionResultOf(order, this.eventTs, [fill]);
    if (filled) this.remove(book, order);
    // State is final before anyone hears of it: subscribers may react synchronously.
    this.emit(fill);
    this.emit(order.last);
    if (outcome.closedPosition && before !== undefined) this.cancelReduceOnly(book, exitSideOf(before.side));
  }

  private setPosition(book: SymbolBook, outcome: FillOutcome, intentId: string): void {
    const next = outcome.position;
    const before = book.position;
    if (next === undefined) {
      book.position = undefined;
      return;
    }
    const opened = before === undefined || outcome.closedPosition;
    // One literal shape for every position (a spread's copy takes the shape of its source, and the
    // position's readers, here and in the portfolio, went megamorphic).
    book.position = {
      side: next.side,
      qty: next.qty,
      entryPrice: next.entryPrice,
      marginUsdt: next.marginUsdt,
      leverage: next.leverage,
      openedTs: opened ? this.eventTs : before.openedTs,
      intentId: opened ? intentId : before.intentId,
      liquidationPrice: liquidationPrice(next, book.brackets),
    };
  }

  /**
   * Liquidation at the position's liquidation price: realized PnL at that price plus a clearance
   * fee of the margin left, so the wallet loses exactly the isolated margin. At the liquidation
   * price the margin left is the maintenance margin of the notional there, in its bracket
   * (`maintenanceMarginUsdt(qty × price, brackets)`): that is what defines the price.
   */
  private liquidate(book: SymbolBook): void {
    const position = book.position;
    if (position === undefined) return;
    const price = position.liquidationPrice;
    const side: OrderSide = exitSideOf(position.side);
    const realizedPnlUsdt = pnlUsdt(position.side, position.entryPrice, price, position.qty);
    const feeUsdt = Math.max(0, position.marginUsdt + realizedPnlUsdt);
    this.ledger.realizedPnlUsdt += realizedPnlUsdt;
    this.ledger.feesUsdt += feeUsdt;
    book.position = undefined;
    const ts = this.eventTs;
    this.emit({
      kind: 'position-liquidated',
      symbol: book.symbol,
      ts,
      positionSide: position.side,
      qty: position.qty,
      price,
      lossUsdt: feeUsdt - realizedPnlUsdt,
    });
    this.emit(liquidationFillOf(book.symbol, position, ts, feeUsdt, String(++this.tradeSeq)));
    this.cancelReduceOnly(book, side);
  }

  /** OCO: a flat (or flipped) position takes its protective orders with it. */
  private cancelReduceOnly(book: SymbolBook, closingSide: OrderSide): void {
    for (const order of book.orders.slice()) {
      if (order.request.reduceOnly && order.request.side === closingSide && isOpenStatus(order.status)) {
        this.finish(book, order, 'CANCELED', this.eventTs, 'position closed');
      }
    }
  }

  private finish(
    book: SymbolBook,
    order: SimOrder,
    status: 'CANCELED' | 'EXPIRED',
    ts: number,
    reason: string,
  ): void {
    order.status = status;
    this.remove(book, order);
    order.last = executionResultOf(order, ts, [], reason);
    this.emit(order.last);
  }

  private remove(book: SymbolBook, order: SimOrder): void {
    const index = book.orders.indexOf(order);
    if (index >= 0) book.orders.splice(index, 1);
  }
}
