// What the request-budget tests share (`request-budget.test.ts`, `request-budget-ccxt.test.ts`):
// Binance's weight minute, a clock 30× wall time, a fake Binance on it, and a weight-1 read through ccxt.
import * as assert from 'uvu/assert';
import type { BinanceClient } from '../../src/exchange/binance-client.js';
import { type BudgetClock, WEIGHT_WINDOW_MS } from '../../src/exchange/request-budget.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { startLinkFake } from '../fake-binance/harness.js';

export const MINUTE = WEIGHT_WINDOW_MS;
export const minuteOf = (t: number): number => Math.floor(t / MINUTE);

/**
 * Wall time `speed` times faster from `startMs`, for the fake server and the budget alike;
 * `restart` sets it back to `startMs` (after the slow first requests of a process, so a burst
 * starts where the test means it to).
 */
export const fastClock = (startMs: number, speed: number): BudgetClock & { restart(): void } => {
  let realStart = Date.now();
  return {
    now: () => startMs + (Date.now() - realStart) * speed,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / speed)),
    restart: () => {
      realStart = Date.now();
    },
  };
};

export const SPEED = 30;
/** The edge allowance on the fast clock: 3 s there is 100 ms of wall time (a loaded machine's latency). */
export const FAST_EDGE_MS = 3_000;
export const UNIFIED = 'LINK/USDT:USDT';

/** A fake Binance with `weightLimit` on a clock 30× wall time, started 5 s into a minute. */
export const startFastFake = async (
  weightLimit: number,
): Promise<{ fake: FakeBinance; clock: ReturnType<typeof fastClock> }> => {
  const clock = fastClock(Date.UTC(2026, 5, 1, 12, 0, 5), SPEED);
  const fake = await startLinkFake({ weightLimit, wallClock: clock.now });
  return { fake, clock };
};

/** Recent candles, weight 1 (limit < 100). Resolves with the fake time of the answer. */
export const readCandles = async (client: BinanceClient, clock: BudgetClock): Promise<number> => {
  const rows = await client.fetchOHLCV(UNIFIED, '1h', undefined, 5);
  assert.is(rows.length, 5);
  return clock.now();
};

/** How many distinct Binance minutes the answers came in. */
export const minutesSpanned = (times: readonly number[]): number => new Set(times.map(minuteOf)).size;
