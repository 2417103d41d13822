import { writeFileSync } from 'node:fs';
import type { DeadLetter } from '../domain/index.js';

/**
 * The dead-letter sink of a file-based run: one JSON object per line, in arrival order. In split
 * mode the same records go to `quantum:stream:dlq`; here they land next to the report, as data.
 */
export const writeDeadLetters = (path: string, letters: readonly DeadLetter[]): string => {
  writeFileSync(
    path,
    letters.map((letter) => JSON.stringify(letter)).join('\n') + (letters.length > 0 ? '\n' : ''),
  );
  return path;
};
