import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuantumError } from '../domain/errors.js';

/** One supervised process: `quantum <args>`; `oneShot` ones finish (exit 0) instead of serving forever. */
export interface ChildSpec {
  /** Unique name, e.g. `ai-engine#1`. */
  readonly name: string;
  readonly args: readonly string[];
  readonly oneShot?: boolean;
}

export interface SupervisorOptions {
  /** How to start `quantum` (default: this installation's CLI with this Node and its flags). */
  readonly command?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Folder for each child's stderr (`<name>.log`), or undefined to drop it. */
  readonly logDir?: string;
  /** Delay before a restart, doubled per quick successive failure; default 200 ms. */
  readonly restartDelayMs?: number;
  /** Hears every restart (and why). */
  readonly onRestart?: (name: string, reason: string) => void;
}

/** `quantum` as this process runs it: the CLI next to this module, with this Node and its flags (tsx in tests). */
export const quantumCommand = (): string[] => {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const cli = join(here, '..', '..', ts ? 'cli.ts' : 'cli.js');
  if (!existsSync(cli)) throw new QuantumError('QT_INTERNAL', `cannot find the quantum CLI at ${cli}`);
  const flags = process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
  if (ts && !flags.some((flag) => flag.includes('tsx'))) flags.push('--import', 'tsx');
  return [process.execPath, ...flags, cli];
};

interface Running {
  readonly spec: ChildSpec;
  child: ChildProcess;
  restarts: number;
  log: WriteStream | undefined;
  /** Last lines of stderr, for the error of a child that cannot start. */
  tail: string;
  /** When it was started (wall ms). */
  readonly startedMs: number;
}

/**
 * Starts the services as child processes and keeps them running (the `quantum run --split` parent,
 * systemd's job in production): a child that dies — crash, OOM, SIGKILL — is started again after
 * a short backoff and recovers from Redis; a one-shot child that exits 0 is done. A child that exits
 * 2 (bad config or usage) is not restarted: the run fails with its message.
 */
export class Supervisor {
  private readonly options: SupervisorOptions;
  private readonly command: readonly string[];
  private readonly children = new Map<string, Running>();
  private stopping = false;
  private readonly finished = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  constructor(options: SupervisorOptions = {}) {
    this.options = options;
    this.command = options.command ?? quantumCommand();
  }

  start(specs: readonly ChildSpec[]): void {
    for (const spec of specs) this.launch(spec, 0);
  }

  /** Resolves when the one-shot child `name` exits 0; rejects when a child fails for good. */
  done(name: string): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.finished.set(name, { resolve, reject }));
  }

  /** Sends `signal` to a running child (chaos tests, operators); it is restarted like any death. */
  kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const running = this.children.get(name);
    if (running === undefined || running.child.exitCode !== null || running.child.signalCode !== null)
      return false;
    return running.child.kill(signal);
  }

  /** Names of the supervised children. */
  names(): string[] {
    return [...this.children.keys()];
  }

  /** The children that should be running now, with when each was last started (wall ms). */
  running(): { readonly name: string; readonly sinceMs: number }[] {
    return [...this.children.values()]
      .filter((running) => running.child.exitCode === null && running.child.signalCode === null)
      .map((running) => ({ name: running.spec.name, sinceMs: running.startedMs }));
  }

  /** Restarts so far per child. */
  restarts(): Record<string, number> {
    return Object.fromEntries([...this.children].map(([name, running]) => [name, running.restarts]));
  }

  /** Stops every child (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
        (running) =>
          new Promise<void>((resolve) => {
            const { child } = running;
            const close = (): void => {
              running.log?.end();
              resolve();
            };
            if (child.exitCode !== null || child.signalCode !== null) return close();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              close();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  private launch(spec: ChildSpec, restarts: number): void {
    const [file, ...baseArgs] = this.command;
    const child = spawn(file, [...baseArgs, ...spec.args], {
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const previous = this.children.get(spec.name);
    const log =
      previous?.log ??
      (this.options.logDir === undefined
        ? undefined
        : createWriteStream(join(this.options.logDir, `${spec.name.replace('#', '-')}.log`), { flags: 'a' }));
    const running: Running = { spec, child, restarts, log, tail: '', startedMs: Date.now() };
    this.children.set(spec.name, running);
    child.stderr?.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      running.tail = (running.tail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('exit', (code, signal) => this.exited(running, code, signal));
  }

  private exited(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    const { spec } = running;
    if (code === 0 && spec.oneShot === true) {
      this.finished.get(spec.name)?.resolve();
      return;
    }
    if (code === 2) {
      const reason = running.tail.trim().split('\n').slice(-3).join('\n');
      this.fail(new QuantumError('QT_SERVICE_FAILED', `service ${spec.name} refused to start: ${reason}`));
      return;
    }
    const reason = signal === null ? `exit code ${code}` : `signal ${signal}`;
    this.options.onRestart?.(spec.name, reason);
    const delayMs = Math.min(5000, (this.options.restartDelayMs ?? 200) * 2 ** Math.min(running.restarts, 4));
    setTimeout(() => {
      if (!this.stopping) this.launch(spec, running.restarts + 1);
    }, delayMs);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.finished.values()) waiter.reject(error);
  }
}
