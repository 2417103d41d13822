import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BinanceClient } from '../exchange/binance-client.js';
import { liveQuotes, liveTrades } from './live-trades.js';

/** The files of a recorded tape, beside a session's `market.jsonl`. */
export const TAPE_FILES = { trades: 'trades.jsonl', quotes: 'quotes.jsonl' } as const;

export interface TapeRecorder {
  readonly counts: { trades: number; quotes: number };
  /** Stop the streams and close the files. */
  stop(): void;
}

/**
 * Records the live tape of `symbols` into `dir`: every aggregate trade (`Tick`, no gap and no
 * duplicate — see `liveTrades`) to `trades.jsonl` and every best bid/ask (`Quote`) to
 * `quotes.jsonl`, one JSON line each, written as they arrive (a killed process loses at most the
 * line in flight).
 */
export const recordTape = (options: {
  readonly client: BinanceClient;
  readonly symbols: readonly string[];
  readonly dir: string;
  readonly onWarning?: (message: string) => void;
}): TapeRecorder => {
  const counts = { trades: 0, quotes: 0 };
  const tradesFd = openSync(join(options.dir, TAPE_FILES.trades), 'a');
  const quotesFd = openSync(join(options.dir, TAPE_FILES.quotes), 'a');
  const source = {
    client: options.client,
    symbols: options.symbols,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  };
  const fail = (error: unknown): void => options.onWarning?.(String(error));
  const trades = liveTrades(source).subscribe({
    next: (tick) => {
      writeSync(tradesFd, `${JSON.stringify(tick)}\n`);
      counts.trades++;
    },
    error: fail,
  });
  const quotes = liveQuotes(source).subscribe({
    next: (quote) => {
      writeSync(quotesFd, `${JSON.stringify(quote)}\n`);
      counts.quotes++;
    },
    error: fail,
  });
  return {
    counts,
    stop: () => {
      trades.unsubscribe();
      quotes.unsubscribe();
      closeSync(tradesFd);
      closeSync(quotesFd);
    },
  };
};
