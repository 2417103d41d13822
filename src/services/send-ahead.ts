import type { Stage } from '../kernel/stage.js';
import { TOPICS, type Topic } from '../kernel/topics.js';

/** Topics only the source publishes (market data): a stage fed by nothing else may be sent ahead. */
export const SOURCE_TOPICS: ReadonlySet<Topic> = new Set([TOPICS.klines, TOPICS.ticks]);

/**
 * The stages that can be sent deliveries ahead of the cascade, each with what alone feeds it: fed by
 * market data only (`source`), or by one such stage only (strategy ← ai-engine) — their input
 * order is fixed by the market's, whatever the rest of the graph does. Needs every stage to declare
 * what it publishes.
 */
export const feedersOf = (stages: readonly Stage[]): Map<string, string> => {
  const feeders = new Map<string, string>();
  if (stages.some((stage) => stage.publishes === undefined)) return feeders;
  for (let changed = true; changed; ) {
    changed = false;
    for (const stage of stages) {
      if (feeders.has(stage.name)) continue;
      const sources = new Set<string>();
      for (const topic of stage.consumes) {
        if (SOURCE_TOPICS.has(topic)) sources.add('source');
        for (const other of stages) if (other.publishes?.includes(topic)) sources.add(other.name);
        // Fed by the kernel itself (control: timers, end of data): its order is the cascade's.
        if (!SOURCE_TOPICS.has(topic) && !stages.some((other) => other.publishes?.includes(topic)))
          sources.add('kernel');
      }
      const [only] = sources;
      if (sources.size === 1 && (only === 'source' || feeders.has(only)) && stage.quiet === undefined) {
        feeders.set(stage.name, only);
        changed = true;
      }
    }
  }
  return feeders;
};
