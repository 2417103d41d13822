import { getHeapStatistics } from 'node:v8';

/**
 * Heap a backtest needs per candle, all in: the candle itself (~280 B, its numbers boxed) and what
 * the run records of it. Measured: a 600 k-candle backtest (3 × 200 k synthetic 1m) runs out of a
 * 281 MB heap and completes in a 365 MB one (`--max-old-space-size` 220 and 300).
 */
export const BACKTEST_BYTES_PER_CANDLE = 550;

const gb = (bytes: number): string => (bytes / 1e9).toFixed(1);

/**
 * A warning, before the replay, when a backtest of `candles` may not fit Node's heap (its estimate
 * reaches 80 % of the limit): the limit is fixed at start, and running out of it is a crash after
 * minutes of work with V8's message only. Undefined when it fits.
 */
export const memoryWarning = (
  candles: number,
  heapLimitBytes: number = getHeapStatistics().heap_size_limit,
): string | undefined => {
  const neededBytes = candles * BACKTEST_BYTES_PER_CANDLE;
  if (neededBytes < 0.8 * heapLimitBytes) return undefined;
  // Room for the estimate and half again, in whole GB.
  const suggestedMb = Math.ceil((neededBytes * 1.5) / 2 ** 30) * 1024;
  return (
    `${candles.toLocaleString('en-US')} candles need about ${gb(neededBytes)} GB of memory with what the run ` +
    `records, and Node's heap limit here is ${gb(heapLimitBytes)} GB: the run may run out of memory. ` +
    `Raise the limit (NODE_OPTIONS=--max-old-space-size=${suggestedMb}) or backtest fewer symbols or months at a time`
  );
};
