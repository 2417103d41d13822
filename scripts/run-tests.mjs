#!/usr/bin/env node
// Runs every uvu test file under test/ (or the files/folders given) in its own Node process with
// tsx, so one crashing file cannot hide the others, a few at a time (QUANTUM_TEST_JOBS, default:
// the number of CPUs, at most 4), then prints one line: `N passed, N failed`.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

const jobs = Math.max(1, Number(process.env.QUANTUM_TEST_JOBS) || Math.min(4, availableParallelism()));
const TIMEOUT_MS = 15 * 60 * 1000;

/** Runs one test file; resolves with its counts and output. */
const runFile = (file) =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const ok = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      // A file that crashed before uvu's summary counts as one failure.
      const bad = status === 0 ? total - ok - skipped : Math.max(1, total - ok - skipped);
      const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
      resolve({ file, ok, bad, ms, output });
    });
  });

let passed = 0;
let failed = 0;
const failedFiles = [];
let next = 0;
const worker = async () => {
  while (next < files.length) {
    const result = await runFile(files[next++]);
    const name = relative('.', result.file);
    passed += result.ok;
    failed += result.bad;
    if (result.bad > 0) {
      failedFiles.push(name);
      process.stdout.write(
        `✗ ${name} (${result.ok} passed, ${result.bad} failed, ${result.ms} ms)\n${result.output}\n`,
      );
    } else {
      process.stdout.write(`✓ ${name} (${result.ok} passed, ${result.ms} ms)\n`);
    }
  }
};
await Promise.all(Array.from({ length: jobs }, worker));

if (failedFiles.length > 0) process.stdout.write(`\nfailed files:\n  ${failedFiles.sort().join('\n  ')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
