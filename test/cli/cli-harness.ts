// What the end-to-end tests of the `quantum` command line share: spawning it as a user runs it
// (`node --import tsx src/cli.ts …` from the repository root, a few at a time, some started ahead
// of their test), the user-error assertion, and a temporary folder per test run.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { runQuantum } from '../cli-runner.js';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const NAN_FIXTURE = 'test/fixtures/klines/AVAXUSDT-1m-nan-close.csv';
export const SMALL_CONFIG = 'test/fixtures/pipeline/small-synthetic.yaml';

/** What a finished `quantum` process left: its exit code and its output. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Each spawn costs ~0.5 s of Node + tsx start-up, mostly waiting on one core: run a few at once.
const MAX_RUNNING = availableParallelism() + 1;
let running = 0;
const waiting: (() => void)[] = [];

/** Spawns `quantum …args` from the repository root (logs silent, no colours, no debug stacks). */
const spawnQuantum = (args: readonly string[]): Promise<CliRun> =>
  new Promise<CliRun>((resolveRun, reject) => {
    const start = (): void => {
      running++;
      runQuantum(args).then((run) => {
        running--;
        waiting.shift()?.();
        resolveRun(run);
      }, reject);
    };
    if (running < MAX_RUNNING) start();
    else waiting.push(start);
  });

/** Runs started ahead of their test (see `prestart`), by their argument list. */
const started = new Map<string, Promise<CliRun>>();

/**
 * Starts these commands now, in parallel; the test that later calls `quantum` with the same
 * arguments gets that run. Only for commands whose result does not depend on earlier tests.
 */
export const prestart = (...commands: readonly (readonly string[])[]): void => {
  for (const args of commands) started.set(args.join('\0'), spawnQuantum(args));
};

/** `quantum …args`: the prestarted run of these arguments, or a new one. */
export const quantum = (...args: string[]): Promise<CliRun> => {
  const key = args.join('\0');
  const early = started.get(key);
  started.delete(key);
  return early ?? spawnQuantum(args);
};

/** A user error: exit 2, one `error QT_…:` message on stderr containing `expected`, no stack trace. */
export const assertUserError = (run: CliRun, expected: string | RegExp): void => {
  const where = `stdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.is(run.status, 2, where);
  assert.match(run.stderr, /^error QT_[A-Z_]+: /, where);
  if (typeof expected === 'string') assert.ok(run.stderr.includes(expected), where);
  else assert.match(run.stderr, expected, where);
  assert.not.ok(run.stderr.includes('    at '), `a stack trace reached the user:\n${run.stderr}`);
};

let tmpCount = 0;
export const tmpRoot = mkdtempSync(join(tmpdir(), 'quantum-cli-'));
/** A fresh folder under this run's temporary root. */
export const tmp = (name: string): string => {
  const dir = join(tmpRoot, `${++tmpCount}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
