// Spawns `quantum …` as a user runs it from the repository root (`node --import tsx src/cli.ts`),
// for the end-to-end tests of the command line and of the services.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CLI = join(REPO, 'src', 'cli.ts');

/** What a finished `quantum` process left: its exit code, its output and how long it took. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `quantum …args` with `env` added (logs silent and no colours unless `env` says otherwise). */
export const runQuantum = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  new Promise((done, reject) => {
    const started = performance.now();
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      QUANTUM_LOG_LEVEL: 'silent',
      FORCE_COLOR: '0',
      ...env,
    };
    if (env.QUANTUM_DEBUG === undefined) delete childEnv.QUANTUM_DEBUG;
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', reject);
    child.on('close', (status) => done({ status, stdout, stderr, ms: performance.now() - started }));
  });
