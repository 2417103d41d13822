import type { Redis } from 'ioredis';
import { DedupeWindow } from '../kernel/dedupe-window.js';
import { readRange, type StreamEntry } from './inbox-reader.js';
import { fieldsOf, parseReply, type Reply } from './wire.js';

type RawEntries = [id: string, fields: string[] | null][];

/**
 * The conductor's end of the replies stream: stages' answers, matched to the deliveries waiting for
 * them by delivery id. After a restart, `load` reads the replies already there, so the conductor
 * replays the deliveries they answer without sending them again. A reply seen twice (a transaction
 * re-sent after a lost connection) counts once; a malformed one goes to `onMalformed`.
 */
export class ReplyChannel {
  private readonly reader: Redis;
  private readonly key: string;
  private readonly onMalformed: (entry: StreamEntry, reason: string) => void;
  /** Replies nobody waits for yet (loaded after a restart). */
  private readonly known = new Map<string, Reply>();
  private readonly waiting = new Map<string, (reply: Reply) => void>();
  private readonly settled = new DedupeWindow(100_000);
  private lastId = '0-0';
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(reader: Redis, key: string, onMalformed: (entry: StreamEntry, reason: string) => void) {
    this.reader = reader;
    this.key = key;
    this.onMalformed = onMalformed;
  }

  /** Reads every reply already on the stream (a restart); returns how many. */
  async load(): Promise<number> {
    let count = 0;
    for await (const entry of readRange(this.reader, this.key)) {
      this.lastId = entry.id;
      const parsed = parseReply(entry.fields);
      if (!parsed.ok) {
        this.onMalformed(entry, parsed.reason);
        continue;
      }
      if (!this.known.has(parsed.value.deliveryId))
        this.known.set(parsed.value.deliveryId, parsed.value.reply);
      count++;
    }
    return count;
  }

  /** Starts reading new replies. */
  start(): void {
    this.running = true;
    this.loop = this.serve();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
  }

  /** Whether the reply to `deliveryId` is already known (and not yet taken). */
  has(deliveryId: string): boolean {
    return this.known.has(deliveryId);
  }

  /** The reply to `deliveryId` if it is already known (removed: each is used once). */
  take(deliveryId: string): Reply | undefined {
    const reply = this.known.get(deliveryId);
    if (reply !== undefined) {
      this.known.delete(deliveryId);
      this.settled.seenBefore(deliveryId);
    }
    return reply;
  }

  /** Resolves with the reply to `deliveryId` when it arrives. */
  wait(deliveryId: string): Promise<Reply> {
    const known = this.take(deliveryId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => this.waiting.set(deliveryId, resolve));
  }

  /** How many deliveries wait for an answer. */
  get outstanding(): number {
    return this.waiting.size;
  }

  private async serve(): Promise<void> {
    while (this.running) {
      let raw: [string, RawEntries][] | null;
      try {
        raw = (await this.reader.xread('COUNT', 256, 'BLOCK', 1000, 'STREAMS', this.key, this.lastId)) as
          | [string, RawEntries][]
          | null;
      } catch (error) {
        if (!this.running) return;
        throw error;
      }
      if (raw === null) continue;
      for (const [, entries] of raw) {
        for (const [id, flat] of entries) {
          this.lastId = id;
          this.accept({ id, fields: fieldsOf(flat) });
        }
      }
    }
  }

  private accept(entry: StreamEntry): void {
    const parsed = parseReply(entry.fields);
    if (!parsed.ok) {
      this.onMalformed(entry, parsed.reason);
      return;
    }
    const { deliveryId, reply } = parsed.value;
    const resolve = this.waiting.get(deliveryId);
    if (resolve !== undefined) {
      this.waiting.delete(deliveryId);
      this.settled.seenBefore(deliveryId);
      resolve(reply);
    } else if (!this.settled.seenBefore(deliveryId)) {
      this.known.set(deliveryId, reply);
    }
  }
}
