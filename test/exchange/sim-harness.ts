// Shared arrangement for the SimExchange specs: a venue with round numbers (no slippage, no
// default funding, tick 0.01) whose events are recorded, and candle/order builders on a clock
// that starts at 01:00 UTC (the next funding instant, 08:00, is far away unless a test wants it).

import type { z } from 'zod';
import type { ExecutionResult, Fill, Kline, OrderRequest, VenueEvent } from '../../src/domain/index.js';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import type { simExchangeParams } from '../../src/exchange/sim-exchange-params.js';
import { kline } from '../builders.js';

export const MINUTE_MS = 60_000;
/** Close of candle −1 (the priming candle); candle i closes at T0 + (i + 1) minutes. */
export const T0 = Date.UTC(2024, 0, 1, 1, 0);

/** Candle i (1m) with the given prices; volume 10 unless told. */
export const bar = (
  i: number,
  prices: { open: number; high: number; low: number; close: number } & Partial<Kline>,
): Kline => kline({ ts: T0 + (i + 1) * MINUTE_MS, volume: 10, ...prices });

/** A market entry: BUY 1 BTCUSDT sent at T0 (the close of the priming candle). */
export const order = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: 'en-1',
  intentId: 'intent-1',
  symbol: 'BTCUSDT',
  ts: T0,
  side: 'BUY',
  type: 'MARKET',
  qty: 1,
  reduceOnly: false,
  purpose: 'ENTRY',
  positionSide: 'LONG',
  ...overrides,
});

/** A long's stop-loss (reduce-only SELL STOP_MARKET) at `stopPrice`. */
export const stopLoss = (stopPrice: number, overrides: Partial<OrderRequest> = {}): OrderRequest =>
  order({
    clientOrderId: 'sl-1',
    side: 'SELL',
    type: 'STOP_MARKET',
    stopPrice,
    reduceOnly: true,
    purpose: 'STOP_LOSS',
    ...overrides,
  });

/** A long's take-profit (reduce-only SELL TAKE_PROFIT_MARKET) at `stopPrice`. */
export const takeProfit = (stopPrice: number, overrides: Partial<OrderRequest> = {}): OrderRequest =>
  order({
    clientOrderId: 'tp-1',
    side: 'SELL',
    type: 'TAKE_PROFIT_MARKET',
    stopPrice,
    reduceOnly: true,
    purpose: 'TAKE_PROFIT',
    ...overrides,
  });

export interface Harness {
  readonly venue: SimExchange;
  readonly events: VenueEvent[];
  readonly fills: () => Fill[];
  readonly results: () => ExecutionResult[];
  /** Status sequence of one order's reports. */
  readonly statusesOf: (clientOrderId: string) => string[];
  completed: boolean;
}

/** A venue primed with candle −1 (close 100) so orders have a reference price. */
export const harness = (params: z.input<typeof simExchangeParams> = {}): Harness => {
  const venue = new SimExchange(
    {
      slippage: { bps: 0 },
      defaultFundingRate: null,
      filters: { BTCUSDT: { tickSize: 0.01, stepSize: 0.001, minQty: 0.001, minNotionalUsdt: 5 } },
      ...params,
    },
    createPrng(1),
  );
  const events: VenueEvent[] = [];
  const h: Harness = {
    venue,
    events,
    fills: () => events.filter((e): e is Fill => e.kind === 'fill'),
    results: () => events.filter((e): e is ExecutionResult => e.kind === 'execution-result'),
    statusesOf: (id) =>
      events
        .filter((e): e is ExecutionResult => e.kind === 'execution-result' && e.clientOrderId === id)
        .map((e) => e.status),
    completed: false,
  };
  venue.events$.subscribe({ next: (e) => events.push(e), complete: () => (h.completed = true) });
  venue.onMarket(bar(-1, { open: 100, high: 100, low: 100, close: 100 }));
  return h;
};

/** Equality for money computed with floats. */
export const near = (actual: number, expected: number, tolerance = 1e-9): boolean =>
  Math.abs(actual - expected) <= tolerance;
