import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires } from './requirements.js';

/**
 * The shared real-data folder (`../shared/data` beside the repository, as CI lays it out), or
 * `QUANTUM_SHARED_DATA` when set. Tests that need it skip themselves, saying so, when it is absent.
 */
export const SHARED_DATA =
  process.env.QUANTUM_SHARED_DATA ??
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

/** The real data the repository bundles (examples/data): found there first, so a clone needs no ../shared for it. */
export const BUNDLED_DATA = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'data');

/** What examples/data holds whole (a folder listed here is bundled with every file in it). */
const BUNDLED = ['klines/AVAXUSDT-1m-2026-02.csv', 'klines/LINKUSDT-1m-2026-02.csv', 'klines/um-2026-02-1h'];

/** Whether a data path (relative to the data folder) is bundled whole in the repository. */
const isBundled = (path: string): boolean =>
  BUNDLED.some((entry) => path === entry || path.startsWith(`${entry}/`)) &&
  existsSync(join(BUNDLED_DATA, path));

/** Path of a data file or folder: the bundled copy when the repository has it whole, else under the shared data folder. */
export const sharedData = (...parts: string[]): string => {
  const path = join(...parts);
  return parts.length > 0 && isBundled(path) ? join(BUNDLED_DATA, path) : join(SHARED_DATA, path);
};

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
 * What is missing of the given data paths (relative to the data folder; bundled copies count), or of
 * the shared data folder itself when no path is given; undefined when all exist. For `requires(…)`.
 */
export const missingSharedData = (...paths: string[]): string | undefined => {
  // Bundled files need no shared folder; anything else does.
  // A path sharedData() mapped into examples/data, or a relative path bundled whole.
  const bundled = (path: string): boolean =>
    isAbsolute(path) ? path.startsWith(`${BUNDLED_DATA}/`) && existsSync(path) : isBundled(path);
  const unbundled = paths.filter((path) => !bundled(path));
  if (paths.length > 0 && unbundled.length === 0) return undefined;
  if (!existsSync(SHARED_DATA)) return `needs the shared data folder ${shown(SHARED_DATA)} (${howToGet()})`;
  const absent = unbundled.map((path) => resolve(SHARED_DATA, path)).filter((path) => !existsSync(path));
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
