import type { Redis } from 'ioredis';
import type { MarketEvent } from '../domain/index.js';
import { createPrng } from '../domain/index.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import { derivedIdOf, type Envelope, sourceIdOf } from '../kernel/envelope.js';
import { replayMarket } from '../kernel/replay.js';
import type { Stage, StageContext } from '../kernel/stage.js';
import { marketTopicOf, TOPICS } from '../kernel/topics.js';
import { type PipelineConfig, simExchangeParamsOf } from '../pipeline/config.js';
import { connectVenue, isGraphOutput, tradingKernel } from '../pipeline/graph.js';
import type { MarketReplay } from '../pipeline/market-source.js';
import { type ChainLink, chainedEmissions } from './chains.js';
import { conductorChains } from './hosted-stages.js';
import { ensureGroup, type StreamEntry } from './inbox-reader.js';
import { connectRedis } from './redis-client.js';
import type { Keyspace } from './redis-keys.js';
import { deliveryIdOf, partitionOf, remoteStage, type StageLink } from './remote-stage.js';
import { ReplyChannel } from './reply-channel.js';
import { feedersOf } from './send-ahead.js';
import { StreamPublisher } from './stream-publisher.js';
import { deliveryFields, envelopeFields, type Reply, refusedEnvelope } from './wire.js';

/** How many market events ahead the market-only stages are sent. */
const LOOKAHEAD = 32;

export interface ConductorOptions {
  readonly url: string;
  readonly keys: Keyspace;
  /** The pipeline, with the run's seed. */
  readonly config: PipelineConfig;
  /** Replicas (= inbox partitions) per stage; absent ⇒ 1. */
  readonly replicas?: Readonly<Record<string, number>>;
  /** Cap of the market streams (`XADD … MAXLEN ~`); default 100,000. */
  readonly maxLen?: number;
  readonly onRedisError?: (error: Error) => void;
  /** Hears how far the replay is (also kept in the run hash for `quantum run --split`'s progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Replay speed: market time per wall time (60 ⇒ an hour of candles per minute); absent or 0 ⇒ as
   * fast as the barrier allows.
   */
  readonly speed?: number;
  /** A stage has not answered a delivery for `ms` (a stopped or stuck service). */
  readonly onSlowStage?: (stage: string, ms: number) => void;
}

export interface ConductorSummary {
  /** Market events released. */
  readonly released: number;
  /** Outputs in the journal. */
  readonly journal: number;
  /** Replies found from a previous incarnation (0: a fresh start). */
  readonly recovered: number;
  /**
   * Per market event, wall ms from its due time (paced) or release to its cascade's quiescence —
   * every stage's answer, orders and venue reports included.
   */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /**
   * Deliveries per market event whose reply the cascade waited for, one after another: the round
   * trips through Redis that make a cascade's latency.
   */
  readonly roundTripsPerEvent: number;
}

/**
 * The market-publisher's kernel across processes (DESIGN.md §1a, "across processes"): the same
 * kernel, barrier and declared order as a backtest, with every stage a `remoteStage` whose code runs
 * in its service. Each delivery goes to the stage's inbox stream; the kernel waits for the reply
 * inside the barrier, so the next market event is released only when every stage has answered the
 * previous one's cascade — and the split run makes exactly the backtest's decisions.
 *
 * Everything the graph outputs is appended, in kernel order, to the journal stream (the report is
 * made from it) and dead letters also to the dlq stream. Killed and started again, the conductor
 * replays from the start: deliveries already answered take their stored replies (no message is
 * sent twice), the journal's existing prefix is not written again, and the run goes on from the
 * first unanswered delivery.
 */
/** p50, p99 and max of a sample (0s when empty). */
const percentiles = (sample: Float64Array): ConductorSummary['latencyMs'] => {
  if (sample.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
};

export class Conductor {
  private readonly options: ConductorOptions;
  private readonly commands: Redis;
  private readonly channel: ReplyChannel;
  private readonly publisher: StreamPublisher;
  /** Stages fed only by the market (the ai-engine): their deliveries are sent ahead, in market order. */
  private upstream: Stage[] = [];
  /** Replies to deliveries sent ahead, by delivery id; how far ahead has been sent. */
  private readonly prefetched = new Map<string, Promise<Reply>>();
  private prefetchedUpTo = 0;
  /** For each stage sent ahead: what alone feeds it (`source`, or one such stage). */
  private feederOf = new Map<string, string>();
  /** Stages a service runs at once on another's emissions (`chainsOf`), by feeder. */
  private chains = new Map<string, ChainLink[]>();
  /** Deliveries a service handles chained to their feeder's: their replies are awaited, never sent. */
  private readonly chained = new Set<string>();
  /** Replies found from an earlier incarnation (a restart). */
  private recovered = 0;
  /** Deliveries the cascade sent and waited for (not sent ahead, chained or known from a restart). */
  private roundTrips = 0;
  /** Quiet deliveries whose (empty) reply has not arrived yet. */
  private readonly unanswered = new Set<Promise<void>>();
  private journalSkip = 0;
  private journalCount = 0;
  private writeFailure: Error | undefined;
  private quietFailure: Error | undefined;

  constructor(options: ConductorOptions) {
    this.options = options;
    this.commands = connectRedis(options.url, 'market-publisher:commands', options.onRedisError);
    this.publisher = new StreamPublisher(this.commands);
    const reader = connectRedis(options.url, 'market-publisher:replies', options.onRedisError);
    this.channel = new ReplyChannel(reader, options.keys.replies, (entry, reason) =>
      this.malformedReply(entry, reason),
    );
  }

  /** Replays `market` through the services, from the venue's connect to end of data. */
  async replay(market: MarketReplay): Promise<ConductorSummary> {
    const { keys, config } = this.options;
    const recovered = await this.channel.load();
    this.recovered = recovered;
    this.channel.start();
    this.journalSkip = await this.commands.xlen(keys.journal);
    const kernel = this.kernel();
    for (const name of kernel.stageNames()) {
      for (let partition = 0; partition < this.partitionsOf(name); partition++) {
        await ensureGroup(this.commands, keys.inbox(name, partition));
      }
    }
    const total = market.klines.length;
    await this.commands
      .multi()
      .hset(keys.run, { status: 'running', total: String(total), symbols: market.symbols.join(',') })
      .hincrby(keys.run, 'starts', 1)
      .hset(keys.mode, { mode: 'backtest', source: market.source, config: config.name })
      .exec();
    await connectVenue(kernel, market.klines[0]?.openTime ?? 0);
    const latencies = new Float64Array(total);
    const startedMs = performance.now();
    const firstTs = market.klines[0]?.ts ?? 0;
    const speed = this.options.speed ?? 0;
    let dueMs = 0;
    await replayMarket(kernel, market.klines, {
      progressEvery: 500,
      beforeEach: (index) => {
        this.prefetch(market.klines, index);
        const nowMs = performance.now();
        if (speed <= 0) {
          dueMs = nowMs;
          return;
        }
        dueMs = startedMs + (market.klines[index].ts - firstTs) / speed;
        if (dueMs > nowMs) return new Promise((resolve) => setTimeout(resolve, dueMs - nowMs));
      },
      afterEach: (index) => {
        latencies[index] = performance.now() - dueMs;
      },
      onProgress: (done) => {
        void this.commands.hset(keys.run, 'released', String(done));
        this.options.onProgress?.(done, total);
      },
    });
    await Promise.all(this.unanswered);
    await this.publisher.flush();
    const latencyMs = percentiles(latencies);
    await this.commands.hset(keys.run, {
      status: 'done',
      released: String(total),
      journal: String(this.journalCount),
      latencyP50Ms: latencyMs.p50.toFixed(3),
      latencyP99Ms: latencyMs.p99.toFixed(3),
      latencyMaxMs: latencyMs.max.toFixed(3),
    });
    if (this.writeFailure !== undefined) throw this.writeFailure;
    if (this.quietFailure !== undefined) throw this.quietFailure;
    return {
      released: total,
      journal: this.journalCount,
      recovered,
      latencyMs,
      roundTripsPerEvent: total === 0 ? 0 : this.roundTrips / total,
    };
  }

  async close(): Promise<void> {
    await this.channel.stop();
    await this.commands.quit().catch(() => undefined);
  }

  private partitionsOf(stage: string): number {
    return Math.max(1, this.options.replicas?.[stage] ?? 1);
  }

  /** The trading kernel with every stage remote (the local stages only lend their names, ranks and topics). */
  private kernel() {
    const { config } = this.options;
    const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'));
    const link = this.link();
    return tradingKernel(
      config,
      { exchange, models: [] },
      {
        stages: (stages) => {
          this.chains = conductorChains(stages, (name) => this.partitionsOf(name));
          this.feederOf = feedersOf(stages);
          this.upstream = stages.filter((stage) => this.feederOf.has(stage.name));
          return stages.map((stage) => remoteStage(stage, link, this.partitionsOf(stage.name)));
        },
        onEvent: (envelope) => this.record(envelope),
      },
    );
  }

  private link(): StageLink {
    const { onSlowStage } = this.options;
    return {
      known: (deliveryId) => this.channel.take(deliveryId),
      answered: (stage, envelopeId, reply) => {
        if (reply.error !== undefined) return;
        for (const link of this.chains.get(stage) ?? []) {
          for (const index of chainedEmissions(link, reply.emissions))
            this.chained.add(deliveryIdOf(derivedIdOf(envelopeId, stage, index), link.stage.name));
        }
      },
      send: (stage, partition, deliveryId, context: StageContext): Promise<Reply> => {
        const ahead = this.prefetched.get(deliveryId);
        if (ahead !== undefined) {
          this.prefetched.delete(deliveryId);
          return ahead;
        }
        // A chained delivery's reply comes in its feeder's transaction: waited for, never sent.
        const chained = this.chained.delete(deliveryId);
        if (!chained) this.roundTrips++;
        const reply = chained
          ? this.channel.wait(deliveryId)
          : this.deliver(stage, partition, deliveryId, context.clock.now(), context.current);
        if (onSlowStage === undefined) return reply;
        const sentMs = performance.now();
        const timer = setInterval(() => onSlowStage(stage, performance.now() - sentMs), 10_000);
        return reply.finally(() => clearInterval(timer));
      },
      post: (stage, partition, deliveryId, context: StageContext): void => {
        const answered = this.deliver(
          stage,
          partition,
          deliveryId,
          context.clock.now(),
          context.current,
        ).then((reply) => {
          this.unanswered.delete(answered);
          // The kernel enforces quietness in the stage itself: an emission or error here is a failure of the stage.
          if (reply.emissions.length > 0 || reply.error !== undefined) {
            this.quietFailure ??= new Error(
              `stage ${stage} answered a delivery on a topic it declares quiet (${reply.error ?? `${reply.emissions.length} emissions`})`,
            );
          }
        });
        this.unanswered.add(answered);
      },
    };
  }

  /** Sends one delivery to a stage's inbox partition; resolves with its reply. */
  private deliver(
    stage: string,
    partition: number,
    deliveryId: string,
    nowMs: number,
    envelope: Envelope,
  ): Promise<Reply> {
    const reply = this.channel.wait(deliveryId);
    const fields = deliveryFields({ deliveryId, nowMs, envelope });
    this.publisher.publish(this.options.keys.inbox(stage, partition), fields);
    return reply;
  }

  /**
   * Sends the market-only stages their next `LOOKAHEAD` market events ahead of the cascade, in
   * market order (their input order does not depend on anything the cascade does), so the
   * ai-engine computes while the rest of the graph handles earlier events.
   */
  private prefetch(events: readonly MarketEvent[], index: number): void {
    if (this.upstream.length === 0) return;
    const until = Math.min(events.length, index + LOOKAHEAD);
    for (; this.prefetchedUpTo < until; this.prefetchedUpTo++) {
      const event = events[this.prefetchedUpTo];
      const topic = marketTopicOf(event);
      // Event time: the kernel's clock reads the event's time when it delivers it.
      const envelope: Envelope = {
        id: sourceIdOf(event),
        topic,
        causeId: undefined,
        tsEvent: event.ts,
        tsInit: event.ts,
        origin: 'source',
        event,
      };
      for (const stage of this.upstream) {
        if (this.feederOf.get(stage.name) === 'source' && stage.consumes.includes(topic)) {
          this.sendAhead(stage, envelope, event.ts);
        }
      }
    }
  }

  /**
   * One delivery ahead of the cascade; when its reply comes, the stages fed by this one alone get
   * its emissions ahead too (strategy after the ai-engine) — in a fresh run only, where every
   * delivery to them is sent ahead and their inbox order is the kernel's.
   */
  private sendAhead(stage: Stage, envelope: Envelope, nowMs: number): void {
    const deliveryId = deliveryIdOf(envelope.id, stage.name);
    // After a restart, what was answered is replayed from its reply.
    if (this.channel.has(deliveryId) || this.prefetched.has(deliveryId)) return;
    const partition = partitionOf(envelope.event, this.partitionsOf(stage.name));
    const reply = this.deliver(stage.name, partition, deliveryId, nowMs, envelope);
    this.prefetched.set(deliveryId, reply);
    const fed = this.upstream.filter((child) => this.feederOf.get(child.name) === stage.name);
    if (this.recovered > 0) return;
    void reply.then((answer) => {
      if ((answer.timers?.length ?? 0) > 0) {
        this.quietFailure ??= new Error(`stage ${stage.name} set a timer, but it is sent deliveries ahead`);
      }
      if (answer.error !== undefined || fed.length === 0) return;
      answer.emissions.forEach(({ topic, event }, index) => {
        const tsEvent = event.ts ?? envelope.tsEvent;
        const child: Envelope = {
          id: derivedIdOf(envelope.id, stage.name, index),
          topic,
          causeId: envelope.id,
          tsEvent,
          tsInit: tsEvent,
          origin: stage.name,
          event,
        };
        for (const next of fed) if (next.consumes.includes(topic)) this.sendAhead(next, child, nowMs);
      });
    });
  }

  /** The journal (graph outputs in order), dead letters and market data, past what an earlier run wrote. */
  private record(envelope: Envelope): void {
    const { keys, maxLen = 100_000 } = this.options;
    const kind = envelope.event.kind;
    if (isGraphOutput(envelope)) {
      this.journalCount++;
      if (this.journalCount <= this.journalSkip) return;
      const fields = envelopeFields(envelope);
      this.publisher.publish(keys.journal, fields);
      if (envelope.topic === TOPICS.dlq) this.publisher.publish(keys.dlq, fields);
    } else if ((kind === 'kline' || kind === 'tick') && this.journalCount >= this.journalSkip) {
      this.publisher.publish(keys.stream(envelope.topic), envelopeFields(envelope), maxLen);
    }
  }

  /** A write nobody awaits (commands on one connection run in order); its failure fails the run. */
  private write(pending: Promise<unknown>): void {
    pending.catch((error: unknown) => {
      this.writeFailure ??= error instanceof Error ? error : new Error(String(error));
    });
  }

  private malformedReply(entry: StreamEntry, reason: string): void {
    const { keys } = this.options;
    const envelope = refusedEnvelope(keys.replies, entry, 'market-publisher', reason);
    // Reported once, even when a restarted conductor reads the same entry again.
    this.write(
      this.commands.sadd(keys.refused, entry.id).then((added) => {
        if (added === 1) return this.commands.xadd(keys.dlq, '*', ...envelopeFields(envelope));
      }),
    );
  }
}
