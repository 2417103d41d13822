import { Observable, type OperatorFunction } from 'rxjs';
import type { BusEvent, DeadLetter, EngineEvent, MarketEvent, VenueEvent } from '../domain/index.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Envelope } from '../kernel/envelope.js';
import { Kernel, type KernelOptions } from '../kernel/kernel.js';
import { type Handler, handlerStage } from '../kernel/operate.js';
import { STAGE_RANK, type Stage } from '../kernel/stage.js';
import { marketTopicOf, TOPICS, type Topic } from '../kernel/topics.js';
import type { AnyModel } from '../models/model.js';
import { createKillSwitch, killSwitchParams } from '../operators/kill-switch.js';
import { createMetaRegime } from '../operators/meta-regime.js';
import { createOrderBracket, orderBracketParams } from '../operators/order-bracket.js';
import { createPortfolioAccounting } from '../operators/portfolio.js';
import { createPortfolioBalancer } from '../operators/portfolio-balancer.js';
import { createPositionIntelligence } from '../operators/position-intelligence.js';
import { createPositionMonitor, positionMonitorParams } from '../operators/position-monitor.js';
import { createPositionSizing, positionSizingParams } from '../operators/position-sizing.js';
import { createProfitAmplifier } from '../operators/profit-amplifier.js';
import { createRiskGates, riskGatesParams } from '../operators/risk-gates.js';
import { createSignalToIntent, signalToIntentParams } from '../operators/signal-to-intent.js';
import { createSmartExecution } from '../operators/smart-execution.js';
import { universeStage } from '../operators/universe.js';
import { aiEngineStage } from './ai-engine-stage.js';
import type { PipelineConfig } from './config.js';
import { venueStage } from './venue-stage.js';

/** What the graph needs from outside: the venue (the only thing that differs between modes) and the models. */
export interface GraphDeps {
  readonly exchange: Exchange;
  readonly models: readonly AnyModel[];
  /** The venue's taker fee rate, for the free-margin gate's estimate (default: the config's sim rate). */
  readonly takerFeeRate?: number;
  /**
   * Where a live venue's reports that arrive between events go (its websocket): the session
   * hands each to the kernel as an event of its own. A simulator reports inside the call and
   * never uses it.
   */
  readonly onVenueReport?: (event: VenueEvent) => void;
}

/** A decision module's stage when its config section enables it, else nothing. */
const onlyIf = (enabled: boolean, stage: () => Stage): Stage[] => (enabled ? [stage()] : []);

/** Where each kind a decision stage emits is published. */
const commandOrDenial = (event: BusEvent): Topic =>
  event.kind === 'order-request' || event.kind === 'cancel-order'
    ? TOPICS.executionCommands
    : TOPICS.governorDenied;

/**
 * The trading graph's stages (DESIGN.md §1a), each with the topics it consumes and its declared
 * rank (`STAGE_RANK`) — the order in which a shared event reaches them:
 *
 * | rank | stage            | consumes                                              | publishes |
 * |------|------------------|-------------------------------------------------------|-----------|
 * | 0    | venue            | market.klines/tick, execution.command, control        | execution.result |
 * | 10   | portfolio        | market, execution.result, governor.execution, control | portfolio.snapshot_updated, trade.closed |
 * | 20   | kill-switch      | portfolio.snapshot_updated                            | governor.denied, execution.command |
 * | 30   | position-monitor | market.klines, execution.result, governor.execution   | execution.command |
 * | 32   | position-intelligence | market.klines, portfolio.snapshot_updated, governor.execution (when `pil.enabled`) | position.assessed |
 * | 33   | profit-amplifier | market.klines, execution.result, governor.execution, governor.denied, meta.universe (when `pal.enabled`) | execution.command (partial take-profit), sizing.decided (scale-in) |
 * | 35   | meta-regime      | market.klines (when `regime.enabled`)                 | meta.regime |
 * | 37   | universe         | market.klines, control (its refresh timer; when `universe.enabled`) | meta.universe |
 * | 40   | ai-engine        | market.klines (+ control: its timer, end of data, when `supervisor.enabled`) | ai.signal_generated (+ ai.model_supervisor) |
 * | 50   | strategy         | ai.signal_generated, meta.regime, meta.universe       | trade.intent, governor.denied |
 * | 60   | sizing           | trade.intent, portfolio.snapshot_updated, meta.regime | sizing.decided, governor.denied |
 * | 65   | portfolio-balancer | sizing.decided, portfolio.snapshot_updated, market.klines (when `balancer.enabled`) | sizing.final, governor.denied |
 * | 70   | risk-governor    | sizing.decided (sizing.final with the balancer), portfolio.snapshot_updated | governor.execution, governor.denied |
 * | 80   | execution        | governor.execution, execution.result (+ market.klines when `aelm.enabled`) | execution.command (+ governor.denied when `aelm.enabled`) |
 *
 * So per market event: the venue matches resting orders first (their fills are handled
 * everywhere before the candle), the account marks to market and publishes its snapshot, the
 * kill switch and the monitor protect what is open (exits before entries), then the decision
 * chain runs and the bracket's entry reaches the venue; its stop and take-profit follow the
 * venue's acceptance. Account state reaches sizing and risk only as snapshots on the bus.
 */
export const tradingStages = (config: PipelineConfig, deps: GraphDeps): Stage[] => {
  const { exchange } = deps;
  const initialEquityUsdt = config.exchange.initialBalanceUsdt;
  const { flattenOnKill, ...riskParams } = config.risk;
  // The venue's filters are the one truth about tick and step sizes (live: loaded from the exchange).
  const filtersOf = (symbol: string) => exchange.filtersOf(symbol);
  // What PAL only learns from.
  const palLearns = [
    TOPICS.governorExecution,
    TOPICS.governorDenied,
    ...(config.universe.enabled ? [TOPICS.universe] : []),
  ];
  // What the strategy only learns from (regimes and the universe: which sides and symbols may open).
  const strategyLearns = [
    ...(config.regime.enabled ? [TOPICS.regime] : []),
    ...(config.universe.enabled ? [TOPICS.universe] : []),
  ];
  return [
    venueStage(exchange, deps.onVenueReport),
    handlerStage({
      name: 'portfolio',
      rank: STAGE_RANK.portfolio,
      consumes: [
        TOPICS.klines,
        TOPICS.ticks,
        TOPICS.executionResult,
        TOPICS.governorExecution,
        TOPICS.control,
      ],
      // Approved decisions only tell the account each trade's risk per unit.
      quiet: [TOPICS.governorExecution],
      publishes: [TOPICS.portfolio, TOPICS.tradeClosed],
      handler: createPortfolioAccounting({ initialBalanceUsdt: initialEquityUsdt }, { filtersOf }) as Handler<
        BusEvent,
        EngineEvent
      >,
      topicOf: (event) => (event.kind === 'trade-closed' ? TOPICS.tradeClosed : TOPICS.portfolio),
    }),
    handlerStage({
      name: 'kill-switch',
      rank: STAGE_RANK.killSwitch,
      consumes: [TOPICS.portfolio],
      publishes: [TOPICS.governorDenied, TOPICS.executionCommands],
      handler: createKillSwitch(
        killSwitchParams.parse({ maxDrawdownPct: config.risk.maxDrawdownPct, flatten: flattenOnKill }),
      ),
      topicOf: commandOrDenial,
    }),
    handlerStage({
      name: 'position-monitor',
      rank: STAGE_RANK.positionMonitor,
      consumes: [TOPICS.klines, TOPICS.executionResult, TOPICS.governorExecution],
      // An approved decision is remembered until its entry fills.
      quiet: [TOPICS.governorExecution],
      publishes: [TOPICS.executionCommands],
      handler: createPositionMonitor(positionMonitorParams.parse(config.monitor), { filtersOf }),
      topicOf: () => TOPICS.executionCommands,
    }),
    ...onlyIf(config.pil.enabled, () =>
      handlerStage({
        name: 'position-intelligence',
        rank: STAGE_RANK.positionIntelligence,
        consumes: [TOPICS.klines, TOPICS.portfolio, TOPICS.governorExecution],
        // Snapshots and approved decisions only tell it the positions and their risk.
        quiet: [TOPICS.portfolio, TOPICS.governorExecution],
        publishes: [TOPICS.positionAssessed],
        handler: createPositionIntelligence(config.pil),
        topicOf: () => TOPICS.positionAssessed,
      }),
    ),
    ...onlyIf(config.pal.enabled, () =>
      handlerStage({
        name: 'profit-amplifier',
        rank: STAGE_RANK.profitAmplifier,
        consumes: [TOPICS.klines, TOPICS.executionResult, ...palLearns],
        // Approved and refused decisions only tell it each position's 1R and its scale-ins'
        // fate; the universe which symbols may still be added to.
        quiet: palLearns,
        publishes: [TOPICS.executionCommands, TOPICS.sizingDecided],
        handler: createProfitAmplifier(config.pal, filtersOf, { maxHoldMs: config.monitor.maxHoldMs }),
        topicOf: (event) =>
          event.kind === 'sizing-decision' ? TOPICS.sizingDecided : TOPICS.executionCommands,
      }),
    ),
    ...onlyIf(config.regime.enabled, () =>
      handlerStage({
        name: 'meta-regime',
        rank: STAGE_RANK.metaRegime,
        consumes: [TOPICS.klines],
        publishes: [TOPICS.regime],
        handler: createMetaRegime(config.regime),
        topicOf: () => TOPICS.regime,
      }),
    ),
    ...onlyIf(config.universe.enabled, () => universeStage(config.universe)),
    aiEngineStage(config, deps.models),
    handlerStage({
      name: 'strategy',
      rank: STAGE_RANK.strategy,
      // With regime detection or the universe on, their changes only update which sides and symbols may open.
      consumes: [TOPICS.signals, ...strategyLearns],
      // Without them, the strategy is fed by the ai-engine alone (the conductor sends it work ahead).
      ...(strategyLearns.length > 0 ? { quiet: strategyLearns } : {}),
      publishes: [TOPICS.intents, TOPICS.governorDenied],
      handler: createSignalToIntent(signalToIntentParams.parse(config.strategy)),
      topicOf: (event) => (event.kind === 'trade-intent' ? TOPICS.intents : TOPICS.governorDenied),
    }),
    handlerStage({
      name: 'sizing',
      rank: STAGE_RANK.sizing,
      consumes: config.regime.enabled
        ? [TOPICS.intents, TOPICS.portfolio, TOPICS.regime]
        : [TOPICS.intents, TOPICS.portfolio],
      // Snapshots only update the equity it sizes from; a regime change its scale.
      quiet: config.regime.enabled ? [TOPICS.portfolio, TOPICS.regime] : [TOPICS.portfolio],
      publishes: [TOPICS.sizingDecided, TOPICS.governorDenied],
      handler: createPositionSizing(positionSizingParams.parse({ ...config.sizing, initialEquityUsdt })),
      topicOf: (event) => (event.kind === 'sizing-decision' ? TOPICS.sizingDecided : TOPICS.governorDenied),
    }),
    ...onlyIf(config.balancer.enabled, () =>
      handlerStage({
        name: 'portfolio-balancer',
        rank: STAGE_RANK.portfolioBalancer,
        consumes: [TOPICS.sizingDecided, TOPICS.portfolio, TOPICS.klines],
        // Snapshots and candles only update the positions and the returns it reads.
        quiet: [TOPICS.portfolio, TOPICS.klines],
        publishes: [TOPICS.sizingFinal, TOPICS.governorDenied],
        handler: createPortfolioBalancer(config.balancer, initialEquityUsdt),
        topicOf: (event) => (event.kind === 'sizing-decision' ? TOPICS.sizingFinal : TOPICS.governorDenied),
      }),
    ),
    handlerStage({
      name: 'risk-governor',
      rank: STAGE_RANK.riskGovernor,
      consumes: [config.balancer.enabled ? TOPICS.sizingFinal : TOPICS.sizingDecided, TOPICS.portfolio],
      // Snapshots only update the account view its gates read.
      quiet: [TOPICS.portfolio],
      publishes: [TOPICS.governorExecution, TOPICS.governorDenied],
      handler: createRiskGates(riskGatesParams.parse({ ...riskParams, initialEquityUsdt }), {
        filtersOf,
        takerFeeRate: deps.takerFeeRate ?? config.exchange.takerFeeRate,
        // The kill-switch stage announces the trip; the gate's own notice would repeat it.
        announceKillSwitch: false,
      }),
      topicOf: (event) =>
        event.kind === 'sizing-decision' ? TOPICS.governorExecution : TOPICS.governorDenied,
    }),
    config.aelm.enabled
      ? handlerStage({
          name: 'execution',
          rank: STAGE_RANK.execution,
          // Candles feed its estimates and pace its slices, timeouts and retries.
          consumes: [TOPICS.governorExecution, TOPICS.executionResult, TOPICS.klines],
          publishes: [TOPICS.executionCommands, TOPICS.governorDenied],
          handler: createSmartExecution(config.aelm, {
            filtersOf,
            takerFeeRate: deps.takerFeeRate ?? config.exchange.takerFeeRate,
            makerFeeRate: config.exchange.makerFeeRate,
            takeProfit: config.orders.takeProfit,
          }),
          topicOf: commandOrDenial,
        })
      : handlerStage({
          name: 'execution',
          rank: STAGE_RANK.execution,
          consumes: [TOPICS.governorExecution, TOPICS.executionResult],
          publishes: [TOPICS.executionCommands],
          handler: createOrderBracket(orderBracketParams.parse(config.orders)),
          topicOf: () => TOPICS.executionCommands,
        }),
  ];
};

/** Whether an event on the bus is one of the graph's outputs (not market data, control, or a pre-risk decision). */
export const isGraphOutput = (envelope: Envelope): boolean => {
  const kind = envelope.event.kind;
  if (
    kind === 'kline' ||
    kind === 'tick' ||
    kind === 'timer-fired' ||
    kind === 'end-of-data' ||
    kind === 'connect-venue'
  )
    return false;
  if (
    kind === 'account-status-report' ||
    kind === 'position-status-report' ||
    kind === 'reconciliation-completed'
  )
    return false;
  return !(
    kind === 'sizing-decision' &&
    (envelope.topic === TOPICS.sizingDecided || envelope.topic === TOPICS.sizingFinal)
  );
};

/**
 * Connects the venue (`ConnectVenue` to the venue stage) at `ts`, before any market event: its
 * status reports (account, positions, resting orders, then `ReconciliationCompleted`) are published
 * as the command's consequences, so the account view and the position monitor adopt what is
 * already there, and positions found without a stop get one — the same cascade in one process and
 * across services.
 */
export const connectVenue = async (kernel: Kernel, ts: number): Promise<void> => {
  const pending = kernel.process({ kind: 'connect-venue', ts }, TOPICS.executionCommands);
  if (pending !== undefined) await pending;
};

/** A kernel with the trading graph's stages registered (in declared order, whatever the array order). */
export const tradingKernel = (
  config: PipelineConfig,
  deps: GraphDeps,
  options: KernelOptions & { readonly stages?: (stages: Stage[]) => Stage[] } = {},
): Kernel => {
  const kernel = new Kernel(options);
  const stages = tradingStages(config, deps);
  for (const stage of options.stages?.(stages) ?? stages) kernel.register(stage);
  return kernel;
};

/**
 * The trading graph as an rxjs operator: market events in, every engine event out — the same
 * kernel and stages as `runBacktest`, for marble tests and embedding. Each market event is
 * handled to quiescence before the next is taken (events arriving meanwhile wait, in order);
 * when the market completes, an `EndOfData` lets the simulated venue close what is open
 * (END_OF_DATA) and the account publish its final snapshot, then the output completes.
 * Emits venue reports, `OrderSubmitted`, snapshots, closed trades, signals, intents, approved
 * sizing decisions, denials, kill-switch trips, orders, cancels and dead letters.
 */
export const tradingGraph =
  (
    config: PipelineConfig,
    deps: GraphDeps,
    options: Omit<KernelOptions, 'onEvent'> & { readonly stages?: (stages: Stage[]) => Stage[] } = {},
  ): OperatorFunction<MarketEvent, EngineEvent | DeadLetter> =>
  (market$) =>
    new Observable<EngineEvent | DeadLetter>((subscriber) => {
      const kernel = tradingKernel(config, deps, {
        ...options,
        onEvent: (envelope) => {
          if (isGraphOutput(envelope)) subscriber.next(envelope.event as EngineEvent | DeadLetter);
        },
      });
      let lastTs = 0;
      let tail: Promise<void> | undefined;
      const fail = (error: unknown): void => subscriber.error(error);
      const run = (step: () => void | Promise<void>): void => {
        if (tail !== undefined) {
          tail = tail.then(step).catch((error: unknown) => {
            fail(error);
            throw error;
          });
          return;
        }
        try {
          const pending = step();
          if (pending !== undefined) {
            tail = pending.catch((error: unknown) => {
              fail(error);
              throw error;
            });
          }
        } catch (error) {
          fail(error);
        }
      };
      return market$.subscribe({
        next: (event) => {
          lastTs = event.ts;
          run(() => kernel.process(event, marketTopicOf(event)));
        },
        error: fail,
        complete: () => {
          run(() => kernel.end(lastTs));
          run(() => subscriber.complete());
        },
      });
    });
