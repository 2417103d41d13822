import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires } from './requirements.js';

/**
 * The shared real-data folder (`../shared/data` beside the repository, as CI lays it out), or
 * `QUANTUM_SHARED_DATA` when set. Tests that need it skip themselves, saying so, when it is absent.
 */
export const SHARED_DATA =
  process.env.QUANTUM_SHARED_DATA ??
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

/** Path of a file under the shared data folder. */
export const sharedData = (...parts: string[]): string => join(SHARED_DATA, ...parts);

/** A path as the reader would type it: relative to the working directory when it is near. */
const shown = (path: string): string => {
  const near = relative(process.cwd(), path);
  return near.startsWith('../../') ? path : near;
};

const howToGet = (): string =>
  process.env.QUANTUM_SHARED_DATA === undefined
    ? 'lay out the shared data beside the repository, or set QUANTUM_SHARED_DATA'
    : `QUANTUM_SHARED_DATA=${process.env.QUANTUM_SHARED_DATA}`;

/**
 * What is missing of the shared data folder or of the given paths in it (absolute, or relative to
 * the folder), or undefined when all exist. For `requires(…)`.
 */
export const missingSharedData = (...paths: string[]): string | undefined => {
  if (!existsSync(SHARED_DATA)) return `needs the shared data folder ${shown(SHARED_DATA)} (${howToGet()})`;
  const absent = paths.map((path) => resolve(SHARED_DATA, path)).filter((path) => !existsSync(path));
  return absent.length === 0 ? undefined : `needs ${absent.map(shown).join(', ')} (${howToGet()})`;
};

/**
 * True when the shared data folder (and each given path in it) exists; otherwise prints one skip
 * line naming what is missing (see test/requirements.ts) and returns false, so the caller
 * registers none of the tests that need it.
 */
export const needSharedData = (...paths: string[]): boolean => requires(missingSharedData(...paths));

/** `needSharedData()`: the folder only. Kept for the tests that guard on it. */
export const hasSharedData = (): boolean => needSharedData();
