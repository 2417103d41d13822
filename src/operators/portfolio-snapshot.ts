/**
 * The account view's book and how it becomes a `PortfolioSnapshot`: the open round trips, the
 * marks, the working entries and the running totals that `portfolio.ts` keeps fill by fill, and
 * `snapshotAt`, which values them at the marks. Runs once per candle: one pass over the open
 * positions, shared frozen arrays when there is nothing to list.
 */
import {
  directionOf,
  type ExitReason,
  type PortfolioSnapshot,
  type Position,
  type PositionSide,
} from '../domain/index.js';
import {
  liquidationPrice,
  type MarginTiers,
  type PositionState,
  unrealizedPnlUsdt,
} from '../domain/position-math.js';

/** One position's life from flat to flat, accumulated fill by fill. */
export interface RoundTrip {
  position: PositionState;
  readonly symbol: string;
  readonly intentId: string;
  readonly entryTs: number;
  maxQty: number;
  entryQty: number;
  entryNotionalUsdt: number;
  exitQty: number;
  exitNotionalUsdt: number;
  grossPnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  reason: ExitReason | undefined;
  /** The position `liquidationPrice` was computed for: it changes only with the position (fills), not the mark. */
  liquidationOf: PositionState | undefined;
  liquidationPrice: number;
}

/** An entry order sent (SUBMITTED) or accepted by the venue (ACCEPTED) and not yet filled. */
export interface WorkingEntry {
  symbol: string;
  side: PositionSide;
  qty: number;
  leverage: number | undefined;
  state: 'SUBMITTED' | 'ACCEPTED';
}

/**
 * What one subscription's account holds, mutated in place by the account view (one object per
 * subscription, so a snapshot reads it without copying anything).
 */
export interface AccountBook {
  /** The open round trip per symbol. */
  readonly trips: Map<string, RoundTrip>;
  /** The last kline close (or tick price) per symbol (`markTo`). */
  readonly marks: Map<string, Mark>;
  /** Working entries by clientOrderId: risk counts them, so a venue that answers late cannot be overrun. */
  readonly working: Map<string, WorkingEntry>;
  /** A frozen copy of the last exit ts per symbol, shared by snapshots until the next exit. */
  lastExitTsView: Readonly<Record<string, number>>;
  /** The wallet the account starts from: the config's, until the venue reports its own on connect. */
  initialBalanceUsdt: number;
  realizedPnlUsdt: number;
  feesUsdt: number;
  fundingUsdt: number;
  /** Equity's high-water mark, advanced by every snapshot. */
  peakEquityUsdt: number;
  /** The UTC day (ts / DAY_MS) of the last snapshot, and the equity it started with. */
  day: number;
  dayStartEquityUsdt: number;
}

const DAY_MS = 86_400_000;

/** A symbol's mark, updated in place: a `Map` of numbers would box a new heap number per candle. */
export interface Mark {
  price: number;
}

/** Marks `symbol` at `price`. */
export const markTo = (marks: Map<string, Mark>, symbol: string, price: number): void => {
  const mark = marks.get(symbol);
  if (mark === undefined) marks.set(symbol, { price });
  else mark.price = price;
};

/** Shared by every flat snapshot: most candles have no open position. */
const NO_POSITIONS: readonly Position[] = Object.freeze([]);
const NO_WORKING_ENTRIES: PortfolioSnapshot['workingEntries'] = Object.freeze([]);

/** A fresh book: flat, nothing booked, starting from `initialBalanceUsdt`. */
export const emptyAccountBook = (initialBalanceUsdt: number): AccountBook => ({
  trips: new Map(),
  marks: new Map(),
  working: new Map(),
  lastExitTsView: Object.freeze({}),
  initialBalanceUsdt,
  realizedPnlUsdt: 0,
  feesUsdt: 0,
  fundingUsdt: 0,
  peakEquityUsdt: initialBalanceUsdt,
  day: Number.NaN,
  dayStartEquityUsdt: initialBalanceUsdt,
});

/** Working entries valued at the symbol's last mark. */
const workingEntriesAt = (
  working: ReadonlyMap<string, WorkingEntry>,
  marks: ReadonlyMap<string, Mark>,
): PortfolioSnapshot['workingEntries'] =>
  [...working.entries()].map(([clientOrderId, entry]) =>
    entry.leverage === undefined
      ? {
          clientOrderId,
          symbol: entry.symbol,
          side: entry.side,
          qty: entry.qty,
          notionalUsdt: entry.qty * (marks.get(entry.symbol)?.price ?? 0),
          state: entry.state,
        }
      : {
          clientOrderId,
          symbol: entry.symbol,
          side: entry.side,
          qty: entry.qty,
          notionalUsdt: entry.qty * (marks.get(entry.symbol)?.price ?? 0),
          leverage: entry.leverage,
          state: entry.state,
        },
  );

/**
 * The account at `ts`, each open position marked to its symbol's last mark (its entry price when
 * none arrived yet). Advances the book's peak equity and, on a new UTC day, its day-start equity.
 *
 * @param tiersOf the margin tiers per symbol (its leverage brackets, or one rate), for the
 *   liquidation prices shown.
 */
export const snapshotAt = (
  book: AccountBook,
  ts: number,
  tiersOf: (symbol: string) => MarginTiers,
): PortfolioSnapshot => {
  const { trips, marks, working } = book;
  let unrealized = 0;
  let usedMarginUsdt = 0;
  let grossExposureUsdt = 0;
  let netExposureUsdt = 0;
  // Sized once (a `[]` grows its backing store on the first push: one more allocation per snapshot).
  const positions = new Array<Position>(trips.size);
  let count = 0;
  for (const trip of trips.values()) {
    const position = trip.position;
    const markPrice = marks.get(trip.symbol)?.price ?? position.entryPrice;
    if (trip.liquidationOf !== position) {
      trip.liquidationOf = position;
      trip.liquidationPrice = liquidationPrice(position, tiersOf(trip.symbol));
    }
    const pnl = unrealizedPnlUsdt(position, markPrice);
    unrealized += pnl;
    usedMarginUsdt += position.marginUsdt;
    grossExposureUsdt += markPrice * position.qty;
    netExposureUsdt += markPrice * position.qty * directionOf(position.side);
    positions[count++] = {
      symbol: trip.symbol,
      side: position.side,
      qty: position.qty,
      entryPrice: position.entryPrice,
      leverage: position.leverage,
      marginUsdt: position.marginUsdt,
      liquidationPrice: trip.liquidationPrice,
      markPrice,
      unrealizedPnlUsdt: pnl,
      openedTs: trip.entryTs,
      intentId: trip.intentId,
    };
  }
  const { realizedPnlUsdt, feesUsdt, fundingUsdt } = book;
  const walletUsdt = book.initialBalanceUsdt + realizedPnlUsdt - feesUsdt - fundingUsdt;
  const equityUsdt = walletUsdt + unrealized;
  if (equityUsdt > book.peakEquityUsdt) book.peakEquityUsdt = equityUsdt;
  const peakEquityUsdt = book.peakEquityUsdt;
  const drawdownPct =
    peakEquityUsdt > 0
      ? Math.min(100, Math.max(0, ((peakEquityUsdt - equityUsdt) / peakEquityUsdt) * 100))
      : 0;
  const today = Math.floor(ts / DAY_MS);
  if (today !== book.day) {
    book.day = today;
    book.dayStartEquityUsdt = equityUsdt;
  }
  return {
    kind: 'portfolio-snapshot',
    ts,
    walletUsdt,
    unrealizedPnlUsdt: unrealized,
    equityUsdt,
    usedMarginUsdt,
    availableUsdt: walletUsdt - usedMarginUsdt,
    grossExposureUsdt,
    netExposureUsdt,
    realizedPnlUsdt,
    feesUsdt,
    fundingUsdt,
    peakEquityUsdt,
    drawdownPct,
    dayStartEquityUsdt: book.dayStartEquityUsdt,
    positions: count === 0 ? NO_POSITIONS : positions,
    lastExitTs: book.lastExitTsView,
    workingEntries: working.size === 0 ? NO_WORKING_ENTRIES : workingEntriesAt(working, marks),
  };
};
