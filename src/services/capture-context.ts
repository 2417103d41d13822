import type { BusEvent } from '../domain/index.js';
import type { Clock, TimerSpec } from '../kernel/clock.js';
import type { Envelope } from '../kernel/envelope.js';
import type { StageContext } from '../kernel/stage.js';
import type { Topic } from '../kernel/topics.js';
import type { TimerOp } from './wire.js';

/** What a stage did while handling one delivery in a service. */
export interface Captured {
  readonly emissions: { readonly topic: Topic; readonly event: BusEvent }[];
  readonly timers: TimerOp[];
}

/**
 * The context a stage sees inside a service: the delivered envelope, the conductor kernel's time at
 * the delivery, and an `emit` that records instead of publishing. The recorded emissions and timer
 * changes go back in the reply, and the conductor's kernel publishes them — so a stage cannot tell
 * a service from the backtest.
 */
export const captureContext = (
  envelope: Envelope,
  nowMs: number,
  captured: Captured,
  clockKind: Clock['kind'],
): StageContext => {
  const clock: Clock = {
    kind: clockKind,
    now: () => nowMs,
    setTimer(timer: TimerSpec) {
      captured.timers.push(
        timer.periodMs === undefined
          ? { op: 'set', owner: timer.owner, name: timer.name, atMs: timer.atMs }
          : { op: 'set', owner: timer.owner, name: timer.name, atMs: timer.atMs, periodMs: timer.periodMs },
      );
    },
    cancelTimer(owner: string, name: string) {
      captured.timers.push({ op: 'cancel', owner, name });
    },
  };
  return {
    clock,
    current: envelope,
    emit(event, topic) {
      captured.emissions.push({ topic, event });
    },
  };
};
