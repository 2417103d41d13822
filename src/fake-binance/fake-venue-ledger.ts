import type { Kline } from '../domain/index.js';
import { FUNDING_INTERVAL_MS, fundingInstantsIn, fundingIntervalMs } from '../domain/index.js';
import type { FakeVenue } from './fake-venue.js';
import type {
  FakeSymbol,
  FakeVenueOptions,
  IncomeRecord,
  IncomeType,
  VenuePosition,
  VenueUpdate,
} from './fake-venue-types.js';

/**
 * The fake venue's ledger: the wallet and margin arithmetic, funding settlement and income records.
 * `FakeVenue` owns the state; these steps read and move it through `VenueInternals`.
 */

/** The venue's private state the fill and ledger steps need, handed to them by `FakeVenue`. */
export interface VenueInternals {
  readonly venue: FakeVenue;
  readonly options: FakeVenueOptions;
  /** The path's current time: close time of the last revealed candle. */
  now(): number;
  /** Takes the next id; orders, algo orders, trades and income records share one sequence. */
  takeId(): number;
  /** Tells every listener of an update, in the order they happen. */
  emit(update: VenueUpdate): void;
}

/** Unrealized PnL of a position at the last price. */
export function unrealizedPnl(venue: FakeVenue, position: VenuePosition): number {
  return (venue.priceOf(position.symbol) - position.entryPrice) * position.amt;
}

/** Initial margin the open positions hold (notional at the last price / leverage). */
export function positionMarginOf(venue: FakeVenue): number {
  let sum = 0;
  for (const p of venue.positions.values()) sum += (Math.abs(p.amt) * venue.priceOf(p.symbol)) / p.leverage;
  return sum;
}

/** Initial margin resting orders reserve (orders that can only reduce reserve none). */
export function orderMarginOf(venue: FakeVenue): number {
  let sum = 0;
  for (const o of venue.orders.values()) {
    if (o.reduceOnly || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) continue;
    sum += ((o.origQty - o.executedQty) * o.price) / venue.leverageOf(o.symbol);
  }
  return sum;
}

/** Unrealized PnL of every open position. */
export function totalUnrealizedOf(venue: FakeVenue): number {
  let sum = 0;
  for (const p of venue.positions.values()) sum += venue.unrealized(p);
  return sum;
}

/** Wallet plus unrealized PnL, less the margin positions hold and resting orders reserve. */
export function availableBalanceOf(venue: FakeVenue): number {
  return venue.wallet + venue.totalUnrealized() - venue.positionMargin() - venue.orderMargin();
}

/** An income ledger entry, stamped with the path's time unless `time` is given. */
export function incomeRecord(
  internals: VenueInternals,
  symbol: string,
  incomeType: IncomeType,
  income: number,
  info: string,
  tradeId: string,
  time = internals.now(),
): IncomeRecord {
  return { tranId: internals.takeId(), symbol, incomeType, income, time, tradeId, info };
}

/** Hours → ms between `spec`'s funding settlements (8 h unless the symbol says otherwise). */
export const fundingIntervalMsOf = (spec: FakeSymbol): number =>
  spec.fundingIntervalHours === undefined
    ? FUNDING_INTERVAL_MS
    : fundingIntervalMs(spec.fundingIntervalHours);

/** Charge funding at each of the symbol's settlement instants inside the candle (several in a long candle). */
export function settleFunding(internals: VenueInternals, candle: Kline): void {
  const { venue } = internals;
  const rate = candle.fundingRate ?? internals.options.fundingRate;
  const markPrice = candle.close;
  // Instants in (openTime, ts]: the candle that closes at 08:00 pays the 08:00 funding.
  const interval = fundingIntervalMsOf(venue.symbolOf(candle.symbol));
  for (const fundingTime of fundingInstantsIn(candle.openTime, candle.ts, interval)) {
    venue.funding.push({ symbol: candle.symbol, fundingTime, fundingRate: rate, markPrice });
    const position = venue.positions.get(candle.symbol);
    if (position === undefined) continue;
    const fee = -position.amt * markPrice * rate;
    venue.wallet += fee;
    venue.income.push(incomeRecord(internals, candle.symbol, 'FUNDING_FEE', fee, 'USDT', '', fundingTime));
    internals.emit({ kind: 'account', reason: 'FUNDING_FEE', symbols: [candle.symbol] });
  }
}
