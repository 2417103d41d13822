import type { MarketEvent } from '../domain/index.js';

/**
 * The kernel's topics: the stream names of DESIGN.md §4 without the `quantum:stream:` prefix, plus
 * the engine's own (commands to the venue, denials, control). In one process a topic is a list of
 * subscribers; split across processes it is the Redis stream `quantum:stream:<topic>`.
 */
export const TOPICS = {
  /** Closed klines (`Kline`). */
  klines: 'market.klines',
  /** Trades and book ticks (`Tick`). */
  ticks: 'market.tick',
  /** Each symbol's market regime when it changes (`RegimeChanged`). */
  regime: 'meta.regime',
  /** The trading universe when it changes (`UniverseChanged`, Universe OS): the symbols new entries may open on. */
  universe: 'meta.universe',
  /** Open positions' assessments when they change (`PositionAssessed`, PIL). */
  positionAssessed: 'position.assessed',
  /** The ensemble's BUY/SELL calls with every vote (`Signal`). */
  signals: 'ai.signal_generated',
  /** The model supervisor's findings and every model's record against outcomes (`ModelFindingRaised`, `ModelPerformanceMeasured`). */
  modelSupervisor: 'ai.model_supervisor',
  /** Requests to open a position (`TradeIntent`). */
  intents: 'trade.intent',
  /** The sizer's answers (`SizingDecision`), before risk. */
  sizingDecided: 'sizing.decided',
  /** The sizer's answers after portfolio balancing (`SizingDecision`, maybe shrunk), when it is on. */
  sizingFinal: 'sizing.final',
  /** Decisions approved by the risk governor (`SizingDecision`, rounded to the venue's filters). */
  governorExecution: 'governor.execution',
  /** Refusals by the sizer or a risk gate (`OrderDenied`) and kill-switch trips (`KillSwitchTripped`). */
  governorDenied: 'governor.denied',
  /** Commands to the venue (`OrderRequest` = SubmitOrder, `CancelOrder`). */
  executionCommands: 'execution.command',
  /** The venue's reports and our `OrderSubmitted` (`ExecutionResult`, `Fill`, `FundingPaid`, `PositionLiquidated`). */
  executionResult: 'execution.result',
  /** Round trips that ended (`TradeClosed`). */
  tradeClosed: 'trade.closed',
  /** Account state (`PortfolioSnapshot`). */
  portfolio: 'portfolio.snapshot_updated',
  /** Timers and end of data (`TimerFired`, `EndOfData`). */
  control: 'control',
  /** Malformed input and stage failures (`DeadLetter`). */
  dlq: 'dlq',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Redis stream key of a topic (`quantum:stream:<topic>`), e.g. for the Redis bus. */
export const streamKeyOf = (topic: Topic): string => `quantum:stream:${topic}`;

/** Topic of a market event. */
export const marketTopicOf = (event: MarketEvent): Topic =>
  event.kind === 'kline' ? TOPICS.klines : TOPICS.ticks;
