#!/usr/bin/env node
// Runs every uvu test file under test/ (or the files/folders given) in its own Node process with
// tsx, so one crashing file cannot hide the others, a few at a time (QUANTUM_TEST_JOBS, default:
// the number of CPUs, at most 4), then prints one line: `N passed, N failed`, followed by
// `, N skipped` when tests were skipped.
//
// A test file that lacks something from outside the repository (shared data, the `xgboost` CLI)
// registers none of the tests needing it and prints one line per skipped group (test/requirements.ts):
//   QUANTUM_SKIP: <file>: <what is missing and how to get it>
// Each such line is one skipped test, reported as `- <file> skipped: <reason>`; under CI=true it is
// one failed test instead, since CI must run everything. A file that ran no test and printed no
// skip line fails everywhere ("ran no test").
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

const ci = process.env.CI === 'true';
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
      // uvu's own `test.skip`s, and the groups the file left out for want of shared data or a binary.
      const uvuSkipped = Number(/Skipped:\s+(\d+)/.exec(output)?.[1] ?? 0);
      const skips = [...output.matchAll(/^QUANTUM_SKIP: (?:\S+?\.[cm]?[jt]sx?: )?(.*)$/gm)].map((m) =>
        m[1].trim(),
      );
      const reasons = [];
      // uvu's Total leaves out its skips. A file that crashed before uvu's summary counts as one failure.
      const broken = status === 0 ? total - ok : Math.max(1, total - ok);
      let bad = broken;
      const ranNothing = status === 0 && total === 0 && skips.length === 0;
      if (ranNothing) {
        bad += 1;
        reasons.push('ran no test');
      }
      if (ci) {
        bad += skips.length;
        reasons.push(...skips.map((reason) => `skipped under CI=true: ${reason}`));
      }
      const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
      resolve({
        file,
        ok,
        bad,
        // Its output helps only when a test failed, it crashed, or it ran nothing.
        showOutput: broken > 0 || ranNothing,
        skipped: uvuSkipped + (ci ? 0 : skips.length),
        skips: ci ? [] : skips,
        reasons,
        ms,
        output,
      });
    });
  });

let passed = 0;
let failed = 0;
let skipped = 0;
const failedFiles = [];
const skippedLines = [];
let next = 0;
const worker = async () => {
  while (next < files.length) {
    const result = await runFile(files[next++]);
    const name = relative('.', result.file);
    passed += result.ok;
    failed += result.bad;
    skipped += result.skipped;
    const skipLines = result.skips.map((reason) => `- ${name} skipped: ${reason}`);
    skippedLines.push(...skipLines);
    const counts = [`${result.ok} passed`];
    if (result.bad > 0) counts.push(`${result.bad} failed`);
    if (result.skipped > 0) counts.push(`${result.skipped} skipped`);
    counts.push(`${result.ms} ms`);
    let report;
    if (result.bad > 0) {
      failedFiles.push(result.reasons.length > 0 ? `${name}: ${result.reasons.join('; ')}` : name);
      report = [`✗ ${name} (${counts.join(', ')})`, ...result.reasons.map((reason) => `  ${reason}`)];
      report.push(...skipLines);
      if (result.showOutput) report.push(result.output);
    } else if (result.skipped > 0) {
      // Not a ✓: something was left out. A file that ran nothing is just its skip lines.
      report = result.ok > 0 || skipLines.length === 0 ? [`- ${name} (${counts.join(', ')})`] : [];
      report.push(...skipLines);
    } else {
      report = [`✓ ${name} (${counts.join(', ')})`];
    }
    process.stdout.write(`${report.join('\n')}\n`);
  }
};
await Promise.all(Array.from({ length: jobs }, worker));

if (skippedLines.length > 0) {
  process.stdout.write(`\nskipped (CI=true counts these as failed):\n${skippedLines.sort().join('\n')}\n`);
}
if (failedFiles.length > 0) process.stdout.write(`\nfailed files:\n  ${failedFiles.sort().join('\n  ')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
