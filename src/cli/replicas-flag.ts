import { UsageError } from '../domain/errors.js';
import { isServiceName, SERVICE_NAMES, type ServiceName } from '../services/service-catalog.js';

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
