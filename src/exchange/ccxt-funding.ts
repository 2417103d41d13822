import { z } from 'zod';
import {
  FUNDING_INTERVAL_MS,
  type FundingPaid,
  fundingIntervalMs,
  type PositionSide,
} from '../domain/index.js';
import { wallSleep } from '../kernel/clock.js';
import type { BinanceClient } from './binance-client.js';
import { venueErrorOf } from './venue-errors.js';

/**
 * Funding the account paid or received on Binance, as the engine's `FundingPaid` events, so the
 * portfolio's wallet follows the venue's (issue #16: fills, fees *and funding* match the ledger).
 *
 * Binance settles funding at fixed instants (every 8 h at 00:00, 08:00, 16:00 UTC on most symbols,
 * every 4 h or every hour on some: `loadFundingIntervals`) and books each payment as a
 * `FUNDING_FEE` income row. After a candle whose `(openTime, ts]` holds a settlement instant, the venue asks `GET /fapi/v1/income` for the symbol's funding rows
 * since just before it, and `GET /fapi/v1/fundingRate` for the rate and mark price of that instant.
 * Each row becomes one event, once (by Binance's `tranId`), stamped with the settlement instant.
 * Binance may post the row a moment after the instant: while a position was held and no row is
 * there yet, it asks again (1 s, 2 s, 4 s … up to a minute).
 */

const FundingInfoRows = z.array(
  z.looseObject({ symbol: z.string(), fundingIntervalHours: z.coerce.number().int().min(1).max(24) }),
);

/** Each symbol's settlement interval (ms); symbols not listed settle every 8 h. */
export type FundingIntervals = ReadonlyMap<string, number>;

/**
 * The symbols whose funding settles at another interval than 8 h (`GET /fapi/v1/fundingInfo`:
 * Binance lists the symbols whose cap, floor or interval it adjusted — some settle every 4 h or
 * every hour). A failed request leaves every symbol at 8 h, with a warning naming the error.
 */
export const loadFundingIntervals = async (
  client: BinanceClient,
  onWarning?: (message: string) => void,
): Promise<FundingIntervals> => {
  try {
    const rows = FundingInfoRows.parse(await client.fapiPublicGetFundingInfo());
    return new Map(rows.map((row) => [row.symbol, fundingIntervalMs(row.fundingIntervalHours)]));
  } catch (error) {
    onWarning?.(`${venueErrorOf(error, 'funding intervals').message}; funding is looked for every 8 h`);
    return new Map();
  }
};

/** `symbol`'s settlement interval, ms. */
export const fundingIntervalOf = (intervals: FundingIntervals, symbol: string): number =>
  intervals.get(symbol) ?? FUNDING_INTERVAL_MS;

const IncomeRow = z.looseObject({
  symbol: z.string(),
  incomeType: z.string(),
  income: z.coerce.number(),
  time: z.coerce.number(),
  tranId: z.union([z.string(), z.number()]).transform(String),
});

const FundingRateRow = z.looseObject({
  fundingTime: z.coerce.number(),
  fundingRate: z.coerce.number(),
  markPrice: z.coerce.number().optional(),
});

/** What the venue held at the instant: the side and quantity of the symbol's position, if any. */
export interface HeldAtInstant {
  readonly side: PositionSide;
  readonly qty: number;
}

/**
 * The funding of `symbol` at `instant` as events, each once (`seen` holds the tranIds already
 * reported). `held` is the position at the instant; without one (it may have opened and closed in
 * between) the side follows from the signs of the payment and the rate.
 */
export const fetchFundingPaid = async (
  client: BinanceClient,
  symbol: string,
  instant: number,
  held: HeldAtInstant | undefined,
  seen: Set<string>,
  options: { readonly retries?: number; readonly firstWaitMs?: number } = {},
): Promise<FundingPaid[]> => {
  const retries = options.retries ?? (held === undefined ? 0 : 6);
  let wait = options.firstWaitMs ?? 1_000;
  for (let attempt = 0; ; attempt++) {
    const rows = z
      .array(IncomeRow)
      .parse(
        await client.fapiPrivateGetIncome({
          symbol,
          incomeType: 'FUNDING_FEE',
          startTime: instant - 60_000,
          endTime: instant + 60_000,
          limit: 100,
        }),
      )
      .filter((row) => row.incomeType === 'FUNDING_FEE' && row.symbol === symbol && !seen.has(row.tranId));
    if (rows.length > 0 || attempt >= retries)
      return rows.length === 0 ? [] : withRates(client, symbol, instant, held, rows, seen);
    await wallSleep(wait);
    wait = Math.min(wait * 2, 60_000);
  }
};

const withRates = async (
  client: BinanceClient,
  symbol: string,
  instant: number,
  held: HeldAtInstant | undefined,
  rows: readonly z.infer<typeof IncomeRow>[],
  seen: Set<string>,
): Promise<FundingPaid[]> => {
  const rates = z.array(FundingRateRow).parse(
    await client.fapiPublicGetFundingRate({
      symbol,
      startTime: instant - 60_000,
      endTime: instant + 60_000,
      limit: 10,
    }),
  );
  const events: FundingPaid[] = [];
  for (const row of rows) {
    seen.add(row.tranId);
    // The settlement nearest the booking.
    const rate = rates.reduce<z.infer<typeof FundingRateRow> | undefined>(
      (best, r) =>
        best === undefined || Math.abs(r.fundingTime - row.time) < Math.abs(best.fundingTime - row.time)
          ? r
          : best,
      undefined,
    );
    const fundingRate = rate?.fundingRate ?? 0;
    const markPrice = rate?.markPrice ?? 0;
    // Binance books a payment as negative income; the engine's amount is what the account paid.
    const amountUsdt = -row.income;
    const side: PositionSide = held?.side ?? (amountUsdt > 0 === fundingRate > 0 ? 'LONG' : 'SHORT');
    const qty =
      held?.qty ??
      (markPrice > 0 && fundingRate !== 0 ? Math.abs(amountUsdt / (markPrice * fundingRate)) : 0);
    if (!(markPrice > 0 && qty > 0)) continue;
    events.push({
      kind: 'funding-paid',
      symbol,
      ts: instant,
      positionSide: side,
      rate: fundingRate,
      markPrice,
      qty,
      amountUsdt,
    });
  }
  return events;
};
