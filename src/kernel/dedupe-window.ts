/**
 * The ids of the last `size` events seen, to drop redeliveries (at-least-once delivery: a fill
 * seen on the websocket and again over REST). Oldest first, by insertion order; size 0 keeps none.
 */
export class DedupeWindow {
  private readonly ids = new Set<string>();
  private readonly size: number;

  constructor(size: number) {
    this.size = Math.max(0, size);
  }

  /** Whether `id` was seen within the window; remembers it (the oldest id is forgotten past the window). */
  seenBefore(id: string): boolean {
    if (this.size === 0) return false;
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value as string);
    return false;
  }
}
