// Runs every benchmark (bench/*.ts except this file), each in its own Node process so one cannot
// disturb another's heap or JIT state, streams their output, goes on past a failure, and ends
// with a summary of each bench's JSON line (bench/results/summary.json).
// Usage: `npm run bench` or `npx tsx bench/run-all.ts [name…]` (e.g. `pipeline features`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';

const only = process.argv.slice(2);
const benches = readdirSync('bench')
  .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts' && !file.startsWith('lib'))
  .map((file) => file.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

const summary: { bench: string; ok: boolean; seconds: number; result?: unknown; error?: string }[] = [];
for (const name of benches) {
  process.stdout.write(`\n=== bench/${name}.ts ===\n`);
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', `bench/${name}.ts`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(run.stdout ?? '');
  // Each bench prints one JSON line with its results.
  const jsonLine = (run.stdout ?? '').split('\n').find((line) => line.startsWith('{"bench"'));
  let result: unknown;
  try {
    result = jsonLine ? JSON.parse(jsonLine) : undefined;
  } catch {
    result = undefined;
  }
  summary.push({
    bench: name,
    ok: run.status === 0,
    seconds,
    result,
    ...(run.status === 0 ? {} : { error: `exit ${run.status ?? run.signal}` }),
  });
}

process.stdout.write('\n=== summary ===\n');
for (const entry of summary) {
  process.stdout.write(
    `${entry.ok ? 'ok  ' : 'FAIL'} ${entry.bench.padEnd(10)} ${entry.seconds.toFixed(1).padStart(6)} s\n`,
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
process.exitCode = summary.every((entry) => entry.ok) ? 0 : 1;
