// DESIGN.md rules 1 and 2, checked on the source: the engine's code never reads the wall clock or
// Math.random — time comes from events and the kernel's injected clock (src/kernel/clock.ts, the
// one place Date.now() is read), randomness from a seeded PRNG. The CLI may stamp reports and draw
// progress bars with wall time; nothing that decides a trade may.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ENGINE = [
  'src/domain',
  'src/kernel',
  'src/features',
  'src/operators',
  'src/models',
  'src/exchange',
  'src/streams',
  'src/pipeline',
];
const ALLOWED = new Set(['src/kernel/clock.ts']);
const FORBIDDEN = [
  /\bDate\.now\b/,
  /\bnew Date\(\s*\)/,
  /\bMath\.random\(/,
  /\bperformance\.now\(/,
  /\bsetTimeout\(/,
  /\bsetInterval\(/,
];

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });

test('no engine file reads the wall clock, schedules on it, or draws unseeded randomness', () => {
  const offences: string[] = [];
  for (const dir of ENGINE) {
    for (const file of filesUnder(dir)) {
      const name = relative('.', file);
      if (ALLOWED.has(name)) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          // Comments may name what is forbidden.
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          for (const pattern of FORBIDDEN)
            if (pattern.test(code)) offences.push(`${name}:${index + 1}: ${line.trim()}`);
        });
    }
  }
  assert.equal(offences, []);
});

test('the check finds what it looks for', () => {
  const code = 'const t = Date.now(); const r = Math.random();';
  assert.ok(FORBIDDEN.some((pattern) => pattern.test(code)));
});

test.run();
