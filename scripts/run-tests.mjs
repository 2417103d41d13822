#!/usr/bin/env node
// Runs every uvu test file under test/ (or the files/folders given) in its own Node process with
// tsx, so one crashing file cannot hide the others, then prints one line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['test'];
const files = [];
const walk = (path) => {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'fixtures' || entry === 'node_modules') continue;
      walk(join(path, entry));
    }
  } else if (/\.test\.ts$/.test(path)) files.push(path);
};
roots.forEach(walk);

let passed = 0;
let failed = 0;
const failedFiles = [];
for (const file of files) {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60 * 1000,
  });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
  // A file that crashed before uvu's summary counts as one failure.
  const bad = run.status === 0 ? total - ok - skipped : Math.max(1, total - ok - skipped);
  passed += ok;
  failed += bad;
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const name = relative('.', file);
  if (bad > 0) {
    failedFiles.push(name);
    process.stdout.write(`✗ ${name} (${ok} passed, ${bad} failed, ${ms} ms)\n${output}\n`);
  } else {
    process.stdout.write(`✓ ${name} (${ok} passed, ${ms} ms)\n`);
  }
}
if (failedFiles.length > 0) process.stdout.write(`\nfailed files:\n  ${failedFiles.join('\n  ')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
