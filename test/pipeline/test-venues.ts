// Venues for kernel tests: the simulator behind a venue that answers late, or refuses some orders,
// the way a live venue can. Both keep the simulator's matching; only what the engine hears, and
// when, differs.
import { type Observable, Subject } from 'rxjs';
import type { VenueEvent, VenueStatusEvent } from '../../src/domain/index.js';
import {
  type CancelOrder,
  type MarketEvent,
  type OrderRequest,
  type Position,
  type SymbolFilters,
  unfilledReportOf,
} from '../../src/domain/index.js';
import type { Exchange } from '../../src/exchange/exchange.js';
import type { SimExchange } from '../../src/exchange/sim-exchange.js';

/** The simulator behind the Exchange port; subclasses change what the engine hears and when. */
abstract class SimVenueWrapper implements Exchange {
  abstract readonly name: string;
  readonly events$: Observable<VenueEvent>;
  protected readonly subject = new Subject<VenueEvent>();

  constructor(readonly sim: SimExchange) {
    this.events$ = this.subject.asObservable();
  }

  /** Answers like a real venue: later, with a promise. */
  connect(ts: number): Promise<readonly VenueStatusEvent[]> {
    return Promise.resolve(this.sim.connect(ts));
  }

  onMarket(event: MarketEvent): void {
    this.sim.onMarket(event);
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

  close(ts: number, symbol?: string): void {
    this.sim.close(ts, symbol);
  }
}

/**
 * Every report of the simulator reaches the engine `lagEvents` market events late, in order (a
 * venue whose acknowledgements, fills and funding arrive several candles after the fact).
 * `sim.account()`/`fetchPositions()` stay the venue's true state for assertions.
 */
export class LaggingVenue extends SimVenueWrapper {
  readonly name = 'lagging-sim';
  private readonly queue: { releaseAt: number; event: VenueEvent }[] = [];
  private marketEvents = 0;
  /** Largest number of open positions the venue ever held after a market event. */
  maxOpenPositions = 0;
  /** Largest gross exposure / wallet the venue ever held after a market event. */
  maxGrossExposureToWallet = 0;

  constructor(
    sim: SimExchange,
    readonly lagEvents: number,
  ) {
    super(sim);
    sim.events$.subscribe((event) => this.queue.push({ releaseAt: this.marketEvents + lagEvents, event }));
  }

  override onMarket(event: MarketEvent): void {
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

  override close(ts: number, symbol?: string): void {
    this.sim.close(ts, symbol);
    if (symbol !== undefined) return;
    for (const { event } of this.queue.splice(0)) this.subject.next(event);
    this.subject.complete();
  }
}

/**
 * Refuses the orders `refuse` picks (REJECTED with `errorCode`, as Binance answers -2019 margin
 * insufficient after a price move) and hands every other one to the simulator.
 */
export class RefusingVenue extends SimVenueWrapper {
  readonly name = 'refusing-sim';
  readonly refused: OrderRequest[] = [];

  constructor(
    sim: SimExchange,
    private readonly refuse: (order: OrderRequest) => boolean,
    private readonly errorCode = 'QT_EXCHANGE_INSUFFICIENT_MARGIN',
  ) {
    super(sim);
    sim.events$.subscribe({
      next: (event) => this.subject.next(event),
      complete: () => this.subject.complete(),
    });
  }

  override createOrder(order: OrderRequest): void {
    if (!this.refuse(order)) {
      this.sim.createOrder(order);
      return;
    }
    this.refused.push(order);
    this.subject.next(
      unfilledReportOf(order, 'REJECTED', {
        reason: `${order.symbol} order ${order.clientOrderId}: refused by the test venue`,
        errorCode: this.errorCode,
      }),
    );
  }
}
