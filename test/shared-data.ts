import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared real-data folder (`../shared/data` beside the repository, as CI lays it out), or
 * `QUANTUM_SHARED_DATA` when set. Tests that need it skip themselves when it is absent.
 */
export const SHARED_DATA =
  process.env.QUANTUM_SHARED_DATA ??
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

/** Path of a file under the shared data folder. */
export const sharedData = (...parts: string[]): string => join(SHARED_DATA, ...parts);

export const hasSharedData = (): boolean => existsSync(SHARED_DATA);
