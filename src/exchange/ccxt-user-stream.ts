import type { z } from 'zod';
import type { ExchangeError } from '../domain/index.js';
import { wallSleep } from '../kernel/clock.js';
import { type BinanceClient, forgetClosedConnections } from './binance-client.js';
import { type AlgoUpdate, type OrderUpdate, parseStreamUpdate } from './ccxt-order-reports.js';
import { forgetListenKey } from './ccxt-order-submit.js';
import { venueErrorOf } from './venue-errors.js';

/**
 * The user-data stream of `CcxtExchange`: ccxt.pro's `watchOrders` (listenKey created, kept alive
 * and re-created by ccxt) in a loop until the exchange closes. Each order (`ORDER_TRADE_UPDATE`)
 * and conditional-order (`ALGO_UPDATE`) message goes to its handler; one it cannot read is
 * reported, not fatal. A dropped stream — or an expired listenKey — is reconnected with backoff
 * (from `firstDelayMs`, doubling to 30 s) with a fresh listenKey; the first message after it calls
 * `onReconnected`, so fills the outage hid are read over REST.
 */
export interface UserStreamOptions {
  readonly client: BinanceClient;
  readonly closed: () => boolean;
  readonly firstDelayMs: number;
  readonly onOrder: (update: z.infer<typeof OrderUpdate>) => void;
  readonly onAlgo: (update: z.infer<typeof AlgoUpdate>) => void;
  readonly onReconnected: () => void;
  readonly onWarning: (error: ExchangeError) => void;
}

export const watchUserStream = async (options: UserStreamOptions): Promise<void> => {
  const { client } = options;
  let delay = options.firstDelayMs;
  let reconnecting = false;
  while (!options.closed()) {
    try {
      const updates = await client.watchOrders();
      if (reconnecting) {
        reconnecting = false;
        options.onReconnected();
      }
      delay = options.firstDelayMs;
      for (const update of updates) {
        const info = (update as { info?: unknown }).info;
        const parsed = parseStreamUpdate(info);
        if (parsed.kind === 'order') options.onOrder(parsed.update);
        else if (parsed.kind === 'algo') options.onAlgo(parsed.update);
        else
          options.onWarning(
            venueErrorOf(
              new Error(`user-data message not understood: ${JSON.stringify(info).slice(0, 200)}`),
              'user-data stream',
            ),
          );
      }
    } catch (error) {
      if (options.closed()) return;
      options.onWarning(venueErrorOf(error, 'user-data stream'));
      forgetClosedConnections(client);
      forgetListenKey(client);
      reconnecting = true;
      await wallSleep(delay);
      delay = Math.min(delay * 2, 30_000);
    }
  }
};
