import { createPrng, UsageError } from '../domain/index.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import type { Stage } from '../kernel/stage.js';
import type { AnyModel } from '../models/model.js';
import { type PipelineConfig, simExchangeParamsOf } from '../pipeline/config.js';
import { tradingStages } from '../pipeline/graph.js';
import { type ChainLink, chainsOf } from './chains.js';
import {
  PARTITIONABLE_SERVICES,
  PARTITIONABLE_STAGES,
  SERVICES,
  type ServiceName,
  serviceOfStage,
} from './service-catalog.js';
import type { HostedStage } from './stage-host.js';

/** Which replica of how many this process is (replicas share a stage by owning its partitions). */
export interface ReplicaOf {
  readonly replica: number;
  readonly replicas: number;
}

/** What one service process runs: its stages with their partitions, and the stages chained in it. */
export interface HostedService {
  readonly stages: HostedStage[];
  readonly chains: Map<string, ChainLink[]>;
}

/**
 * The stages a service runs — built by the same `tradingStages` as a backtest, so the code is the
 * code the backtest runs — and the inbox partitions each one owns: replica `i` of `n` owns
 * partition `i` of a partitionable stage (its symbols hash there); other stages run as one replica.
 * `config.seed` seeds the simulated venue as `runBacktest` does. Also the stages it runs chained to
 * another of its stages (`chainsOf`; the conductor derives the same with `conductorChains`).
 */
export const hostedService = (
  service: ServiceName,
  config: PipelineConfig,
  models: readonly AnyModel[],
  { replica, replicas }: ReplicaOf,
): HostedService => {
  const names: readonly string[] = SERVICES[service];
  if (replicas > 1 && !names.every((name) => PARTITIONABLE_STAGES.has(name))) {
    throw new UsageError(
      `--replicas: service ${service} keeps state across symbols and runs as one replica; replicas are for ${[...PARTITIONABLE_SERVICES].join(', ')}`,
    );
  }
  if (!Number.isInteger(replica) || replica < 0 || replica >= replicas) {
    throw new UsageError(`--replica: expected 0 … ${replicas - 1}, got ${replica}`);
  }
  const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'));
  const all = tradingStages(config, { exchange, models });
  const stages = all
    .filter((stage) => names.includes(stage.name))
    .map((stage) => ({ stage, partitions: [replicas > 1 ? replica : 0] }));
  const chains = chainsOf(all, (a, b) => replicas === 1 && names.includes(a) && names.includes(b));
  return { stages, chains };
};

/** The stages a service runs (see `hostedService`). */
export const hostedStages = (
  service: ServiceName,
  config: PipelineConfig,
  models: readonly AnyModel[],
  replicaOf: ReplicaOf,
): HostedStage[] => hostedService(service, config, models, replicaOf).stages;

/**
 * The chains as the conductor sees them: two stages are in one process when one service hosts
 * both and neither is split into partitions.
 */
export const conductorChains = (
  stages: readonly Stage[],
  partitionsOf: (stage: string) => number,
): Map<string, ChainLink[]> =>
  chainsOf(
    stages,
    (a, b) => serviceOfStage(a) === serviceOfStage(b) && partitionsOf(a) === 1 && partitionsOf(b) === 1,
  );
