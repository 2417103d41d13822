import type { Clock } from './clock.js';
import type { Envelope } from './envelope.js';

/** How a `Kernel` keeps time, reports events and treats failures. */
export interface KernelOptions {
  /** Event time (backtest, default) or wall time (paper, live). */
  readonly clock?: Clock;
  /** Sees every event on the bus, in publication order (recorders, sinks, reports). */
  readonly onEvent?: (envelope: Envelope) => void;
  /**
   * What an exception inside a stage becomes: `dead-letter` (default: a `DeadLetter` on `dlq`
   * naming the stage, the topic and the event; the other stages go on) or `throw` (the run fails
   * with a `StageError` naming the same).
   */
  readonly onStageError?: 'dead-letter' | 'throw';
  /**
   * Where a failure goes that no caller is waiting for (a wall-clock timer's cascade failing under
   * `onStageError: 'throw'`). Without it, the next `process`/`inject`/`end` call throws it.
   */
  readonly onFatal?: (error: unknown) => void;
  /**
   * How many recent ids of injected events are remembered to drop redeliveries (at-least-once
   * delivery, a fill seen on the websocket and again over REST); default 100,000.
   */
  readonly dedupeWindow?: number;
}
