import type { Subscription } from 'rxjs';
import type {
  BusEvent,
  OrderRequest,
  OrderSubmitted,
  VenueEvent,
  VenueStatusEvent,
} from '../domain/index.js';
import type { Exchange } from '../exchange/exchange.js';
import { STAGE_RANK, type Stage, type StageContext } from '../kernel/stage.js';
import { TOPICS } from '../kernel/topics.js';

/** The fact that the engine handed `order` to the venue. */
export const orderSubmittedOf = (order: OrderRequest): OrderSubmitted => {
  // Optional keys set after the literal, not spread (one report per order sent).
  const submitted: { -readonly [K in keyof OrderSubmitted]: OrderSubmitted[K] } = {
    kind: 'order-submitted',
    clientOrderId: order.clientOrderId,
    intentId: order.intentId,
    symbol: order.symbol,
    ts: order.ts,
    side: order.side,
    type: order.type,
    purpose: order.purpose,
    positionSide: order.positionSide,
    qty: order.qty,
    reduceOnly: order.reduceOnly,
  };
  if (order.leverage !== undefined) submitted.leverage = order.leverage;
  const price = order.type === 'LIMIT' ? order.price : order.stopPrice;
  if (price !== undefined) submitted.price = price;
  return submitted;
};

/**
 * The venue as a kernel stage (rank 0: it sees every market event first, so its fills, funding and
 * liquidations are handled everywhere before the candle itself). Market events go to
 * `exchange.onMarket`; `SubmitOrder` commands become an `OrderSubmitted` and then
 * `exchange.createOrder`; `CancelOrder`s go to `exchange.cancelOrder`; `ConnectVenue` to `exchange.connect`, whose status reports it publishes; `EndOfData` (backtest only)
 * to `exchange.close`. What the venue reports while the stage handles an event is published on
 * `execution.result` as that event's consequence; a report that arrives between events (a live
 * venue's websocket) goes to `onExternal`, which hands it to the kernel as an event of its own.
 */
export const venueStage = (
  exchange: Exchange,
  onExternal: (event: VenueEvent) => void = () => undefined,
): Stage & { readonly dispose: () => void } => {
  // The context of the handler call in progress; undefined between calls.
  let handling: StageContext | undefined;
  const subscription: Subscription = exchange.events$.subscribe((event) => {
    if (handling === undefined) onExternal(event);
    else handling.emit(event, TOPICS.executionResult);
  });
  return {
    name: 'venue',
    rank: STAGE_RANK.venue,
    consumes: [TOPICS.klines, TOPICS.ticks, TOPICS.executionCommands, TOPICS.control],
    quiet: undefined,
    publishes: [TOPICS.executionResult],
    handle(event: BusEvent, context): void | Promise<void> {
      handling = context;
      try {
        switch (event.kind) {
          case 'kline':
          case 'tick':
            exchange.onMarket(event);
            return;
          case 'order-request':
            context.emit(orderSubmittedOf(event), TOPICS.executionResult);
            exchange.createOrder(event);
            return;
          case 'cancel-order':
            exchange.cancelOrder(event);
            return;
          case 'connect-venue': {
            // The reports are this command's consequences: emitted while it is being handled. The
            // simulator answers at once (a promise here would put every later cascade on a slower path).
            const reports = exchange.connect(event.ts);
            if (!Array.isArray(reports)) {
              return (reports as Promise<readonly VenueStatusEvent[]>).then((answered) => {
                for (const report of answered) context.emit(report, TOPICS.executionResult);
              });
            }
            for (const report of reports as readonly VenueStatusEvent[])
              context.emit(report, TOPICS.executionResult);
            return;
          }
          case 'end-of-data':
            exchange.close(event.ts, event.symbol);
            return;
          default:
            return;
        }
      } finally {
        handling = undefined;
      }
    },
    dispose: () => subscription.unsubscribe(),
  };
};
