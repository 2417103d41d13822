import type { Topic } from '../kernel/topics.js';

/**
 * Where everything lives in Redis (DESIGN.md §4, §6). Unsharded keys are the documented names
 * (`quantum:stream:trade.intent`, `quantum:health:sizing`, …). With a shard, every key of that
 * engine carries the shard in one hash tag (`quantum:{3}:stream:trade.intent`), so one engine's
 * keys share a Redis Cluster slot: its `MULTI`s and multi-stream reads work on a cluster unchanged,
 * and more shards spread over more nodes.
 */
export interface Keyspace {
  /** What every key of this engine starts with (`quantum:` or `quantum:{tag}:`). */
  readonly prefix: string;
  /** The topic's stream: every envelope published on it, in order (`MAXLEN ~`). */
  stream(topic: Topic): string;
  /** A stage's deliveries (one stream per partition): its exact input history, in kernel order. */
  inbox(stage: string, partition: number): string;
  /** Stages' answers to deliveries, read by the conductor. */
  readonly replies: string;
  /** The run's outputs in kernel order (`quantum:stream:events`): what the report is made from. */
  readonly journal: string;
  /** Dead letters: refused messages and stage failures, as data. */
  readonly dlq: string;
  /** Ids of refused replies already reported (each goes to the dlq once). */
  readonly refused: string;
  /** The run's identity and state (hash: id, status, counts). */
  readonly run: string;
  /** Heartbeat hash of a service (replica). */
  health(service: string, replica?: number): string;
  /** Prefix of every heartbeat key (for listing them). */
  readonly healthPrefix: string;
  /** Shared-state hashes owned by stages. */
  readonly mode: string;
  readonly portfolioRealtime: string;
  readonly governancePolicy: string;
  readonly aiPolicyAdjustment: string;
}

/** The key layout; `shard` puts every key in one hash tag (Redis Cluster). */
export const keyspace = (shard?: string): Keyspace => {
  const base = shard === undefined ? 'quantum' : `quantum:{${shard}}`;
  return {
    prefix: `${base}:`,
    stream: (topic) => `${base}:stream:${topic}`,
    inbox: (stage, partition) => `${base}:inbox:${stage}:${partition}`,
    replies: `${base}:replies`,
    journal: `${base}:stream:events`,
    dlq: `${base}:stream:dlq`,
    refused: `${base}:dlq:refused`,
    run: `${base}:run`,
    health: (service, replica) => `${base}:health:${service}${replica === undefined ? '' : `:${replica}`}`,
    healthPrefix: `${base}:health:`,
    mode: `${base}:mode`,
    portfolioRealtime: `${base}:portfolio:realtime`,
    governancePolicy: `${base}:governance:policy`,
    aiPolicyAdjustment: `${base}:ai_policy_adjustment`,
  };
};
