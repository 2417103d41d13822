// Venues for kernel tests: the simulator behind a venue that answers late, or refuses some orders,
// the way a live venue can. Both keep the simulator's matching; only what the engine hears, and
// when, differs.
import { type Observable, Subject } from 'rxjs';
import type {
  CancelOrder,
  ExecutionResult,
  MarketEvent,
  OrderRequest,
  Position,
  SymbolFilters,
} from '../../src/domain/index.js';
import type { Exchange, VenueEvent, VenueStatusEvent } from '../../src/exchange/exchange.js';
import type { SimExchange } from '../../src/exchange/sim-exchange.js';

/**
 * Every report of the simulator reaches the engine `lagEvents` market events late, in order (a
 * venue whose acknowledgements, fills and funding arrive several candles after the fact).
 * `sim.account()`/`fetchPositions()` stay the venue's true state for assertions.
 */
export class LaggingVenue implements Exchange {
  readonly name = 'lagging-sim';
  readonly events$: Observable<VenueEvent>;
  private readonly subject = new Subject<VenueEvent>();
  private readonly queue: { releaseAt: number; event: VenueEvent }[] = [];
  private marketEvents = 0;
  /** Largest number of open positions the venue ever held after a market event. */
  maxOpenPositions = 0;
  /** Largest gross exposure / wallet the venue ever held after a market event. */
  maxGrossExposureToWallet = 0;

  constructor(
    readonly sim: SimExchange,
    readonly lagEvents: number,
  ) {
    this.events$ = this.subject.asObservable();
    sim.events$.subscribe((event) => this.queue.push({ releaseAt: this.marketEvents + lagEvents, event }));
  }

  connect(ts: number): Promise<readonly VenueStatusEvent[]> {
    return this.sim.connect(ts);
  }

  onMarket(event: MarketEvent): void {
    this.marketEvents++;
    while (this.queue.length > 0 && this.queue[0].releaseAt <= this.marketEvents) {
      this.subject.next((this.queue.shift() as { event: VenueEvent }).event);
    }
    this.sim.onMarket(event);
    const positions = this.sim.fetchPositions();
    this.maxOpenPositions = Math.max(this.maxOpenPositions, positions.length);
    const gross = positions.reduce((sum, p) => sum + p.qty * p.markPrice, 0);
    this.maxGrossExposureToWallet = Math.max(
      this.maxGrossExposureToWallet,
      gross / this.sim.account().walletUsdt,
    );
  }

  createOrder(order: OrderRequest): void {
    this.sim.createOrder(order);
  }

  cancelOrder(command: CancelOrder): void {
    this.sim.cancelOrder(command);
  }

  fetchPositions(): readonly Position[] {
    return this.sim.fetchPositions();
  }

  filtersOf(symbol: string): SymbolFilters {
    return this.sim.filtersOf(symbol);
  }

  close(ts: number): void {
    this.sim.close(ts);
    for (const { event } of this.queue.splice(0)) this.subject.next(event);
    this.subject.complete();
  }
}

/**
 * Refuses the orders `refuse` picks (REJECTED with `errorCode`, as Binance answers -2019 margin
 * insufficient after a price move) and hands every other one to the simulator.
 */
export class RefusingVenue implements Exchange {
  readonly name = 'refusing-sim';
  readonly events$: Observable<VenueEvent>;
  private readonly subject = new Subject<VenueEvent>();
  readonly refused: OrderRequest[] = [];

  constructor(
    readonly sim: SimExchange,
    private readonly refuse: (order: OrderRequest) => boolean,
    private readonly errorCode = 'QT_EXCHANGE_INSUFFICIENT_MARGIN',
  ) {
    this.events$ = this.subject.asObservable();
    sim.events$.subscribe({
      next: (event) => this.subject.next(event),
      complete: () => this.subject.complete(),
    });
  }

  connect(ts: number): Promise<readonly VenueStatusEvent[]> {
    return this.sim.connect(ts);
  }

  onMarket(event: MarketEvent): void {
    this.sim.onMarket(event);
  }

  createOrder(order: OrderRequest): void {
    if (!this.refuse(order)) {
      this.sim.createOrder(order);
      return;
    }
    this.refused.push(order);
    const report: ExecutionResult = {
      kind: 'execution-result',
      clientOrderId: order.clientOrderId,
      intentId: order.intentId,
      symbol: order.symbol,
      ts: order.ts,
      side: order.side,
      type: order.type,
      purpose: order.purpose,
      status: 'REJECTED',
      qty: order.qty,
      filledQty: 0,
      avgPrice: 0,
      feeUsdt: 0,
      fills: [],
      reason: `${order.symbol} order ${order.clientOrderId}: refused by the test venue`,
      errorCode: this.errorCode,
    };
    this.subject.next(report);
  }

  cancelOrder(command: CancelOrder): void {
    this.sim.cancelOrder(command);
  }

  fetchPositions(): readonly Position[] {
    return this.sim.fetchPositions();
  }

  filtersOf(symbol: string): SymbolFilters {
    return this.sim.filtersOf(symbol);
  }

  close(ts: number): void {
    this.sim.close(ts);
  }
}
