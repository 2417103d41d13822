import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Writes stream entries in pipelines: what is published within one synchronous run of code goes to
 * Redis as one pipeline (sent when the microtask queue runs, or at `maxBatch` entries), in
 * publication order. Nobody waits per entry; the first failed write is thrown by `flush`.
 */
export class StreamPublisher {
  private readonly redis: Redis;
  private readonly maxBatch: number;
  private pipeline: ChainableCommander | undefined;
  private queued = 0;
  private lastFlush: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  /** `maxBatch`: entries per pipeline before it is sent without waiting for the turn to end. */
  constructor(redis: Redis, maxBatch = 512) {
    this.redis = redis;
    this.maxBatch = maxBatch;
  }

  /** Appends an entry to `key` (`XADD key [MAXLEN ~ n] * fields…`). */
  publish(key: string, fields: readonly string[], maxLen?: number): void {
    let pipeline = this.pipeline;
    if (pipeline === undefined) {
      pipeline = this.redis.pipeline();
      this.pipeline = pipeline;
      queueMicrotask(() => this.send());
    }
    if (maxLen === undefined) pipeline.xadd(key, '*', ...fields);
    else pipeline.xadd(key, 'MAXLEN', '~', maxLen, '*', ...fields);
    if (++this.queued >= this.maxBatch) this.send();
  }

  /** Any other command, in order with the entries (e.g. `hset` of a hash the stream's owner keeps). */
  command(add: (pipeline: ChainableCommander) => void): void {
    let pipeline = this.pipeline;
    if (pipeline === undefined) {
      pipeline = this.redis.pipeline();
      this.pipeline = pipeline;
      queueMicrotask(() => this.send());
    }
    add(pipeline);
    this.queued++;
  }

  /** Sends what is queued and resolves when Redis has taken everything published so far. */
  async flush(): Promise<void> {
    this.send();
    await this.lastFlush;
    if (this.failure !== undefined) throw this.failure;
  }

  private send(): void {
    const pipeline = this.pipeline;
    if (pipeline === undefined) return;
    this.pipeline = undefined;
    this.queued = 0;
    this.lastFlush = pipeline.exec().then(
      (results) => {
        for (const [error] of results ?? [])
          if (error !== null && error !== undefined) this.failure ??= error;
      },
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
  }
}
