import { Observable, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { DataError, INTERVAL_MS, Interval, type Kline, type Tick } from '../domain/index.js';

export const ticksToKlinesParams = z
  .object({
    interval: Interval.default('1m'),
    /**
     * A tick older than its symbol's open candle belongs to a candle already emitted, which
     * cannot change: `drop` ignores it (a live feed replaying after a reconnect), `error` fails
     * the stream with a `DataError` so a replay of unsorted data stops loudly.
     */
    lateTicks: z.enum(['drop', 'error']).default('drop'),
  })
  .strict();
export type TicksToKlinesParams = z.output<typeof ticksToKlinesParams>;

/** The open candle of one symbol, mutated in place as ticks arrive. */
interface OpenCandle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number;
  takerBuyVolume: number;
}

/**
 * Aggregates trades into candles of `interval`, per symbol, by event time: a tick with `ts` in
 * `[openTime, openTime + intervalMs)` belongs to that candle (openTime a multiple of intervalMs
 * since the epoch). A candle is emitted only once it is CLOSED, i.e. when the first tick of the
 * same symbol with `ts ≥ openTime + intervalMs` arrives — never on a wall clock; its `ts` is the
 * close instant `openTime + intervalMs`. Intervals without ticks produce no candle (no
 * flat filler: there was no trade to price it). On completion the still-open last candle of each
 * symbol is NOT emitted, as it never closed. Volumes: `volume` Σ qty (base), `quoteVolume`
 * Σ price×qty, `trades` tick count, `takerBuyVolume` Σ qty of BUY-side (taker buy) ticks.
 * Late ticks (older than the open candle): see `lateTicks`. Errors from the source pass through.
 */
export const ticksToKlines = (
  input: z.input<typeof ticksToKlinesParams> = {},
): OperatorFunction<Tick, Kline> => {
  const params = ticksToKlinesParams.parse(input);
  const interval = params.interval;
  const intervalMs = INTERVAL_MS[interval];
  return (source) =>
    new Observable<Kline>((subscriber) => {
      // The open candle per symbol; created on the symbol's first tick and reused afterwards.
      const openCandles = new Map<string, OpenCandle>();
      return source.subscribe({
        next(tick) {
          const openTime = tick.ts - (tick.ts % intervalMs);
          let candle = openCandles.get(tick.symbol);
          if (candle === undefined) {
            candle = {
              openTime,
              open: 0,
              high: 0,
              low: 0,
              close: 0,
              volume: 0,
              quoteVolume: 0,
              trades: 0,
              takerBuyVolume: 0,
            };
            openCandles.set(tick.symbol, candle);
          } else if (openTime > candle.openTime) {
            subscriber.next({
              kind: 'kline',
              symbol: tick.symbol,
              interval,
              openTime: candle.openTime,
              ts: candle.openTime + intervalMs,
              open: candle.open,
              high: candle.high,
              low: candle.low,
              close: candle.close,
              volume: candle.volume,
              quoteVolume: candle.quoteVolume,
              trades: candle.trades,
              takerBuyVolume: candle.takerBuyVolume,
            });
            candle.openTime = openTime;
            candle.trades = 0;
          } else if (openTime < candle.openTime) {
            if (params.lateTicks === 'error') {
              subscriber.error(
                new DataError(
                  `ticksToKlines: ${tick.symbol} tick ${tick.tradeId} at ts ${tick.ts} is older than the open candle (openTime ${candle.openTime}); sort ticks by ts or set lateTicks: 'drop'`,
                  `tick ${tick.tradeId}`,
                ),
              );
            }
            return;
          }
          const notional = tick.price * tick.qty;
          if (candle.trades === 0) {
            candle.open = tick.price;
            candle.high = tick.price;
            candle.low = tick.price;
            candle.volume = tick.qty;
            candle.quoteVolume = notional;
            candle.takerBuyVolume = tick.side === 'BUY' ? tick.qty : 0;
          } else {
            if (tick.price > candle.high) candle.high = tick.price;
            if (tick.price < candle.low) candle.low = tick.price;
            candle.volume += tick.qty;
            candle.quoteVolume += notional;
            if (tick.side === 'BUY') candle.takerBuyVolume += tick.qty;
          }
          candle.close = tick.price;
          candle.trades++;
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
};
