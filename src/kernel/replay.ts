import type { MarketEvent } from '../domain/index.js';
import type { Kernel } from './kernel.js';
import { marketTopicOf } from './topics.js';

export interface ReplayOptions {
  /** Called every `progressEvery` events and at the end, with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** How often to report progress and let the event loop run (a progress bar, signals); default 20,000. */
  readonly progressEvery?: number;
  /** Send `EndOfData` after the last event (backtest: the simulated venue closes what is open). Default true. */
  readonly endOfData?: boolean;
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
  let lastTs = 0;
  for (let index = 0; index < total; index++) {
    const event = events[index];
    lastTs = event.ts;
    const pending = kernel.process(event, marketTopicOf(event));
    if (pending !== undefined) await pending;
    if ((index + 1) % every === 0 && index + 1 < total) {
      options.onProgress?.(index + 1, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (options.endOfData !== false && total > 0) {
    const pending = kernel.end(lastTs);
    if (pending !== undefined) await pending;
  }
  options.onProgress?.(total, total);
};
