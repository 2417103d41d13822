import { UsageError } from '../domain/errors.js';
import {
  isServiceName,
  PARTITIONABLE_SERVICES,
  SERVICE_NAMES,
  type ServiceName,
} from '../services/service-catalog.js';

/** `--replicas ai-engine=2,strategy=1`: replicas per service; an empty list means 1 of each. */
export const parseReplicasFlag = (value: string): Partial<Record<ServiceName, number>> => {
  const replicas: Partial<Record<ServiceName, number>> = {};
  for (const pair of value.split(',').filter((part) => part.trim() !== '')) {
    const match = /^\s*([a-z-]+)=(\d+)\s*$/.exec(pair);
    if (match === null) {
      throw new UsageError(
        `--replicas: expected <service>=<count>[,…] such as ai-engine=2,strategy=1, got "${pair}"`,
      );
    }
    const [, name, count] = match;
    if (!isServiceName(name)) {
      throw new UsageError(
        `--replicas: unknown service "${name}"; expected one of ${SERVICE_NAMES.join(', ')}`,
      );
    }
    replicas[name] = Number(count);
  }
  return replicas;
};

/** `--replicas` for a split run: only stages whose state is per symbol may have more than one. */
export const parseStageReplicasFlag = (value: string): Partial<Record<ServiceName, number>> => {
  const replicas = parseReplicasFlag(value);
  for (const [name, count] of Object.entries(replicas)) {
    if (count !== undefined && count > 1 && !PARTITIONABLE_SERVICES.has(name as ServiceName)) {
      throw new UsageError(
        `--replicas: ${name} keeps state across symbols and runs as one replica; replicas are for ${[...PARTITIONABLE_SERVICES].join(', ')}`,
      );
    }
  }
  return replicas;
};

/**
 * Replicas a config allows: the model supervisor judges every symbol's votes together on one
 * timer, so with it on the ai-engine runs as one replica (each replica would see only its symbols).
 */
export const checkReplicasFitConfig = (
  replicas: Partial<Record<ServiceName, number>>,
  config: { readonly supervisor: { readonly enabled: boolean } },
): Partial<Record<ServiceName, number>> => {
  if (config.supervisor.enabled && (replicas['ai-engine'] ?? 1) > 1) {
    throw new UsageError(
      `--replicas ai-engine=${replicas['ai-engine']}: the model supervisor (supervisor.enabled) judges all symbols' votes together; run one ai-engine replica or turn the supervisor off`,
    );
  }
  return replicas;
};
