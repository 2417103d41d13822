import type { BusEvent } from '../domain/index.js';
import type { Stage, StageContext } from '../kernel/stage.js';
import type { Reply } from './wire.js';

/** How the conductor reaches a stage in another process. */
export interface StageLink {
  /** The reply to `deliveryId` when it is already known (replay after the conductor's restart). */
  known(deliveryId: string): Reply | undefined;
  /** Sends the delivery to the stage's inbox partition and resolves with the stage's reply. */
  send(stage: string, partition: number, deliveryId: string, context: StageContext): Promise<Reply>;
  /** Sends a delivery on a topic the stage declares quiet: nobody waits for its (empty) reply. */
  post(stage: string, partition: number, deliveryId: string, context: StageContext): void;
  /** Hears each reply the kernel is about to apply (before its emissions are delivered). */
  answered?(stage: string, envelopeId: string, reply: Reply): void;
}

/** Which inbox partition of a stage an event goes to (a symbol's events always to the same one). */
export const partitionOf = (event: BusEvent, partitions: number): number => {
  if (partitions <= 1 || !('symbol' in event) || event.symbol === undefined) return 0;
  // FNV-1a of the symbol: stable across processes and runs.
  let hash = 0x811c9dc5;
  for (let i = 0; i < event.symbol.length; i++)
    hash = Math.imul(hash ^ event.symbol.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % partitions;
};

/** Id of the delivery of an envelope to a stage: the same in every run and after any restart. */
export const deliveryIdOf = (envelopeId: string, stage: string): string => `${envelopeId}>${stage}`;

/**
 * A stage that runs in another process, as the conductor's kernel sees it: same name, rank and
 * topics as the local one; `handle` sends the event to the stage's service and publishes what the
 * stage emitted there, in its order, as its own emissions. A delivery on a topic the stage declares
 * quiet is posted without waiting (the kernel guarantees such a delivery emits nothing). A stage that failed there fails here
 * with the same message (the kernel's dead letter reads the same as in one process).
 */
export const remoteStage = (local: Stage, link: StageLink, partitions: number): Stage => {
  const apply = (reply: Reply, context: StageContext): void => {
    link.answered?.(local.name, context.current.id, reply);
    if (reply.error !== undefined) throw new Error(reply.error);
    for (const timer of reply.timers ?? []) {
      if (timer.op === 'cancel') context.clock.cancelTimer(timer.owner, timer.name);
      else
        context.clock.setTimer(
          timer.periodMs === undefined
            ? { owner: timer.owner, name: timer.name, atMs: timer.atMs }
            : { owner: timer.owner, name: timer.name, atMs: timer.atMs, periodMs: timer.periodMs },
        );
    }
    for (const { event, topic } of reply.emissions) context.emit(event, topic);
  };
  const quiet = new Set(local.quiet ?? []);
  return {
    name: local.name,
    rank: local.rank,
    consumes: local.consumes,
    ...(local.quiet === undefined ? {} : { quiet: local.quiet }),
    handle(event, context) {
      const deliveryId = deliveryIdOf(context.current.id, local.name);
      const known = link.known(deliveryId);
      if (known !== undefined) {
        apply(known, context);
        return;
      }
      // The stage answers nothing on a quiet topic: the cascade goes on while it handles it (its inbox keeps the order).
      if (quiet.has(context.current.topic)) {
        link.post(local.name, partitionOf(event, partitions), deliveryId, context);
        return;
      }
      return link
        .send(local.name, partitionOf(event, partitions), deliveryId, context)
        .then((reply) => apply(reply, context));
    },
  };
};
