/**
 * Stream and hash names: the contract between services (DESIGN.md §4). In one process the same
 * topics are in-memory subjects; split across processes they are Redis streams.
 */
export const STREAMS = {
  marketTick: 'quantum:stream:market.tick',
  marketKlines: 'quantum:stream:market.klines',
  signalGenerated: 'quantum:stream:ai.signal_generated',
  metaRegime: 'quantum:stream:meta.regime',
  decisionMade: 'quantum:stream:ai.decision.made',
  tradeIntent: 'quantum:stream:trade.intent',
  sizingDecided: 'quantum:stream:sizing.decided',
  sizingFinal: 'quantum:stream:sizing.final',
  governorExecution: 'quantum:stream:governor.execution',
  governorDenied: 'quantum:stream:governor.denied',
  executionCommand: 'quantum:stream:execution.command',
  executionResult: 'quantum:stream:execution.result',
  tradeClosed: 'quantum:stream:trade.closed',
  exitbrainPnl: 'quantum:stream:exitbrain.pnl',
  portfolioSnapshotUpdated: 'quantum:stream:portfolio.snapshot_updated',
  rlReward: 'quantum:stream:rl:reward',
  rlExperience: 'quantum:stream:rl:experience',
  policyUpdated: 'quantum:stream:policy.updated',
  events: 'quantum:stream:events',
  control: 'quantum:stream:control',
  dlq: 'quantum:stream:dlq',
} as const;
export type StreamName = (typeof STREAMS)[keyof typeof STREAMS];

export const HASHES = {
  mode: 'quantum:mode',
  governancePolicy: 'quantum:governance:policy',
  aiPolicyAdjustment: 'quantum:ai_policy_adjustment',
  portfolioRealtime: 'quantum:portfolio:realtime',
  rlReward: 'quantum:rl:reward',
  rlExperience: 'quantum:rl:experience',
} as const;

/** Heartbeat key of a service. */
export const healthKey = (service: string): string => `quantum:health:${service}`;

/**
 * Stream key for a shard (DESIGN.md §6): the shard sits in a hash tag so all of one shard's
 * streams live on one Redis Cluster slot. Shard `undefined` keeps the unsharded name.
 */
export const shardedStream = (stream: StreamName, shard?: number): string =>
  shard === undefined ? stream : stream.replace('quantum:', `quantum:{${shard}}:`);
