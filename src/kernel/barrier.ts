import type { Envelope } from './envelope.js';

interface Waiting {
  readonly envelope: Envelope;
  readonly done: () => void;
  readonly fail: (error: unknown) => void;
}

/**
 * The quiescence barrier (DESIGN.md §1a): one event from outside at a time. An event that arrives
 * while a cascade is in progress waits, in arrival order, and is released when the cascade is
 * quiet — so an async stage (a tfjs model, a Redis hop, a venue) sees exactly what a synchronous
 * one would.
 */
export class Barrier {
  private readonly run: (envelope: Envelope) => void | Promise<void>;
  private readonly abort: () => void;
  /** Whether a cascade is in progress (async): new events wait in `inbox`. */
  private busy = false;
  /** Whether `drain` is releasing queued events (it is not re-entered). */
  private draining = false;
  private readonly inbox: Waiting[] = [];

  /** `run` delivers one event to quiescence; `abort` clears what a failed cascade left behind. */
  constructor(run: (envelope: Envelope) => void | Promise<void>, abort: () => void) {
    this.run = run;
    this.abort = abort;
  }

  /** Queues behind a cascade in progress, else runs the event now. */
  deliver(envelope: Envelope): void | Promise<void> {
    if (this.busy) {
      return new Promise<void>((done, fail) => this.inbox.push({ envelope, done, fail }));
    }
    return this.runRoot(envelope);
  }

  /**
   * One event to quiescence. Synchronous when every handler is; else the returned promise settles
   * when it is quiet, and the events queued meanwhile are released in order (`drain`).
   */
  private runRoot(envelope: Envelope): void | Promise<void> {
    this.busy = true;
    let pending: void | Promise<void>;
    try {
      pending = this.run(envelope);
    } catch (error) {
      this.failed();
      throw error;
    }
    if (pending === undefined) {
      this.busy = false;
      // Events a handler queued meanwhile (a re-entrant process call) follow this one.
      if (this.inbox.length > 0) this.drain();
      return undefined;
    }
    return pending.then(
      () => {
        this.busy = false;
        this.drain();
      },
      (error: unknown) => {
        this.failed();
        this.drain();
        throw error;
      },
    );
  }

  private failed(): void {
    this.abort();
    this.busy = false;
  }

  /** Releases queued events one at a time, in arrival order (a loop: no recursion per event). */
  private drain(): void {
    // One loop at a time: a runRoot inside the loop finds it running and leaves the rest to it.
    if (this.draining) return;
    this.draining = true;
    try {
      this.drainLoop();
    } finally {
      this.draining = false;
    }
  }

  private drainLoop(): void {
    while (!this.busy && this.inbox.length > 0) {
      const next = this.inbox.shift() as Waiting;
      let pending: void | Promise<void>;
      try {
        pending = this.runRoot(next.envelope);
      } catch (error) {
        next.fail(error);
        continue;
      }
      if (pending === undefined) next.done();
      else pending.then(next.done, next.fail);
    }
  }
}
