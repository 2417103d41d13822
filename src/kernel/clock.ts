import type { TimerFired } from '../domain/index.js';

/** A timer a stage asked for: fires once at `atMs`, or every `periodMs` from `atMs` on. */
export interface TimerSpec {
  readonly owner: string;
  readonly name: string;
  readonly atMs: number;
  /** Repeat period; absent ⇒ fires once. */
  readonly periodMs?: number;
}

/**
 * The kernel's one source of time (DESIGN.md §1a). Nothing else reads the wall clock: in backtest
 * time is the event time of the replay, live it is `Date.now()`. Timers fire as `TimerFired`
 * events delivered to the stage that set them, inside the barrier like any other event.
 */
export interface Clock {
  readonly kind: 'event-time' | 'wall';
  /** Current time, ms since epoch (UTC). */
  now(): number;
  /** Sets (or replaces, by owner + name) a timer. */
  setTimer(timer: TimerSpec): void;
  /** Cancels a timer; unknown names are ignored. */
  cancelTimer(owner: string, name: string): void;
}

/** Pending timers ordered by due time, then by the order they were set (deterministic ties). */
class TimerQueue {
  private readonly timers = new Map<string, TimerSpec & { seq: number }>();
  private seq = 0;

  set(timer: TimerSpec): void {
    this.timers.set(`${timer.owner}\u0000${timer.name}`, { ...timer, seq: this.seq++ });
  }

  cancel(owner: string, name: string): void {
    this.timers.delete(`${owner}\u0000${name}`);
  }

  get size(): number {
    return this.timers.size;
  }

  /** The earliest timer due at or before `ts`, removed (re-armed when periodic); undefined when none. */
  takeDue(ts: number): TimerFired | undefined {
    let first: (TimerSpec & { seq: number }) | undefined;
    for (const timer of this.timers.values()) {
      if (timer.atMs > ts) continue;
      if (
        first === undefined ||
        timer.atMs < first.atMs ||
        (timer.atMs === first.atMs && timer.seq < first.seq)
      ) {
        first = timer;
      }
    }
    if (first === undefined) return undefined;
    const key = `${first.owner}\u0000${first.name}`;
    if (first.periodMs !== undefined && first.periodMs > 0) {
      this.timers.set(key, { ...first, atMs: first.atMs + first.periodMs, seq: this.seq++ });
    } else {
      this.timers.delete(key);
    }
    return { kind: 'timer-fired', ts: first.atMs, name: first.name, owner: first.owner };
  }
}

/**
 * Backtest time: `now()` is the event time the kernel last advanced to. The kernel calls
 * `takeDue(ts)` before it releases a market event at `ts`, so every timer due by then fires first,
 * in due order, at its own time — a time exit fires at the same instant whatever the data's rhythm.
 */
export class EventTimeClock implements Clock {
  readonly kind = 'event-time';
  private nowMs: number;
  private readonly queue = new TimerQueue();

  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(timer: TimerSpec): void {
    this.queue.set(timer);
  }

  cancelTimer(owner: string, name: string): void {
    this.queue.cancel(owner, name);
  }

  /** Next timer due at or before `ts` (time moves to it), or undefined (time moves to `ts`). */
  takeDue(ts: number): TimerFired | undefined {
    if (this.queue.size === 0) {
      if (ts > this.nowMs) this.nowMs = ts;
      return undefined;
    }
    const due = this.queue.takeDue(ts);
    const next = due === undefined ? ts : due.ts;
    if (next > this.nowMs) this.nowMs = next;
    return due;
  }
}

/**
 * Live time: `Date.now()`, timers on the event loop. A due timer is handed to `onDue` (the kernel
 * queues it behind the event in progress, so it is handled inside the barrier).
 */
export class WallClock implements Clock {
  readonly kind = 'wall';
  private readonly handles = new Map<string, ReturnType<typeof setTimeout>>();
  private onDue: (timer: TimerFired) => void = () => undefined;

  /** Where due timers go (set by the kernel). */
  attach(onDue: (timer: TimerFired) => void): void {
    this.onDue = onDue;
  }

  now(): number {
    return Date.now();
  }

  setTimer(timer: TimerSpec): void {
    this.cancelTimer(timer.owner, timer.name);
    const key = `${timer.owner}\u0000${timer.name}`;
    const arm = (atMs: number): void => {
      const handle = setTimeout(
        () => {
          this.handles.delete(key);
          if (timer.periodMs !== undefined && timer.periodMs > 0) arm(atMs + timer.periodMs);
          this.onDue({ kind: 'timer-fired', ts: atMs, name: timer.name, owner: timer.owner });
        },
        Math.max(0, atMs - Date.now()),
      );
      // A pending timer alone does not keep the process alive.
      handle.unref?.();
      this.handles.set(key, handle);
    };
    arm(timer.atMs);
  }

  cancelTimer(owner: string, name: string): void {
    const key = `${owner}\u0000${name}`;
    const handle = this.handles.get(key);
    if (handle !== undefined) clearTimeout(handle);
    this.handles.delete(key);
  }

  /** Cancels every timer (shutdown). */
  dispose(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }
}

/**
 * Wall time for the I/O adapters of live runs (the Binance venue, the live feed, downloads): with
 * `WallClock`, the one place the wall clock is read. Stages never use it; they get time from
 * events and the kernel's clock.
 */
export const wallNow = (): number => Date.now();

/**
 * Calls `run` after `ms` of wall time (reconnect backoff, rate-limit pauses, keep-alives in I/O
 * adapters). The timer does not keep the process alive; `clearTimeout` cancels it.
 */
export const wallTimer = (run: () => void, ms: number): ReturnType<typeof setTimeout> => {
  const handle = setTimeout(run, ms);
  handle.unref?.();
  return handle;
};

/** Resolves after `ms` of wall time; unlike `wallTimer` it keeps the process alive while waited on. */
export const wallSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
