import type { ChainableCommander, Redis } from 'ioredis';
import type { Clock } from '../kernel/clock.js';
import { DedupeWindow } from '../kernel/dedupe-window.js';
import { BusEnvelope, type Envelope } from '../kernel/envelope.js';
import type { Stage } from '../kernel/stage.js';
import { type Captured, captureContext } from './capture-context.js';
import { type ChainLink, chainedEmissions } from './chains.js';
import {
  claimPending,
  ensureGroup,
  GROUP,
  groupProgress,
  idAtOrBefore,
  readGroup,
  readRange,
  type StreamEntry,
} from './inbox-reader.js';
import { projectionsOf } from './projections.js';
import { connectRedis } from './redis-client.js';
import type { Keyspace } from './redis-keys.js';
import { deliveryIdOf } from './remote-stage.js';
import { envelopeFields, parseDelivery, type Reply, refusedEnvelope, replyFields } from './wire.js';

/** A stage this service runs, and the partitions of its inbox it owns. */
export interface HostedStage {
  readonly stage: Stage;
  readonly partitions: readonly number[];
}

/** What a host reports (metrics, heartbeats). */
export interface HostObserver {
  handled?(stage: string, latencyMs: number, emitted: number): void;
  refused?(inbox: string, reason: string): void;
  failed?(stage: string, reason: string): void;
  rebuilt?(stage: string, entries: number): void;
}

export interface StageHostOptions {
  readonly url: string;
  readonly keys: Keyspace;
  readonly stages: readonly HostedStage[];
  /** This process's consumer name (unique per process: a restarted process claims its predecessor's work). */
  readonly consumer: string;
  /** Event time (replay) or wall time (live) — what `clock.kind` tells the stages. */
  readonly clockKind: Clock['kind'];
  /** Cap of each topic stream (`XADD … MAXLEN ~`); default 100,000. */
  readonly maxLen?: number;
  /** Entries taken per read (the bound on in-flight work); default 64. */
  readonly batch?: number;
  /** How long one blocking read waits before checking for shutdown; default 1,000 ms. */
  readonly blockMs?: number;
  readonly observer?: HostObserver;
  readonly onRedisError?: (error: Error) => void;
  /**
   * Stages run at once on a hosted stage's emissions (`chainsOf`, as `hostedService` gives them),
   * by feeder name: their replies go out in the feeder's transaction, and the conductor, which
   * derives the same chains, sends them no delivery — so a host must be given its chains.
   */
  readonly chains: ReadonlyMap<string, readonly ChainLink[]>;
}

/**
 * A service's side of the Redis bus (DESIGN.md rule 8): it reads its stages' inboxes with
 * `XREADGROUP`, runs each delivery through the very stage the backtest runs, and in one `MULTI`
 * publishes the reply to the conductor, the emissions on their topic streams, the hashes it owns,
 * and the `XACK`. So an entry is either handled with all its effects, or still pending.
 *
 * Started after a crash, it first rebuilds its stages' state by handling its inboxes' handled
 * prefix again without publishing (stages are deterministic: the same inputs give the same state),
 * takes over the entries its predecessor left pending (`XAUTOCLAIM`) and handles them, then reads
 * new ones. A delivery seen twice (the conductor re-sent it after its own restart) is handled once;
 * a malformed entry becomes a dead letter on the dlq stream and the host goes on.
 */
export class StageHost {
  private readonly options: StageHostOptions;
  private readonly commands: Redis;
  private readonly reader: Redis;
  private readonly stageOfInbox = new Map<string, Stage>();
  private readonly handledIds = new DedupeWindow(1_000_000);
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(options: StageHostOptions) {
    this.options = options;
    this.commands = connectRedis(options.url, `${options.consumer}:commands`, options.onRedisError);
    this.reader = connectRedis(options.url, `${options.consumer}:reader`, options.onRedisError);
    for (const { stage, partitions } of options.stages) {
      for (const partition of partitions)
        this.stageOfInbox.set(options.keys.inbox(stage.name, partition), stage);
    }
  }

  /** Settles when serving ends: resolved on `stop`, rejected when serving failed (the process should exit). */
  get done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Rebuilds state, handles what was left pending, then serves new deliveries until `stop`. */
  async start(): Promise<void> {
    const inboxes = [...this.stageOfInbox.keys()];
    for (const inbox of inboxes) await ensureGroup(this.commands, inbox);
    for (const inbox of inboxes) await this.rebuild(inbox);
    for (const inbox of inboxes) {
      const claimed = await claimPending(this.commands, inbox, this.options.consumer);
      await await this.handleBatch(claimed.map((entry) => ({ key: inbox, entry })));
    }
    this.running = true;
    this.loop = this.serve(inboxes);
  }

  /** Stops reading (the delivery in progress finishes) and closes the connections. */
  async stop(): Promise<void> {
    this.running = false;
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
    await this.commands.quit().catch(() => undefined);
  }

  private async serve(inboxes: readonly string[]): Promise<void> {
    const { batch = 64, blockMs = 1000 } = this.options;
    // The previous batch's commit: the next read goes out while it is in flight (it is on another
    // connection; commits go out in order on theirs), so a delivery that follows at once is read at once.
    let committing: Promise<void> = Promise.resolve();
    while (this.running) {
      let read: Awaited<ReturnType<typeof readGroup>>;
      try {
        read = await readGroup(this.reader, this.options.consumer, inboxes, batch, blockMs);
      } catch (error) {
        if (!this.running) return;
        throw error;
      } finally {
        await committing;
      }
      // Across inboxes in the order they were written (one conductor writes them all).
      const entries = read.flatMap(({ key, entries: list }) => list.map((entry) => ({ key, entry })));
      if (read.length > 1) entries.sort((a, b) => (idAtOrBefore(a.entry.id, b.entry.id) ? -1 : 1));
      committing = (await this.handleBatch(entries)).committed;
    }
    await committing;
  }

  /**
   * Handles the entries of one read in order and commits all their effects and acks in one `MULTI`
   * (a batch is as atomic as one entry: after a crash it is either published and acked, or pending).
   */
  private async handleBatch(
    entries: readonly { readonly key: string; readonly entry: StreamEntry }[],
  ): Promise<{ readonly committed: Promise<void> }> {
    if (entries.length === 0) return { committed: Promise.resolve() };
    const multi = this.commands.multi();
    const done: (() => void)[] = [];
    for (const { key, entry } of entries) {
      const report = await this.handleEntry(key, entry, multi);
      if (report !== undefined) done.push(report);
    }
    // Sent now; resolved when Redis has committed it (the caller awaits it before the next batch).
    return {
      committed: multi.exec().then(() => {
        for (const report of done) report();
      }),
    };
  }

  /** Handles again, without publishing, every entry of `inbox` already handled before a restart. */
  private async rebuild(inbox: string): Promise<void> {
    const { lastDeliveredId, pending } = await groupProgress(this.commands, inbox);
    let count = 0;
    for await (const entry of readRange(this.commands, inbox)) {
      if (!idAtOrBefore(entry.id, lastDeliveredId) || pending.has(entry.id)) break;
      await this.handleEntry(inbox, entry, undefined);
      count++;
    }
    if (count > 0) this.options.observer?.rebuilt?.(this.stageOfInbox.get(inbox)?.name ?? inbox, count);
  }

  /**
   * One delivery: handled, skipped as a duplicate, or refused — its effects and ack added to `multi`
   * (none when rebuilding: `multi` undefined). Returns what to report once the batch is committed.
   */
  private async handleEntry(
    inbox: string,
    entry: StreamEntry,
    multi: ChainableCommander | undefined,
  ): Promise<(() => void) | undefined> {
    const stage = this.stageOfInbox.get(inbox) as Stage;
    const parsed = parseDelivery(entry.fields);
    if (!parsed.ok) {
      if (multi === undefined) return undefined;
      this.refuse(multi, inbox, entry, parsed.reason);
      return () => this.options.observer?.refused?.(inbox, parsed.reason);
    }
    const { deliveryId, nowMs, envelope } = parsed.value;
    if (this.handledIds.seenBefore(deliveryId)) {
      multi?.xack(inbox, GROUP, entry.id);
      return undefined;
    }
    const reports: (() => void)[] = [];
    await this.deliver(stage, deliveryId, envelope, nowMs, multi, reports);
    if (multi === undefined) return undefined;
    multi.xack(inbox, GROUP, entry.id);
    return () => {
      for (const report of reports) report();
    };
  }

  /**
   * Runs one delivery through `stage`, adds its reply and emissions to `multi` (none when
   * rebuilding), then runs the stages chained to it on its emissions, in the kernel's order.
   */
  private async deliver(
    stage: Stage,
    deliveryId: string,
    envelope: Envelope,
    nowMs: number,
    multi: ChainableCommander | undefined,
    reports: (() => void)[],
  ): Promise<void> {
    const captured: Captured = { emissions: [], timers: [] };
    const startedMs = performance.now();
    let error: string | undefined;
    try {
      await stage.handle(envelope.event, captureContext(envelope, nowMs, captured, this.options.clockKind));
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    const reply: Reply =
      error === undefined
        ? {
            emissions: captured.emissions,
            ...(captured.timers.length > 0 ? { timers: captured.timers } : {}),
          }
        : { emissions: [], error };
    // Each emission as the conductor's kernel makes it (same id, times and cause): published on its
    // topic, and delivered to the stages chained here.
    const emitted = reply.emissions.map(({ topic, event }, index) => {
      const tsEvent = event.ts ?? envelope.tsEvent;
      const tsInit = this.options.clockKind === 'wall' ? nowMs : tsEvent;
      return new BusEnvelope(topic, event, tsEvent, tsInit, stage.name, envelope, index);
    });
    if (multi !== undefined) {
      multi.xadd(this.options.keys.replies, '*', ...replyFields(deliveryId, reply));
      this.publishEmissions(multi, emitted, nowMs);
      const latencyMs = performance.now() - startedMs;
      reports.push(() => {
        if (error !== undefined) this.options.observer?.failed?.(stage.name, error);
        this.options.observer?.handled?.(stage.name, latencyMs, reply.emissions.length);
      });
    }
    const links = this.options.chains.get(stage.name);
    if (error !== undefined || links === undefined) return;
    // As the kernel: each emission in order, to its chained consumers in rank order, depth-first.
    const chainedAt = links.map((link) => chainedEmissions(link, reply.emissions));
    for (let index = 0; index < reply.emissions.length; index++) {
      for (let l = 0; l < links.length; l++) {
        if (!chainedAt[l].includes(index)) continue;
        const chained = emitted[index];
        const chainedId = deliveryIdOf(chained.id, links[l].stage.name);
        if (this.handledIds.seenBefore(chainedId)) continue;
        await this.deliver(links[l].stage, chainedId, chained, nowMs, multi, reports);
      }
    }
  }

  /**
   * Each emission on its topic stream, stamped with the host's time (`tsInit`: for latency), and
   * the hashes it updates.
   */
  private publishEmissions(multi: ChainableCommander, emitted: readonly Envelope[], nowMs: number): void {
    const { keys, maxLen = 100_000 } = this.options;
    for (const envelope of emitted) {
      const { id, topic, causeId, tsEvent, origin, event } = envelope;
      const stamped: Envelope = { id, topic, causeId, tsEvent, tsInit: nowMs, origin, event };
      multi.xadd(keys.stream(topic), 'MAXLEN', '~', maxLen, '*', ...envelopeFields(stamped));
      for (const [key, fields] of projectionsOf(keys, event)) multi.hset(key, fields);
    }
  }

  /**
   * A malformed entry: a dead letter naming the stream, the entry and why; then acknowledged. When
   * the entry names its delivery, the conductor also gets an error reply for it (its kernel makes
   * the stage's dead letter and goes on) instead of waiting for an answer that would never come.
   */
  private refuse(multi: ChainableCommander, inbox: string, entry: StreamEntry, reason: string): void {
    const envelope = refusedEnvelope(inbox, entry, this.options.consumer, reason);
    multi.xadd(this.options.keys.dlq, '*', ...envelopeFields(envelope));
    const deliveryId = entry.fields.d;
    if (deliveryId !== undefined && deliveryId.length > 0 && deliveryId.length <= 512) {
      multi.xadd(
        this.options.keys.replies,
        '*',
        ...replyFields(deliveryId, { emissions: [], error: `refused: ${reason}` }),
      );
    }
    multi.xack(inbox, GROUP, entry.id);
  }
}
