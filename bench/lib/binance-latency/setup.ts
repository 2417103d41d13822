// What both sides of bench/binance-latency.ts share: the fake venue's credentials, symbol and path,
// the waits, and the clock every process stamps on.
import type { Kline } from '../../../src/domain/index.js';
import { loadMarketData } from '../../../src/streams/market-data.js';

/** Candles of history the session warms its indicators on (revealed before it starts). */
export const HISTORY = 100;
/** Quiet time that ends a candle's cascade. */
export const IDLE_MS = 10;
export const WAIT_MS = 15_000;
export const KEY = 'bench-latency-key';
export const SECRET = 'bench-latency-secret';
export const AVAX = 'AVAXUSDT';
export const STREAM = 'avaxusdt@kline_1m';

/** µs on CLOCK_MONOTONIC: comparable between this bench and its venue process. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The real path both venues step through: AVAXUSDT 1m candles from examples/data/klines. */
export const loadPath = (): readonly Kline[] =>
  loadMarketData('examples/data/klines', { symbols: [AVAX], to: Date.UTC(2026, 1, 2) }).klinesBySymbol.get(
    AVAX,
  ) ?? [];

/** Polls `check` every millisecond until it holds; throws naming `what` after `timeoutMs`. */
export const until = async (what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench/binance-latency.ts: timed out waiting for ${what}`);
    await sleep(1);
  }
};
