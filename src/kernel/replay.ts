import type { MarketEvent } from '../domain/index.js';
import type { Kernel } from './kernel.js';
import { marketTopicOf, TOPICS } from './topics.js';

export interface ReplayOptions {
  /** Called every `progressEvery` events and at the end, with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** How often to report progress and let the event loop run (a progress bar, signals); default 20,000. */
  readonly progressEvery?: number;
  /**
   * Send `EndOfData` after the last event (backtest: the simulated venue closes what is open), and
   * a symbol's own `EndOfData` right after its last event when its data ends earlier than the rest
   * (its position closes there, reason END_OF_DATA, instead of holding a slot until the end).
   * Default true.
   */
  readonly endOfData?: boolean;
  /**
   * Called with each event's index just before it is released (the split run's lookahead, a paced
   * replay); a returned promise holds the release until it settles.
   */
  readonly beforeEach?: (index: number) => void | Promise<void>;
  /** Called with each event's index once its cascade is quiet (latency measurement). */
  readonly afterEach?: (index: number) => void;
}

/**
 * Replays recorded market events through the kernel behind the quiescence barrier: the next event
 * is released only when the previous one's whole cascade is handled (awaited when a stage is
 * async), so the result is that of a synchronous replay whatever the stages' timing. Yields to the
 * event loop between cascades every `progressEvery` events — pacing only, never order.
 */
export const replayMarket = async (
  kernel: Kernel,
  events: readonly MarketEvent[],
  options: ReplayOptions = {},
): Promise<void> => {
  const every = Math.max(1, options.progressEvery ?? 20_000);
  const total = events.length;
  const endOfData = options.endOfData !== false;
  // Symbols whose data ends before the rest: their last event's index, to close them there.
  const release = new Release(kernel, events, options, endOfData ? earlyEnds(events) : new Map());
  let index = 0;
  while (index < total) {
    const boundary = Math.min(total, index - (index % every) + every);
    index = release.span(index, boundary);
    const pending = release.take();
    if (pending !== undefined) await pending;
    if (index === boundary && index % every === 0 && index < total) {
      options.onProgress?.(index, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (endOfData && total > 0) {
    const pending = kernel.end(events[total - 1].ts);
    if (pending !== undefined) await pending;
  }
  options.onProgress?.(total, total);
};

/**
 * The replay's per-event steps as plain (not async) functions: a span of synchronous cascades runs
 * in one optimized loop (V8 does not optimize an async function's loop while it runs: an async
 * replay loop stayed in baseline code for the whole backtest), and the first cascade that answers
 * with a promise ends the span, its remaining steps chained on that promise.
 */
class Release {
  private pending: Promise<void> | undefined;

  constructor(
    private readonly kernel: Kernel,
    private readonly events: readonly MarketEvent[],
    private readonly options: ReplayOptions,
    private readonly endsEarly: ReadonlyMap<number, string>,
  ) {}

  /** Releases events `from` … `to − 1` while their cascades are synchronous; returns the next index. */
  span(from: number, to: number): number {
    const { options, kernel, events } = this;
    if (options.beforeEach === undefined && options.afterEach === undefined && this.endsEarly.size === 0) {
      // A backtest's replay: nothing around each cascade.
      for (let index = from; index < to; index++) {
        const event = events[index];
        const pending = kernel.process(event, marketTopicOf(event));
        if (pending !== undefined) {
          this.pending = pending;
          return index + 1;
        }
      }
      return to;
    }
    for (let index = from; index < to; index++) {
      const pending = this.one(index);
      if (pending !== undefined) {
        this.pending = pending;
        return index + 1;
      }
    }
    return to;
  }

  /** What the last span waits for (its last event's remaining steps), once. */
  take(): Promise<void> | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  /** One event: the hold before it, its cascade, then what follows it. */
  private one(index: number): void | Promise<void> {
    const held = this.options.beforeEach?.(index);
    if (held !== undefined) return held.then(() => this.processed(index));
    return this.processed(index);
  }

  private processed(index: number): void | Promise<void> {
    const event = this.events[index];
    const pending = this.kernel.process(event, marketTopicOf(event));
    if (pending !== undefined) return pending.then(() => this.after(index));
    return this.after(index);
  }

  /** After an event's cascade: `afterEach`, and its symbol's own end when its data ends here. */
  private after(index: number): void | Promise<void> {
    this.options.afterEach?.(index);
    // Most replays have no early end: skip the lookup then (this runs per event).
    const ended = this.endsEarly.size === 0 ? undefined : this.endsEarly.get(index);
    if (ended === undefined) return undefined;
    return this.kernel.process(
      { kind: 'end-of-data', ts: this.events[index].ts, symbol: ended },
      TOPICS.control,
    );
  }
}

/**
 * For recorded series of different lengths: index of each symbol's last event when it comes before
 * the data's last timestamp (a symbol that ends with the data is closed by the final EndOfData).
 */
const earlyEnds = (events: readonly MarketEvent[]): Map<number, string> => {
  const lastIndex = new Map<string, number>();
  // Written when the symbol changes (a run of one symbol's events costs one Map write, not one each).
  let symbol: string | undefined;
  for (let index = 0; index < events.length; index++) {
    const next = events[index].symbol;
    if (next === symbol) continue;
    if (symbol !== undefined) lastIndex.set(symbol, index - 1);
    symbol = next;
  }
  if (symbol !== undefined) lastIndex.set(symbol, events.length - 1);
  const finalTs = events.length > 0 ? events[events.length - 1].ts : 0;
  const ends = new Map<number, string>();
  for (const [symbol, index] of lastIndex) if (events[index].ts < finalTs) ends.set(index, symbol);
  return ends;
};
