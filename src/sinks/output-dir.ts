import { accessSync, constants, existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../domain/errors.js';

const reasonOf = (error: unknown): string => {
  const code = (error as { code?: string }).code;
  return code === undefined ? String(error) : code;
};

/**
 * Makes sure the output folder can take the run's files before any work starts, so a bad `--out`
 * fails in a moment (exit 2) instead of after the whole run: the first existing ancestor must be
 * a folder, each missing level is created one at a time (a recursive mkdir loops for minutes on
 * some special filesystems, e.g. under /proc), and a probe file must be writable (root passes
 * permission checks that a filesystem may still refuse). `label` names where the folder came from
 * (`--out`, `output.dir`), `shown` the path as the user wrote it (a file's path when `dir` is its
 * folder). Throws `UsageError` naming the label, the path and the reason.
 */
export const prepareOutputDir = (dir: string, label: string, shown = dir): string => {
  const absolute = resolve(dir);
  const where = `${label} ${shown}`;
  const missing: string[] = [];
  let existing = absolute;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(`${where}: ${existing} is a file, not a folder; choose a folder for the output`);
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      throw new UsageError(
        `${where}: cannot create ${level} (${reasonOf(error)}); choose a folder you can write to`,
      );
    }
  }
  const probe = join(absolute, `.quantum-write-probe-${process.pid}`);
  try {
    accessSync(absolute, constants.W_OK);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    throw new UsageError(
      `${where}: cannot write there (${reasonOf(error)}); choose a folder you can write to`,
    );
  }
  return absolute;
};
