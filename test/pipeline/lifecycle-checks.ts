// Order-lifecycle checks the pipeline tests share: read a run's events and list what breaks a rule.
import type { BusEvent, DeadLetter, EngineEvent } from '../../src/domain/index.js';

/** At every snapshot, every open position has a live stop of its own intent at the venue. */
export const alwaysProtected = (events: readonly BusEvent[]): string[] => {
  const problems: string[] = [];
  const liveStops = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.kind === 'execution-result' && event.purpose === 'STOP_LOSS') {
      const stops = liveStops.get(event.intentId) ?? new Set<string>();
      if (event.status === 'NEW' || event.status === 'PARTIALLY_FILLED') stops.add(event.clientOrderId);
      else stops.delete(event.clientOrderId);
      liveStops.set(event.intentId, stops);
    } else if (event.kind === 'portfolio-snapshot') {
      for (const position of event.positions) {
        if ((liveStops.get(position.intentId)?.size ?? 0) === 0) {
          problems.push(
            `${position.symbol} position ${position.intentId} without a live stop at ${event.ts}`,
          );
        }
      }
    }
  }
  return problems;
};

/** Every order the engine submitted has an answer, and every cancel it asked for is final. */
export const answered = (events: readonly (EngineEvent | DeadLetter)[]): boolean => {
  const last = new Map<string, string>();
  for (const e of events) if (e.kind === 'execution-result') last.set(e.clientOrderId, e.status);
  return events.every(
    (e) =>
      (e.kind !== 'order-submitted' || last.has(e.clientOrderId)) &&
      (e.kind !== 'cancel-order' ||
        !['NEW', 'PARTIALLY_FILLED'].includes(last.get(e.clientOrderId) ?? 'NEW')),
  );
};
