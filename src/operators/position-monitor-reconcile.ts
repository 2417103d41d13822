/**
 * The position monitor's reconciliation steps, run once the venue's status reports are in (after
 * a connect): orphaned protective orders are cancelled, adopted positions without a stop get one.
 */
import { type CancelOrder, directionOf, type OrderRequest, roundToStep } from '../domain/index.js';
import { placeStop, type Tracked } from './position-monitor-stops.js';

/**
 * After the venue's status reports: a stop, take-profit or exit resting for a symbol with no
 * position (its position closed while the engine was away) is cancelled — left alone it would
 * open a position the day its price is reached.
 */
export const cancelOrphans = (
  positions: ReadonlyMap<string, Tracked>,
  reconciledProtective: Map<string, string>,
  ts: number,
  emit: (out: OrderRequest | CancelOrder) => void,
): void => {
  for (const [clientOrderId, symbol] of reconciledProtective) {
    if (positions.has(symbol)) continue;
    emit({
      kind: 'cancel-order',
      clientOrderId,
      symbol,
      ts,
      reason: `orphan protective order: no ${symbol} position at the venue`,
    });
  }
  reconciledProtective.clear();
};

/** After the venue's status reports: every adopted position without a resting stop gets one. */
export const protectAdopted = (
  positions: ReadonlyMap<string, Tracked>,
  p: { readonly adoptedStopPct: number },
  tickSizeOf: (symbol: string) => number,
  ts: number,
  emit: (out: OrderRequest | CancelOrder) => void,
): void => {
  if (!(p.adoptedStopPct > 0)) return;
  for (const [symbol, position] of positions) {
    if (position.stopClientOrderId !== undefined || position.replacing !== undefined) continue;
    const direction = directionOf(position.held.side);
    // Beyond the worse of entry and the current price, so the stop is on the protective side now.
    const reference =
      direction > 0
        ? Math.min(position.held.entryPrice, position.bestClose)
        : Math.max(position.held.entryPrice, position.bestClose);
    const stopPrice = roundToStep(
      reference * (1 - (direction * p.adoptedStopPct) / 100),
      tickSizeOf(symbol),
      position.held.side === 'LONG' ? 'down' : 'up',
    );
    if (!(stopPrice > 0)) continue;
    if (!(position.riskPerUnit > 0)) position.riskPerUnit = Math.abs(position.held.entryPrice - stopPrice);
    placeStop(
      position,
      symbol,
      ts,
      stopPrice,
      'STOP_LOSS',
      `adopted ${position.held.side} ${position.held.qty} ${symbol} had no stop at the venue: ${p.adoptedStopPct}% beyond ${reference}`,
      emit,
    );
  }
};
