import type { Subscriber } from 'rxjs';
import {
  type BinanceClient,
  forgetClosedConnections,
  prepareBinanceClient,
} from '../exchange/binance-client.js';
import { venueErrorOf } from '../exchange/venue-errors.js';
import { wallTimer } from '../kernel/clock.js';

/**
 * What the live Binance sources (`liveKlines`, `liveTrades`, `liveQuotes`) share: timers cleared
 * when a source is unsubscribed, the client made ready (markets loaded) before any stream, and a
 * watch loop that reconnects with backoff.
 */

/** Timers a source sleeps on (wall time), all cleared when it is unsubscribed. */
export const sleeper = (): { sleep: (ms: number) => Promise<void>; clear: () => void } => {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  return {
    sleep: (ms) =>
      new Promise((resolve) => {
        const handle = wallTimer(() => {
          timers.delete(handle);
          resolve();
        }, ms);
        timers.add(handle);
      }),
    clear: () => {
      for (const handle of timers) clearTimeout(handle);
    },
  };
};

/** Ready the client (its URLs, its markets); on failure the source errors, naming `what`. */
export const readyClient = async (
  client: BinanceClient,
  subscriber: Subscriber<unknown>,
  what: string,
): Promise<boolean> => {
  try {
    await prepareBinanceClient(client);
    await client.loadMarkets();
    return true;
  } catch (error) {
    subscriber.error(venueErrorOf(error, `${what}: load markets`));
    return false;
  }
};

/**
 * Run `once` (one read of a stream) until `stopped()`; after a failure, report it, forget the dead
 * connection, wait (from `firstDelayMs`, doubling to 30 s) and run `onReconnect` (the REST catch-up
 * of what the outage missed) before reading again.
 */
export const keepWatching = async (options: {
  readonly what: string;
  readonly client: BinanceClient;
  readonly firstDelayMs: number;
  readonly stopped: () => boolean;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onWarning?: (message: string) => void;
  readonly once: () => Promise<void>;
  readonly onReconnect: () => Promise<void>;
}): Promise<void> => {
  let delay = options.firstDelayMs;
  while (!options.stopped()) {
    try {
      await options.once();
      delay = options.firstDelayMs;
    } catch (error) {
      if (options.stopped()) return;
      options.onWarning?.(`${venueErrorOf(error, options.what).message}; reconnecting in ${delay} ms`);
      forgetClosedConnections(options.client);
      await options.sleep(delay);
      delay = Math.min(delay * 2, 30_000);
      await options.onReconnect();
    }
  }
};
