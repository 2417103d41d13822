// Runs the importing bench compiled, as users run the engine: `quantum` and `npm start` run tsc's
// output (dist/), not tsx. tsx compiles with esbuild's keepNames, which wraps every closure made per
// call in `__name` (a defineProperty) — a cost no user pays (measured 1.1-1.25× on bench/pipeline).
// Imported first by a bench: under tsx it compiles src and bench into dist/ (tsconfig.bench.json),
// runs dist/bench/<name>.js with the same arguments and node flags, and exits with its code, before
// the rest of the bench's imports are evaluated. `--tsx` measures the TypeScript sources instead.
import { spawnSync } from 'node:child_process';

/** Runs bench `name` (bench/<name>.ts) compiled unless this already is compiled, or `--tsx` asks for tsx. */
export const runCompiled = (name: string): void => {
  if (!import.meta.url.endsWith('.ts') || process.argv.includes('--tsx')) return;
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  // The node flags without the tsx loader (`--import tsx`, `--import=tsx`, `--require tsx/cjs`).
  const flags: string[] = [];
  const execArgv = process.execArgv;
  for (let i = 0; i < execArgv.length; i++) {
    if ((execArgv[i] === '--import' || execArgv[i] === '--require') && execArgv[i + 1]?.includes('tsx')) i++;
    else if (!execArgv[i].includes('tsx')) flags.push(execArgv[i]);
  }
  const script = `dist/bench/${name}.js`;
  const run = spawnSync(process.execPath, [...flags, script, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
};
