import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { QuantumError } from '../domain/errors.js';

/** A redis-server this process started (tests, benchmarks, `quantum redis start`). */
export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  /** Data folder (append-only file), so a restart keeps what was written. */
  readonly dir: string;
  /** Stops it gracefully (SHUTDOWN: the append-only file is flushed). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port and folder (tests of Redis going away). */
  restart(): Promise<void>;
}

export interface LocalRedisOptions {
  /** Port; default a free one. */
  readonly port?: number;
  /** Data folder (created); the append-only file lives here. */
  readonly dir: string;
  /** Path of the redis-server binary (default: `redis-server` on PATH). */
  readonly binary?: string;
  /** Keep running after this process exits (`quantum redis start`); default false. */
  readonly detached?: boolean;
}

/** A TCP port nothing listens on now (the kernel picks it; released before use). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/** Resolves when `PING` on 127.0.0.1:port answers `+PONG`; rejects after `timeoutMs`. */
export const waitForRedis = async (port: number, timeoutMs = 10_000): Promise<void> => {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(port)) return;
    if (performance.now() > deadline) {
      throw new QuantumError('QT_REDIS_UNAVAILABLE', `redis-server on 127.0.0.1:${port} did not answer PING`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

const pingOnce = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });

/** Arguments of a loopback-only redis-server with an append-only file in `dir`. */
export const redisServerArgs = (port: number, dir: string): string[] => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--protected-mode',
  'yes',
  '--dir',
  dir,
  '--appendonly',
  'yes',
  '--appendfsync',
  'everysec',
  '--save',
  '',
  '--daemonize',
  'no',
];

/**
 * Starts a redis-server bound to 127.0.0.1 with its data in `dir` and waits until it answers. A
 * missing binary is a clear error naming the fix (`apt-get install redis-server`).
 */
export const startLocalRedis = async (options: LocalRedisOptions): Promise<LocalRedis> => {
  const port = options.port ?? (await freePort());
  const binary = options.binary ?? 'redis-server';
  mkdirSync(options.dir, { recursive: true });
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const started = spawn(binary, redisServerArgs(port, options.dir), {
      stdio: 'ignore',
      detached: options.detached === true,
    });
    const failed = new Promise<never>((_, reject) => {
      started.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new QuantumError(
            'QT_REDIS_UNAVAILABLE',
            error.code === 'ENOENT'
              ? `${binary} not found: install Redis (apt-get install -y redis-server) or set REDIS_URL to a running server`
              : `${binary} failed to start: ${error.message}`,
          ),
        ),
      );
      started.once('exit', (code) =>
        reject(
          new QuantumError('QT_REDIS_UNAVAILABLE', `${binary} exited with code ${code} on port ${port}`),
        ),
      );
    });
    // A restart replays the append-only file first: on a loaded host that takes seconds.
    await Promise.race([waitForRedis(port, 30_000), failed]);
    started.removeAllListeners('exit');
    started.on('error', () => undefined);
    if (options.detached === true) started.unref();
    child = started;
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    // Gone already (an exit code, or killed by a signal): its 'exit' will not come again.
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      // SIGTERM makes redis-server flush its append-only file and exit.
      running.kill('SIGTERM');
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir: options.dir,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
};
