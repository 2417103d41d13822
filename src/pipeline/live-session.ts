import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { merge, type Observable, Subject, type Subscription } from 'rxjs';
import {
  type BusEvent,
  type CancelOrder,
  type DeadLetter,
  type EngineEvent,
  type Kline,
  type MarketEvent,
  type OrderRequest,
  type Position,
  type SymbolFilters,
  unfilledReportOf,
  type VenueEvent,
  type VenueStatusEvent,
} from '../domain/index.js';
import type { Exchange } from '../exchange/exchange.js';
import { WallClock, wallNow } from '../kernel/clock.js';
import { TOPICS } from '../kernel/topics.js';
import type { buildModels } from './build-models.js';
import type { PipelineConfig } from './config.js';
import { connectVenue, isGraphOutput, tradingKernel } from './graph.js';

/**
 * A paper, testnet or live session: the backtest's kernel and stages on the wall clock, fed by a
 * live market source, trading through a venue (the simulator for paper, Binance for testnet and
 * live). Only the source, the clock and the exchange differ from a backtest (DESIGN.md §1).
 *
 * - **One sequence.** Market events and the venue's own reports (its websocket: fills, triggers,
 *   cancels) are handed to the kernel one at a time, in arrival order, each to quiescence — the
 *   barrier of a backtest, so a decision never sees half of a cascade.
 * - **Warm-up.** A session starts with the closed candles before `liveFromTs` (indicator windows
 *   need history). They run through the whole graph, but a decision they cause is not sent: an
 *   order made on a candle that closed before the session went live is refused at the door
 *   (`QT_STALE_DECISION`), so no order is ever sent on an old price.
 * - **Recording.** Every market event and every output of the graph is appended to
 *   `<recordDir>/market.jsonl` and `events.jsonl` as it happens: the session can be replayed as a
 *   backtest (`quantum backtest --data <recordDir>/market.jsonl`) and compared.
 * - **Stop** (the `signal`): the source is closed, what is queued is finished, the venue's streams
 *   are closed. Nothing is flattened: positions stay at the venue with their stops.
 */
export interface LiveSessionOptions {
  readonly config: PipelineConfig;
  readonly exchange: Exchange;
  readonly market$: Observable<Kline>;
  readonly models: ReturnType<typeof buildModels>;
  /** Candles that close before this instant are warm-up: no order is sent on them. */
  readonly liveFromTs: number;
  readonly signal: AbortSignal;
  /** Where the session is recorded (created); none when absent. */
  readonly recordDir?: string;
  /** What `session.json` says of the session besides the config and `liveFromTs` (mode, venue, symbols). */
  readonly describe?: Readonly<Record<string, unknown>>;
  /** Every output of the graph, as it is published. */
  readonly onEvent?: (event: EngineEvent | DeadLetter) => void;
  /** A market event or venue report was handled to quiescence (its whole cascade published). */
  readonly onProcessed?: (event: BusEvent) => void;
  /** The venue's status reports on connect (the start-up banner shows the account from them). */
  readonly onConnected?: (reports: readonly VenueStatusEvent[]) => void;
  /** Wall clock (tests may pass another). */
  readonly now?: () => number;
}

/** The files of a recorded session. */
export const SESSION_FILES = {
  session: 'session.json',
  market: 'market.jsonl',
  events: 'events.jsonl',
} as const;

/** `session.json`: the config the session ran, the warm-up boundary, and how it ran. */
export interface SessionFile {
  readonly version: 1;
  readonly liveFromTs: number;
  readonly config: PipelineConfig;
  readonly [key: string]: unknown;
}

export interface LiveSessionSummary {
  readonly marketEvents: number;
  readonly outputs: number;
  readonly refusedStale: number;
  readonly deadLetters: number;
}

/** Appends JSON lines to a file, one write per line (a killed session loses at most the line in flight). */
class JsonlAppender {
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }
  append(event: object): void {
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The venue with a door that refuses orders made on warm-up candles: an order whose `ts` (the time
 * of the event that caused it) is before `liveFromTs` is answered REJECTED at once on the venue's
 * own report stream, like a venue refusal, so the engine cancels the rest of its bracket as it
 * would for any refused entry.
 */
export const warmUpGate = (exchange: Exchange, liveFromTs: number, onRefused: () => void): Exchange => {
  const refusals = new Subject<VenueEvent>();
  return {
    name: exchange.name,
    connect: (ts) => exchange.connect(ts),
    events$: merge(exchange.events$, refusals),
    onMarket: (event: MarketEvent) => exchange.onMarket(event),
    createOrder: (order: OrderRequest) => {
      if (order.ts >= liveFromTs) {
        exchange.createOrder(order);
        return;
      }
      onRefused();
      refusals.next(
        unfilledReportOf(order, 'REJECTED', {
          reason: `decision on a candle that closed before the session went live (${new Date(order.ts).toISOString()}); not sent`,
          errorCode: 'QT_STALE_DECISION',
        }),
      );
    },
    cancelOrder: (command: CancelOrder) => exchange.cancelOrder(command),
    fetchPositions: (): readonly Position[] => exchange.fetchPositions(),
    filtersOf: (symbol: string): SymbolFilters => exchange.filtersOf(symbol),
    close: (ts, symbol) => exchange.close(ts, symbol),
  };
};

/** Run a live session until `signal` aborts; resolves with its counts after the venue is closed. */
export const runLiveSession = async (options: LiveSessionOptions): Promise<LiveSessionSummary> => {
  const { config, signal } = options;
  const now = options.now ?? wallNow;
  let refusedStale = 0;
  let marketEvents = 0;
  let outputs = 0;
  let deadLetters = 0;
  if (options.recordDir !== undefined) {
    mkdirSync(options.recordDir, { recursive: true });
    // What a replay needs to run the recording as a backtest: the config and the warm-up boundary.
    const session: SessionFile = { version: 1, ...options.describe, liveFromTs: options.liveFromTs, config };
    writeFileSync(join(options.recordDir, SESSION_FILES.session), `${JSON.stringify(session, null, 2)}\n`);
  }
  const marketLog =
    options.recordDir === undefined
      ? undefined
      : new JsonlAppender(join(options.recordDir, SESSION_FILES.market));
  const eventLog =
    options.recordDir === undefined
      ? undefined
      : new JsonlAppender(join(options.recordDir, SESSION_FILES.events));

  // One sequence for everything the kernel is handed: each item to quiescence, in arrival order.
  let tail: Promise<void> = Promise.resolve();
  let failure: unknown;
  const enqueue = (event: BusEvent, topic: (typeof TOPICS)[keyof typeof TOPICS]): void => {
    tail = tail.then(async () => {
      if (failure !== undefined) return;
      try {
        await kernel.process(event, topic);
        options.onProcessed?.(event);
      } catch (error) {
        failure = error;
      }
    });
  };

  const gate = warmUpGate(options.exchange, options.liveFromTs, () => refusedStale++);
  const reports: VenueStatusEvent[] = [];
  const clock = new WallClock();
  const kernel = tradingKernel(
    config,
    {
      exchange: gate,
      models: options.models,
      onVenueReport: (event) => enqueue(event, TOPICS.executionResult),
    },
    {
      clock,
      onEvent: (envelope) => {
        const kind = envelope.event.kind;
        if (
          kind === 'account-status-report' ||
          kind === 'position-status-report' ||
          kind === 'reconciliation-completed'
        ) {
          reports.push(envelope.event as VenueStatusEvent);
        }
        if (!isGraphOutput(envelope)) return;
        const event = envelope.event as EngineEvent | DeadLetter;
        outputs++;
        if (event.kind === 'dead-letter') deadLetters++;
        eventLog?.append(event);
        options.onEvent?.(event);
      },
      onFatal: (error) => {
        failure ??= error;
      },
    },
  );
  await connectVenue(kernel, now());
  options.onConnected?.(reports);

  let subscription: Subscription | undefined;
  const stopped = new Promise<void>((resolve, reject) => {
    const stop = (): void => {
      subscription?.unsubscribe();
      resolve();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    subscription = options.market$.subscribe({
      next: (kline) => {
        marketEvents++;
        marketLog?.append(kline);
        enqueue(kline, TOPICS.klines);
      },
      error: (error: unknown) => reject(error),
      complete: () => resolve(),
    });
  });
  try {
    await stopped;
    await tail;
    if (failure !== undefined) throw failure;
  } finally {
    // Live never flattens: the venue's streams close, positions and stops stay at the venue.
    if (options.exchange.name !== 'sim') options.exchange.close(now());
    clock.dispose();
    marketLog?.close();
    eventLog?.close();
  }
  return { marketEvents, outputs, refusedStale, deadLetters };
};
