import { Observable } from 'rxjs';
import { DataError, type Kline } from '../domain/index.js';

/** Anything with an event time and a symbol: klines, ticks. */
export interface TimedEvent {
  readonly ts: number;
  readonly symbol: string;
}

/**
 * Merges series that are each sorted by `ts` into one `Observable`, ordered by `ts`; events with
 * the same `ts` come in ascending symbol order (plain code-unit comparison, `'BTCUSDT' <
 * 'ETHUSDT'`, not locale-dependent), then in series order — so the result depends only on the
 * data, never on the order files were listed. A k-way merge over a binary heap of series
 * indexes, emitted synchronously in a plain loop (no per-event allocation) that checks
 * `subscriber.closed`, so unsubscribing (e.g. `take(n)`) stops it at once.
 * Each subscription replays from the start. Errors with `DataError` if a series goes back in time.
 * Completes after the last event; an empty input completes at once.
 */
export const mergeByEventTime = <T extends TimedEvent>(series: readonly (readonly T[])[]): Observable<T> =>
  new Observable<T>((subscriber) => {
    const seriesCount = series.length;
    // Position of the next unread event of each series.
    const cursor = new Int32Array(seriesCount);
    // Min-heap of series indexes, keyed by their next event.
    const heap = new Int32Array(seriesCount);
    let heapSize = 0;

    // Whether series a's next event comes before series b's.
    const before = (a: number, b: number): boolean => {
      const eventA = series[a][cursor[a]];
      const eventB = series[b][cursor[b]];
      if (eventA.ts !== eventB.ts) return eventA.ts < eventB.ts;
      if (eventA.symbol !== eventB.symbol) return eventA.symbol < eventB.symbol;
      return a < b;
    };
    const siftDown = (from: number): void => {
      let at = from;
      const moving = heap[at];
      for (;;) {
        const left = 2 * at + 1;
        if (left >= heapSize) break;
        const right = left + 1;
        const child = right < heapSize && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], moving)) break;
        heap[at] = heap[child];
        at = child;
      }
      heap[at] = moving;
    };

    for (let s = 0; s < seriesCount; s++) {
      if (series[s].length === 0) continue;
      // Sift up the new series.
      let at = heapSize++;
      heap[at] = s;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!before(heap[at], heap[parent])) break;
        const swap = heap[parent];
        heap[parent] = heap[at];
        heap[at] = swap;
        at = parent;
      }
    }

    while (heapSize > 0 && !subscriber.closed) {
      const s = heap[0];
      const events = series[s];
      const event = events[cursor[s]++];
      let unsorted = false;
      if (cursor[s] < events.length) {
        unsorted = events[cursor[s]].ts < event.ts;
        siftDown(0);
      } else {
        heap[0] = heap[--heapSize];
        if (heapSize > 0) siftDown(0);
      }
      subscriber.next(event);
      if (unsorted) {
        subscriber.error(
          new DataError(
            `merge input ${s} (${event.symbol}) is not sorted by ts: event ${cursor[s]} has ts ${events[cursor[s]].ts} after ${event.ts}; sort each series before merging`,
            `series ${s}`,
          ),
        );
        return;
      }
    }
    if (!subscriber.closed) subscriber.complete();
  });

/** Replays candle series (one sorted array per symbol) as one event-time-ordered stream; see `mergeByEventTime`. */
export const klineReplay = (series: readonly (readonly Kline[])[]): Observable<Kline> =>
  mergeByEventTime(series);
