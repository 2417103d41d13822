// Shared by the kernel tests: a stage from a handler, an event's label, and a caught error.
import type { BusEvent } from '../../src/domain/index.js';
import type { Stage } from '../../src/kernel/stage.js';
import type { Topic } from '../../src/kernel/topics.js';

/** A stage from its name, rank, topics and handler. */
export const stage = (
  name: string,
  rank: number,
  consumes: readonly Topic[],
  handle: Stage['handle'],
): Stage => ({
  name,
  rank,
  consumes,
  handle,
});

/** `kind SYMBOL@ts`: an event as it appears in a recorded sequence. */
export const label = (event: BusEvent): string =>
  `${event.kind}${'symbol' in event ? ` ${event.symbol}` : ''}@${event.ts}`;

/** The error `act` throws (fails when it throws none). */
export const thrown = (act: () => unknown): Error => {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
};
