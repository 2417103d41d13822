import { z } from 'zod';
import { SymbolId, TimestampMs } from './common.js';
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
import type { ModelFindingRaised, ModelPerformanceMeasured } from './model-supervision.js';
import type { CancelOrder, OrderRequest, OrderSubmitted } from './order.js';
import type { PortfolioSnapshot, TradeClosed } from './position.js';
import type { PositionAssessed, RegimeChanged } from './regime.js';
import type { ModelPrediction, Signal } from './signal.js';
import type { Tick } from './tick.js';
import type { UniverseChanged } from './universe.js';

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
  | ModelFindingRaised
  | ModelPerformanceMeasured
  | RegimeChanged
  | UniverseChanged
  | PositionAssessed
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
  | EndOfData
  | ConnectVenue;

/** What travels on the kernel's bus: every engine event, and dead letters on `dlq`. */
export type BusEvent = EngineEvent | Tick | DeadLetter;

/** A timer set on the kernel's clock came due (`TimerFired`); delivered to the stage that set it. */
export const TimerFired = z
  .object({
    kind: z.literal('timer-fired'),
    ts: TimestampMs,
    /** Name the stage gave the timer. */
    name: z.string(),
    /** Stage that set it. */
    owner: z.string(),
  })
  .readonly();
export type TimerFired = z.infer<typeof TimerFired>;

/**
 * The recorded market ended (`EndOfData`): a backtest-only notion. The simulated venue closes what
 * is open (reason END_OF_DATA); a live feed never sends it, so a live run never flattens the account.
 */
export const EndOfData = z
  .object({
    kind: z.literal('end-of-data'),
    ts: TimestampMs,
    /** Only this symbol's data ended (series of different lengths); absent: all data ended. */
    symbol: SymbolId.optional(),
  })
  .readonly();
export type EndOfData = z.infer<typeof EndOfData>;

/**
 * Connect to the venue (`ConnectVenue`, a command on `execution.command`): the venue stage answers
 * with its status reports (account, positions, resting orders, `ReconciliationCompleted`) before
 * the first market event — in one process and across services alike.
 */
export const ConnectVenue = z
  .object({
    kind: z.literal('connect-venue'),
    ts: TimestampMs,
  })
  .readonly();
export type ConnectVenue = z.infer<typeof ConnectVenue>;

/** Malformed input, kept as data on `quantum:stream:dlq`: where it came from and why it was refused. */
export const DeadLetter = z
  .object({
    kind: z.literal('dead-letter'),
    origin: z.string(),
    reason: z.string(),
    payload: z.string(),
    ts: TimestampMs.optional(),
  })
  .readonly();
export type DeadLetter = z.infer<typeof DeadLetter>;
