import type { z } from 'zod';
import { type ExchangeError, type OrderRequest, RateLimitExceeded } from '../domain/index.js';
import { wallSleep } from '../kernel/clock.js';
import { type BinanceClient, rateLimitWaitMs } from './binance-client.js';
import { isConditional, UserTrade } from './ccxt-order-reports.js';
import { binanceCodeOf, venueErrorOf } from './venue-errors.js';

/**
 * Send an order; after a retryable failure (the request may have reached the venue), look it up
 * by client order id first, and send again only if the venue does not have it.
 */
export const sendOnce = async (
  client: BinanceClient,
  order: OrderRequest,
  symbol: string,
): Promise<{ info: unknown }> => {
  const conditional = isConditional(order.type);
  const params: Record<string, unknown> = { clientOrderId: order.clientOrderId };
  if (order.reduceOnly) params.reduceOnly = true;
  if (order.type === 'STOP_MARKET') params.stopLossPrice = order.stopPrice;
  if (order.type === 'TAKE_PROFIT_MARKET') params.takeProfitPrice = order.stopPrice;
  if (order.type === 'LIMIT') params.timeInForce = order.postOnly === true ? 'GTX' : 'GTC';
  const type = order.type === 'LIMIT' ? 'limit' : 'market';
  const side = order.side === 'BUY' ? 'buy' : 'sell';
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.createOrder(
        symbol,
        type,
        side,
        order.qty,
        order.type === 'LIMIT' ? order.price : undefined,
        params,
      );
    } catch (error) {
      const mapped = venueErrorOf(error, `order ${order.clientOrderId}`);
      if (!mapped.retryable || attempt >= 4) throw error;
      // A 429/418 is waited out to its Retry-After before the lookup (a budgeted client's budget
      // holds the lookup itself): anything sent sooner would turn the 429 into a 418 ban.
      await wallSleep(mapped instanceof RateLimitExceeded ? rateLimitWaitMs(client) : 250 * 2 ** attempt);
      try {
        const found = await client.fetchOrder(
          '',
          symbol,
          conditional
            ? { trigger: true, clientOrderId: order.clientOrderId }
            : { clientOrderId: order.clientOrderId },
        );
        return found;
      } catch (lookup) {
        if (binanceCodeOf(lookup) !== -2013) throw lookup; // not there: send again
      }
    }
  }
};

/** The listenKey may have expired (Binance sends listenKeyExpired and closes): ask for a new one. */
export const forgetListenKey = (client: BinanceClient): void => {
  const futures = (client.options as Record<string, Record<string, unknown> | undefined>).future;
  if (futures !== undefined) {
    futures.listenKey = undefined;
    futures.lastAuthenticatedTime = 0;
  }
};

/** An order's trades over REST (`userTrades` of its venue order id), each row in turn. */
export const forEachUserTrade = async (
  client: BinanceClient,
  symbol: string,
  orderId: string,
  onTrade: (trade: z.infer<typeof UserTrade>) => void,
  onBad: (error: ExchangeError) => void,
): Promise<void> => {
  const rows = (await client.fapiPrivateGetUserTrades({ symbol, orderId })) as unknown[];
  for (const row of rows) {
    const trade = UserTrade.safeParse(row);
    if (!trade.success) {
      onBad(venueErrorOf(new Error(`userTrades row not understood: ${trade.error.message}`), 'fetch fills'));
      continue;
    }
    onTrade(trade.data);
  }
};
