import type { Position, VenueStatusEvent } from '../domain/index.js';
import { isOpenStatus, type SymbolBook } from './sim-order-book.js';

/**
 * The simulated venue's state as the status events a venue reports on connect (reconciliation,
 * DESIGN.md §1a): the account, each open position, each resting order (its latest report flagged
 * `reconciliation`, with its prices and position side), then `ReconciliationCompleted`.
 */
export const venueStatusReports = (
  ts: number,
  walletUsdt: number,
  positions: readonly Position[],
  books: Iterable<SymbolBook>,
): VenueStatusEvent[] => {
  const reports: VenueStatusEvent[] = [
    { kind: 'account-status-report', ts, walletUsdt, reconciliation: true },
  ];
  for (const position of positions) {
    reports.push({
      kind: 'position-status-report',
      symbol: position.symbol,
      ts,
      side: position.side,
      qty: position.qty,
      entryPrice: position.entryPrice,
      leverage: position.leverage,
      markPrice: position.markPrice,
      openedTs: position.openedTs,
      intentId: position.intentId,
      reconciliation: true,
    });
  }
  let orders = 0;
  for (const book of books) {
    for (const order of book.orders) {
      if (!isOpenStatus(order.status)) continue;
      orders++;
      const { request } = order;
      reports.push({
        ...order.last,
        ts,
        positionSide: request.positionSide,
        ...(request.stopPrice === undefined ? {} : { stopPrice: request.stopPrice }),
        ...(request.price === undefined ? {} : { price: request.price }),
        reconciliation: true,
      });
    }
  }
  reports.push({ kind: 'reconciliation-completed', ts, positions: positions.length, orders });
  return reports;
};
