import { BinanceApiError } from './binance-errors.js';
import type { AlgoOrder, VenueOrder } from './fake-venue-types.js';

/** Order look-ups over the fake venue's order books, failing as Binance does (`-2013`, `-1102`). */

/** Find an order by id or client id (`-2013` when unknown). */
export function findOrder(
  orders: ReadonlyMap<number, VenueOrder>,
  symbol: string,
  orderId?: number,
  clientOrderId?: string,
): VenueOrder {
  if (orderId === undefined && clientOrderId === undefined) {
    throw new BinanceApiError(
      -1102,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
      400,
    );
  }
  for (const o of orders.values()) {
    if (o.symbol !== symbol) continue;
    if (
      (orderId !== undefined && o.orderId === orderId) ||
      (clientOrderId !== undefined && o.clientOrderId === clientOrderId)
    )
      return o;
  }
  throw new BinanceApiError(-2013, 'Order does not exist.', 400);
}

/** Find a conditional order by id or client id (`-2013` when unknown). */
export function findAlgoOrder(
  algoOrders: ReadonlyMap<number, AlgoOrder>,
  algoId?: number,
  clientAlgoId?: string,
): AlgoOrder {
  if (algoId === undefined && clientAlgoId === undefined) {
    throw new BinanceApiError(
      -1102,
      "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!",
      400,
    );
  }
  for (const a of algoOrders.values()) {
    if (
      (algoId !== undefined && a.algoId === algoId) ||
      (clientAlgoId !== undefined && a.clientAlgoId === clientAlgoId)
    )
      return a;
  }
  throw new BinanceApiError(-2013, 'Order does not exist.', 400);
}
