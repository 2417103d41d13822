import type { BusEvent, DeadLetter } from '../domain/index.js';
import { BusEnvelope, derivedIdOf, type Envelope } from './envelope.js';
import { TOPICS, type Topic } from './topics.js';

/**
 * What a failure inside the kernel becomes: a `StageError` when the run is to fail, else a
 * `DeadLetter` — data naming where it happened, why, and what was being handled.
 */

/** A stage threw (with `onStageError: 'throw'`): names the stage, the topic and the event. */
export class StageError extends Error {
  readonly stage: string;
  readonly topic: Topic;
  constructor(stage: string, topic: Topic, event: BusEvent, cause: unknown) {
    super(`stage ${stage} failed on ${topic} (${describe(event)}): ${messageOf(cause)}`, { cause });
    this.name = 'StageError';
    this.stage = stage;
    this.topic = topic;
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const describe = (event: BusEvent): string =>
  `${event.kind}${'symbol' in event ? ` ${event.symbol}` : ''}${event.ts === undefined ? '' : ` @${event.ts}`}`;

/** JSON of an event for a dead letter, bounded (a payload is data, not a dump). */
const payloadOf = (value: unknown): string => {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
};

/** The dead letter of a stage that threw (or rejected) while handling `envelope`. */
export const stageFailureLetter = (stage: string, envelope: Envelope, error: unknown): DeadLetter => ({
  kind: 'dead-letter',
  origin: `stage ${stage} on ${envelope.topic} (${describe(envelope.event)}, event ${envelope.id})`,
  reason: messageOf(error),
  payload: payloadOf(envelope.event),
  ts: envelope.tsEvent,
});

/** The dead letter of an external event that failed its topic's schema. */
/** The envelope of a stage's failure on `envelope`: on `dlq`, caused by it, its id derived from it. */
export const stageFailureEnvelope = (
  stage: string,
  envelope: Envelope,
  error: unknown,
  tsInit: number,
): Envelope =>
  new BusEnvelope(
    TOPICS.dlq,
    stageFailureLetter(stage, envelope, error),
    envelope.tsEvent,
    tsInit,
    stage,
    envelope,
    0,
    derivedIdOf(envelope.id, `${stage}!dead-letter`, 0),
  );

export const malformedLetter = (topic: Topic, reason: string, raw: unknown): DeadLetter => ({
  kind: 'dead-letter',
  origin: `topic ${topic}`,
  reason,
  payload: payloadOf(raw),
});
