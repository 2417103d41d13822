import {
  connectable,
  defer,
  filter,
  merge,
  Observable,
  type OperatorFunction,
  Subject,
  Subscription,
  share,
  tap,
} from 'rxjs';
import type {
  CancelOrder,
  EngineEvent,
  KillSwitchTripped,
  Kline,
  MarketEvent,
  OrderDenied,
  OrderRequest,
  PortfolioSnapshot,
  SizingDecision,
} from '../domain/index.js';
import type { Exchange, VenueEvent } from '../exchange/exchange.js';
import type { Model } from '../models/model.js';
import { ensembleVote } from '../operators/ensemble-vote.js';
import { featureVectors } from '../operators/feature-vector.js';
import { killSwitch } from '../operators/kill-switch.js';
import { orderBracket } from '../operators/order-bracket.js';
import { portfolioAccounting } from '../operators/portfolio.js';
import { positionMonitor } from '../operators/position-monitor.js';
import { positionSizing } from '../operators/position-sizing.js';
import { predict } from '../operators/predict.js';
import { riskGates } from '../operators/risk-gates.js';
import { signalToIntent } from '../operators/signal-to-intent.js';
import { ensembleWeights, type PipelineConfig } from './config.js';

/** What the graph needs from outside: the venue (the only thing that differs between modes) and the models. */
export interface GraphDeps {
  readonly exchange: Exchange;
  readonly models: readonly Model[];
}

/** A type-narrowing filter on one event kind (runs for every event: a plain compare). */
const isKind =
  <K extends EngineEvent['kind']>(kind: K) =>
  (event: { kind: string }): event is Extract<EngineEvent, { kind: K }> =>
    event.kind === kind;

/**
 * The trading graph: market events in, every engine event out — the same graph in backtest, paper,
 * testnet and live; only the market source, the clock and `deps.exchange` differ (DESIGN.md §1).
 *
 * Per market event, in this order (all synchronous for a simulated venue, so a backtest is one
 * deterministic sequence):
 * 1. the venue sees the event (fills, funding, liquidations are reported first);
 * 2. portfolio accounting marks to market and emits a `PortfolioSnapshot` (+ `TradeClosed`);
 * 3. the kill switch and the position monitor react (exits before entries);
 * 4. features → models → ensemble → intent → sizing → risk gates → order bracket → venue.
 *
 * Emits venue events, snapshots, closed trades, signals, intents, sizing decisions, denials,
 * kill-switch trips, order requests and cancels; completes after the venue closed (END_OF_DATA
 * exits included) once the market completes.
 */
export const tradingGraph =
  (config: PipelineConfig, deps: GraphDeps): OperatorFunction<MarketEvent, EngineEvent> =>
  (market$) =>
    defer(() => {
      const { exchange } = deps;
      const initialEquityUsdt = config.exchange.initialBalanceUsdt;
      const { flattenOnKill, ...riskParams } = config.risk;
      // The venue's filters are the one truth about tick and step sizes (live: loaded from the exchange).
      const filtersOf = (symbol: string) => exchange.filtersOf(symbol);
      // Time of the last market event, for the venue's end-of-data close.
      let lastTs = 0;
      const engine$ = connectable<MarketEvent | VenueEvent>(
        merge(
          exchange.events$,
          market$.pipe(
            tap({
              next: (event) => {
                lastTs = event.ts;
                exchange.onMarket(event);
              },
              complete: () => exchange.close(lastTs),
            }),
          ),
        ),
        { connector: () => new Subject(), resetOnDisconnect: false },
      );

      // Approved sizing decisions tell the accounting and the monitor each position's entry, stop and 1R.
      const approved$ = new Subject<SizingDecision>();
      const accounting$ = merge(engine$, approved$).pipe(
        portfolioAccounting(
          { initialBalanceUsdt: initialEquityUsdt },
          { maintenanceMarginRateOf: (symbol) => filtersOf(symbol).maintenanceMarginRate },
        ),
        share(),
      );
      const snapshots$ = accounting$.pipe(filter(isKind('portfolio'))) as Observable<PortfolioSnapshot>;
      const klines$ = engine$.pipe(filter(isKind('kline'))) as Observable<Kline>;

      const killSwitch$ = snapshots$.pipe(
        killSwitch({ maxDrawdownPct: config.risk.maxDrawdownPct, flatten: flattenOnKill }),
      );
      const monitor$ = merge(engine$, approved$).pipe(
        positionMonitor(config.monitor, { filtersOf }),
      ) as Observable<OrderRequest | CancelOrder>;

      const batches$ = klines$.pipe(
        featureVectors({ features: config.features }),
        predict(deps.models),
        share(),
      );
      const signals$ = batches$.pipe(
        ensembleVote({ ...config.ensemble, weights: ensembleWeights(config), emitHold: false }),
        share(),
      );
      const intents$ = signals$.pipe(signalToIntent(config.strategy), share());
      const sized$ = intents$.pipe(
        positionSizing({ ...config.sizing, initialEquityUsdt }, snapshots$),
        share(),
      );
      const gated$ = sized$.pipe(
        filter(isKind('sizing')),
        riskGates({ ...riskParams, initialEquityUsdt }, snapshots$, { filtersOf }),
        tap((event) => {
          if (event.kind === 'sizing') approved$.next(event);
        }),
        share(),
      ) as Observable<SizingDecision | OrderDenied | KillSwitchTripped>;
      const entryOrders$ = gated$.pipe(filter(isKind('sizing')), orderBracket(config.orders));

      // Commands reach the venue in the order they were decided.
      const commands$ = merge(killSwitch$, monitor$, entryOrders$).pipe(
        tap((command) => {
          if (command.kind === 'order') exchange.createOrder(command);
          else if (command.kind === 'cancel') exchange.cancelOrder(command);
        }),
      );

      const venueEvents$ = engine$.pipe(filter((event) => event.kind !== 'kline' && event.kind !== 'tick'));
      const out$ = merge(
        venueEvents$,
        accounting$,
        commands$,
        signals$,
        intents$,
        sized$.pipe(filter(isKind('denied'))),
        // The kill switch operator announces the trip; the gates' own notice would repeat it.
        gated$.pipe(filter((event) => event.kind !== 'kill-switch')),
      ) as Observable<EngineEvent>;

      return new Observable<EngineEvent>((subscriber) => {
        // The approvals loop ends with the engine: first in line, so the merges above can complete.
        // A container of its own: children added to the first subscription would be torn down when it completes.
        const subscription = new Subscription();
        subscription.add(
          engine$.subscribe({
            error: (error: unknown) => approved$.error(error),
            complete: () => approved$.complete(),
          }),
        );
        subscription.add(out$.subscribe(subscriber));
        subscription.add(engine$.connect());
        return subscription;
      });
    });
