// bench/redis.ts part 2's baseline: the floor of waiting for each stage's answer through Redis.
import { ensureGroup } from '../../../src/services/inbox-reader.js';
import { connectRedis } from '../../../src/services/redis-client.js';
import { Supervisor } from '../../../src/services/supervisor.js';

/** Events, p50, p99 and max of latencies in ms (the sample is sorted in place). */
export const latencySummary = (
  sample: number[],
): { events: number; p50: number; p99: number; max: number } => {
  sample.sort((a, b) => a - b);
  return {
    events: sample.length,
    p50: sample[Math.floor(sample.length / 2)],
    p99: sample[Math.floor(sample.length * 0.99)],
    max: sample[sample.length - 1],
  };
};

/**
 * Part 2's baseline: the floor of any design that waits for each stage's answer through Redis. One
 * market event = `hops` round trips one after another, each to another process (bare ioredis:
 * `XADD` to its inbox, `XREADGROUP BLOCK` there, `XADD` of the answer and `XACK` in one `MULTI`,
 * `XREAD BLOCK` of the answer), messages of `bytes`, paced at `rate` like ours. Nothing is parsed,
 * validated or handled: what is left is Redis, the sockets and waking the processes.
 */
export async function floorChain(
  url: string,
  rate: number,
  hops: number,
  dueOffsetsMs: readonly number[],
  bytes: number,
): Promise<Record<string, unknown>> {
  const events = dueOffsetsMs.length;
  const tag = `floor${rate}`;
  const supervisor = new Supervisor({
    command: [process.execPath, ...process.execArgv, process.argv[1]],
    env: { ...process.env, QUANTUM_LOG_LEVEL: 'warn' },
  });
  const redis = connectRedis(url, 'bench-floor');
  const reader = connectRedis(url, 'bench-floor-replies');
  const inboxes = Array.from({ length: Math.ceil(hops) }, (_, hop) => `${tag}:inbox:${hop}`);
  const replies = `${tag}:replies`;
  for (const inbox of inboxes) await ensureGroup(redis, inbox);
  supervisor.start(inboxes.map((inbox) => ({ name: inbox, args: ['--echo', url, inbox, replies] })));
  for (let waited = 0; waited < 60_000; waited += 50) {
    const ready = await Promise.all(
      inboxes.map(async (inbox) => ((await redis.xinfo('CONSUMERS', inbox, 'quantum')) as unknown[]).length),
    );
    if (ready.every((count) => count > 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const payload = 'x'.repeat(bytes);
  let lastId = '0-0';
  const sample: number[] = [];
  const startedMs = performance.now();
  for (let event = 0; event < events; event++) {
    const dueMs = startedMs + dueOffsetsMs[event];
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    // `hops` may be fractional (a mean): the extra round trip goes to every event where the
    // running total crosses an integer, so the floor makes as many round trips as the cascade.
    const count = Math.floor(hops) + (Math.floor((event + 1) * (hops % 1)) - Math.floor(event * (hops % 1)));
    for (const inbox of inboxes.slice(0, count)) {
      const answer = reader.xread('COUNT', 1, 'BLOCK', 5000, 'STREAMS', replies, lastId) as Promise<
        [string, [string, string[]][]][] | null
      >;
      await redis.xadd(inbox, '*', 'v', '1', 'd', `${event}>${inbox}`, 'e', payload);
      const read = await answer;
      if (read === null) throw new Error(`bench/redis.ts floor: no answer from ${inbox} within 5 s`);
      lastId = read[0][1][0][0];
    }
    sample.push(performance.now() - Math.max(dueMs, startedMs));
  }
  await supervisor.stop();
  redis.disconnect();
  reader.disconnect();
  return { ratePerSec: rate, hops, bytes, ...latencySummary(sample) };
}

/** A child of the floor (`--echo url inbox replies`): answers every entry of its inbox, nothing else. */
export async function echoChild(args: readonly string[]): Promise<void> {
  const [url, inbox, replies] = args;
  const reader = connectRedis(url, `${inbox}:reader`);
  const writer = connectRedis(url, `${inbox}:writer`);
  let running = true;
  process.once('SIGTERM', () => {
    running = false;
    reader.disconnect();
    writer.disconnect();
    process.exit(0);
  });
  while (running) {
    const read = (await reader
      .xreadgroup('GROUP', 'quantum', 'echo', 'COUNT', 64, 'BLOCK', 1000, 'STREAMS', inbox, '>')
      .catch(() => null)) as [string, [string, string[]][]][] | null;
    if (read === null) continue;
    const multi = writer.multi();
    for (const [id, fields] of read[0][1]) {
      multi.xadd(replies, '*', 'v', '1', 'd', fields[3], 'r', '{"emissions":[]}');
      multi.xack(inbox, 'quantum', id);
    }
    await multi.exec();
  }
}
