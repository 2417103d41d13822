import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgress } from '../../src/cli/progress.js';

/** What the piped (non-TTY) progress writes for these updates. */
const lines = (total: number, updates: readonly number[]): string[] => {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  const tty = process.stderr.isTTY;
  process.stderr.isTTY = false;
  process.stderr.write = ((chunk: string) => {
    written.push(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const progress = createProgress('backtest', total, 'klines');
    for (const done of updates) progress.update(done);
    progress.stop();
  } finally {
    process.stderr.write = original;
    process.stderr.isTTY = tty;
  }
  return written;
};

test('piped progress: each line agrees with its own numbers, one line per update that crosses a tenth', () => {
  assert.equal(lines(129_600, [20_000, 40_000, 60_000, 129_600]), [
    'backtest: 15% (20000/129600 klines)\n',
    'backtest: 30% (40000/129600 klines)\n',
    'backtest: 46% (60000/129600 klines)\n',
    'backtest: 100% (129600/129600 klines)\n',
  ]);
  for (const line of lines(1000, [99, 100, 250, 999, 1000])) {
    const [, percent, done, total] = /: (\d+)% \((\d+)\/(\d+)/.exec(line) ?? [];
    assert.is(Number(percent), Math.floor((Number(done) / Number(total)) * 100), line);
  }
});

test.run();
