import type { Observable } from 'rxjs';
import type {
  CancelOrder,
  MarketEvent,
  OrderRequest,
  Position,
  SymbolFilters,
  VenueEvent,
  VenueStatusEvent,
} from '../domain/index.js';

/**
 * The exchange port (ccxt's verbs). `SimExchange` implements it for backtest and paper,
 * `CcxtExchange` for testnet and live. Everything the venue does is reported on `events$`;
 * the simulator reports synchronously, inside `onMarket`/`createOrder`, so a backtest stays a
 * single deterministic sequence of events.
 */
export interface Exchange {
  readonly name: string;
  /**
   * Connects (a real venue loads markets, filters and leverage brackets) and reports the venue's
   * current state as status events at `ts`, ending with `ReconciliationCompleted`. The simulator
   * answers at once (an array); a real venue with a promise.
   */
  connect(ts: number): readonly VenueStatusEvent[] | Promise<readonly VenueStatusEvent[]>;
  /** Order updates, fills, funding, liquidations, in the order they happened. */
  readonly events$: Observable<VenueEvent>;
  /** Market data reached the venue: the simulator matches resting orders, settles funding, liquidates. Live venues ignore it. */
  onMarket(event: MarketEvent): void;
  /** Submit an order (`SubmitOrder`); the answer comes on `events$` (NEW, FILLED, REJECTED…). Idempotent per `clientOrderId`. */
  createOrder(order: OrderRequest): void;
  /** Cancel a resting order (`CancelOrder`); answered on `events$`. */
  cancelOrder(command: CancelOrder): void;
  /** Open positions as the venue sees them. */
  fetchPositions(): readonly Position[];
  /** The venue's filters for a symbol. */
  filtersOf(symbol: string): SymbolFilters;
  /**
   * End of recorded data — a backtest-only notion: the simulator closes what is open at the last
   * price (reason END_OF_DATA), then completes `events$`. A live feed that ends never calls it, so a
   * live account is never flattened by a dropped connection. With `symbol`, only that symbol's
   * data ended (recorded series of different lengths): its position is closed and its orders
   * cancelled; the venue goes on for the others.
   */
  close(ts: number, symbol?: string): void;
}
