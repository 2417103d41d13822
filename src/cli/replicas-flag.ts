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
