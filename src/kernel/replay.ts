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
  const endsEarly = endOfData ? earlyEnds(events) : new Map<number, string>();
  let lastTs = 0;
  for (let index = 0; index < total; index++) {
    const event = events[index];
    lastTs = event.ts;
    const held = options.beforeEach?.(index);
    if (held !== undefined) await held;
    const pending = kernel.process(event, marketTopicOf(event));
    if (pending !== undefined) await pending;
    options.afterEach?.(index);
    // Most replays have no early end: skip the lookup then (this loop runs per event).
    const ended = endsEarly.size === 0 ? undefined : endsEarly.get(index);
    if (ended !== undefined) {
      const closing = kernel.process({ kind: 'end-of-data', ts: event.ts, symbol: ended }, TOPICS.control);
      if (closing !== undefined) await closing;
    }
    if ((index + 1) % every === 0 && index + 1 < total) {
      options.onProgress?.(index + 1, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (endOfData && total > 0) {
    const pending = kernel.end(lastTs);
    if (pending !== undefined) await pending;
  }
  options.onProgress?.(total, total);
};

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
