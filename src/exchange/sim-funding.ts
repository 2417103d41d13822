import { dataSettlementInstant, directionOf, fundingIntervalMs, type VenueEvent } from '../domain/index.js';
import type { SimExchangeParams } from './sim-exchange-params.js';
import type { SimLedger } from './sim-matcher.js';
import type { SymbolBook } from './sim-order-book.js';

/**
 * The simulated venue's funding (see `SimExchange`): a rate from data is one settlement, at its
 * candle's last whole hour, and makes the symbol data-driven — from then on it pays what its data
 * lists and nothing else, at whatever interval the data has (8 h, 4 h, 1 h). A symbol without data
 * pays `defaultFundingRate` at every `fundingIntervalHours` instant of the grid.
 */
export class SimFunding {
  private readonly intervalMs: number;
  private readonly defaultRate: number | null;

  constructor(
    params: SimExchangeParams,
    private readonly ledger: SimLedger,
    private readonly emit: (event: VenueEvent) => void,
  ) {
    this.intervalMs = fundingIntervalMs(params.fundingIntervalHours);
    this.defaultRate = params.defaultFundingRate;
  }

  /** Settles what falls in (since, until], each open position at `markPrice`. */
  settle(
    book: SymbolBook,
    since: number,
    until: number,
    markPrice: number,
    dataRate: number | undefined,
  ): void {
    if (dataRate !== undefined) {
      book.fundingFromData = true;
      const instant = dataSettlementInstant(since, until);
      if (instant <= book.lastFundingTs) return;
      book.lastFundingTs = instant;
      this.pay(book, instant, dataRate, markPrice);
      return;
    }
    // The data lists every settlement of a symbol it covers: a candle without a rate holds none.
    if (book.fundingFromData) return;
    const interval = this.intervalMs;
    let instant = Math.floor(Math.max(since, book.lastFundingTs) / interval) * interval + interval;
    if (instant > until) return;
    const rate = this.defaultRate;
    for (; instant <= until; instant += interval) {
      book.lastFundingTs = instant;
      if (rate !== null) this.pay(book, instant, rate, markPrice);
    }
  }

  /** The open position (if any) pays qty × mark × rate × direction at `instant`. */
  private pay(book: SymbolBook, instant: number, rate: number, markPrice: number): void {
    const position = book.position;
    if (position === undefined) return;
    const amountUsdt = position.qty * markPrice * rate * directionOf(position.side);
    this.ledger.fundingUsdt += amountUsdt;
    this.emit({
      kind: 'funding-paid',
      symbol: book.symbol,
      ts: instant,
      positionSide: position.side,
      rate,
      markPrice,
      qty: position.qty,
      amountUsdt,
    });
  }
}
