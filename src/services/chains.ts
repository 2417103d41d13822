import type { Stage } from '../kernel/stage.js';
import type { Topic } from '../kernel/topics.js';

/** A stage chained to its feeder: what it consumes, and whether its own cascade can reach the feeder. */
export interface ChainLink {
  readonly stage: Stage;
  readonly topics: ReadonlySet<Topic>;
  readonly reachesFeeder: boolean;
}

/**
 * Stages a service runs right after another stage it hosts, on that stage's emissions, without a
 * round trip through the conductor: by feeder name, the stages chained to it, in rank order.
 *
 * Stage B is chained to stage A when both run in the same process and the kernel would deliver
 * B's inputs in exactly the order A emits them, so running B on each of A's emissions at once gives
 * B the inputs, the order, the clock time and the envelopes it gets in one process:
 * - every topic B consumes is published by A and by no other stage (nor by the kernel: not
 *   `control`), so B's inputs are A's emissions and nothing else;
 * - B declares nothing quiet (a quiet delivery is posted, not awaited). A timer B sets is applied
 *   with its reply at the same point of the cascade as in one process, and fires through B's
 *   inbox only after the conductor has that reply, so it keeps its place too;
 * - no other stage that A's emissions reach (not quietly) can reach A again: depth-first, their
 *   cascades run between A's emission and B's turn, and would make A emit again first;
 * - both run as one replica (the caller's `sameProcess` says no otherwise).
 *
 * When B's own cascade can reach A (the kill switch's flatten orders fill, and the portfolio
 * publishes again), B is chained only on a reply with one emission for it (`chainedEmissions`):
 * with two, the kernel would hand B the second one after its own cascade made A emit again.
 * The conductor computes the same from the same stages and replies, and only waits for a chained
 * stage's reply (it comes in the feeder's transaction) instead of sending it the delivery.
 */
export const chainsOf = (
  stages: readonly Stage[],
  sameProcess: (a: string, b: string) => boolean,
): Map<string, ChainLink[]> => {
  const chains = new Map<string, ChainLink[]>();
  // Without every stage's declaration nothing can be proved.
  if (stages.some((stage) => stage.publishes === undefined)) return chains;
  const publishersOf = (topic: Topic): Stage[] => stages.filter((stage) => stage.publishes?.includes(topic));
  const reaches = reachability(stages);
  for (const chained of stages) {
    if ((chained.quiet ?? []).length > 0 || chained.consumes.length === 0) continue;
    const feeders = new Set<Stage>();
    let single = true;
    for (const topic of chained.consumes) {
      const publishers = publishersOf(topic);
      if (publishers.length !== 1) single = false;
      for (const publisher of publishers) feeders.add(publisher);
    }
    const [feeder] = feeders;
    if (!single || feeders.size !== 1 || feeder === chained || !sameProcess(feeder.name, chained.name))
      continue;
    const others = stages.filter(
      (stage) =>
        stage !== chained &&
        stage.consumes.some(
          (topic) => (feeder.publishes ?? []).includes(topic) && !(stage.quiet ?? []).includes(topic),
        ),
    );
    if (others.some((stage) => stage === feeder || reaches.get(stage.name)?.has(feeder.name))) continue;
    const list = chains.get(feeder.name) ?? [];
    list.push({
      stage: chained,
      topics: new Set(chained.consumes),
      reachesFeeder: reaches.get(chained.name)?.has(feeder.name) ?? false,
    });
    list.sort((a, b) => a.stage.rank - b.stage.rank || (a.stage.name < b.stage.name ? -1 : 1));
    chains.set(feeder.name, list);
  }
  return chains;
};

/** Indexes of the feeder's emissions the chained stage handles at once (none: it gets them as deliveries). */
export const chainedEmissions = (
  link: ChainLink,
  emissions: readonly { readonly topic: Topic }[],
): number[] => {
  const indexes: number[] = [];
  emissions.forEach(({ topic }, index) => {
    if (link.topics.has(topic)) indexes.push(index);
  });
  return link.reachesFeeder && indexes.length > 1 ? [] : indexes;
};

/** For each stage, the stages its emissions can reach (through non-quiet deliveries), transitively. */
const reachability = (stages: readonly Stage[]): Map<string, Set<string>> => {
  const direct = new Map<string, Set<string>>();
  for (const stage of stages) {
    const next = new Set<string>();
    for (const topic of stage.publishes ?? []) {
      for (const consumer of stages) {
        if (consumer.consumes.includes(topic) && !(consumer.quiet ?? []).includes(topic))
          next.add(consumer.name);
      }
    }
    direct.set(stage.name, next);
  }
  const reach = new Map<string, Set<string>>();
  for (const stage of stages) {
    const seen = new Set<string>();
    const todo = [...(direct.get(stage.name) ?? [])];
    while (todo.length > 0) {
      const name = todo.pop() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      todo.push(...(direct.get(name) ?? []));
    }
    reach.set(stage.name, seen);
  }
  return reach;
};
