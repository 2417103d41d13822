import { roundToStep } from '../domain/symbol-filters.js';
import type { FakeSymbol, VenuePosition } from './fake-venue-types.js';

/** Position book-keeping for the fake venue's one-way (`BOTH`) positions. */

/** How a new position opens: the symbol's leverage and margin type at the time. */
export interface PositionOpening {
  readonly leverage: number;
  readonly marginType: 'cross' | 'isolated';
}

/** Apply a signed quantity at `price` to the one-way position; returns the realized PnL. */
export function applyToPosition(
  positions: Map<string, VenuePosition>,
  spec: FakeSymbol,
  signed: number,
  price: number,
  now: number,
  opening: () => PositionOpening,
): number {
  const symbol = spec.symbol;
  const position = positions.get(symbol);
  if (position === undefined) {
    positions.set(symbol, {
      symbol,
      amt: signed,
      entryPrice: price,
      ...opening(),
      updateTime: now,
    });
    return 0;
  }
  position.updateTime = now;
  if (Math.sign(position.amt) === Math.sign(signed)) {
    const amt = position.amt + signed;
    position.entryPrice = (position.entryPrice * position.amt + price * signed) / amt;
    position.amt = roundToStep(amt, spec.stepSize, 'nearest');
    return 0;
  }
  const closed = Math.min(Math.abs(signed), Math.abs(position.amt));
  const realized = (price - position.entryPrice) * closed * Math.sign(position.amt);
  const rest = roundToStep(position.amt + signed, spec.stepSize, 'nearest');
  if (rest === 0) positions.delete(symbol);
  else if (Math.sign(rest) === Math.sign(position.amt)) position.amt = rest;
  else {
    position.amt = rest;
    position.entryPrice = price;
  }
  return realized;
}
