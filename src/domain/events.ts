import type { KillSwitchTripped, OrderDenied, SizingDecision, TradeIntent } from './decision.js';
import type {
  AccountStatusReport,
  ExecutionResult,
  Fill,
  FundingPaid,
  PositionLiquidated,
  PositionStatusReport,
  ReconciliationCompleted,
} from './execution.js';
import type { FeatureVector } from './feature-vector.js';
import type { Kline } from './kline.js';
import type { CancelOrder, OrderRequest, OrderSubmitted } from './order.js';
import type { PortfolioSnapshot, TradeClosed } from './position.js';
import type { ModelPrediction, Signal } from './signal.js';
import type { Tick } from './tick.js';

/** Market data that drives the engine and the clock. */
export type MarketEvent = Kline | Tick;

/** What a venue reports: order updates, fills, funding and liquidations. */
export type VenueEvent = ExecutionResult | Fill | FundingPaid | PositionLiquidated;

/**
 * What a venue reports on connect, in this order: its account, its open positions, its open orders
 * (`ExecutionResult`s flagged `reconciliation`), then `ReconciliationCompleted`. They seed the
 * account view and the position monitor: nothing assumes a flat start (DESIGN.md §1a).
 */
export type VenueStatusEvent =
  | AccountStatusReport
  | PositionStatusReport
  | ExecutionResult
  | ReconciliationCompleted;

/** Everything the engine emits, discriminated by `kind`. */
export type EngineEvent =
  | Kline
  | FeatureVector
  | ModelPrediction
  | Signal
  | TradeIntent
  | SizingDecision
  | OrderDenied
  | KillSwitchTripped
  | OrderRequest
  | CancelOrder
  | OrderSubmitted
  | ExecutionResult
  | Fill
  | FundingPaid
  | PositionLiquidated
  | TradeClosed
  | PortfolioSnapshot
  | AccountStatusReport
  | PositionStatusReport
  | ReconciliationCompleted
  | TimerFired
  | EndOfData;

/** What travels on the kernel's bus: every engine event, and dead letters on `dlq`. */
export type BusEvent = EngineEvent | Tick | DeadLetter;

/** A timer set on the kernel's clock came due (`TimerFired`); delivered to the stage that set it. */
export interface TimerFired {
  readonly kind: 'timer-fired';
  readonly ts: number;
  /** Name the stage gave the timer. */
  readonly name: string;
  /** Stage that set it. */
  readonly owner: string;
}

/**
 * The recorded market ended (`EndOfData`): a backtest-only notion. The simulated venue closes what
 * is open (reason END_OF_DATA); a live feed never sends it, so a live run never flattens the account.
 */
export interface EndOfData {
  readonly kind: 'end-of-data';
  readonly ts: number;
  /** Only this symbol's data ended (series of different lengths); absent: all data ended. */
  readonly symbol?: string;
}

/** Malformed input, kept as data on `quantum:stream:dlq`: where it came from and why it was refused. */
export interface DeadLetter {
  readonly kind: 'dead-letter';
  readonly origin: string;
  readonly reason: string;
  readonly payload: string;
  readonly ts?: number;
}
