import type { KillSwitchTripped, OrderDenied, SizingDecision, TradeIntent } from './decision.js';
import type { ExecutionResult, Fill, FundingPaid, PositionLiquidated } from './execution.js';
import type { FeatureVector } from './feature-vector.js';
import type { Kline } from './kline.js';
import type { CancelOrder, OrderRequest } from './order.js';
import type { PortfolioSnapshot, TradeClosed } from './position.js';
import type { ModelPrediction, Signal } from './signal.js';
import type { Tick } from './tick.js';

/** Market data that drives the engine and the clock. */
export type MarketEvent = Kline | Tick;

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
  | ExecutionResult
  | Fill
  | FundingPaid
  | PositionLiquidated
  | TradeClosed
  | PortfolioSnapshot;

/** Malformed input, kept as data on `quantum:stream:dlq`: where it came from and why it was refused. */
export interface DeadLetter {
  readonly kind: 'dead-letter';
  readonly origin: string;
  readonly reason: string;
  readonly payload: string;
  readonly ts?: number;
}
