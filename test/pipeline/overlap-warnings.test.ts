import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { overlapWarnings } from '../../src/pipeline/backtest.js';
import { kline } from '../builders.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 1, 1);
const daily = (symbol: string, fromDay: number, toDay: number) =>
  Array.from({ length: toDay - fromDay + 1 }, (_, i) => kline({ symbol, ts: T0 + (fromDay + i) * DAY }));

test('series that share most of the run: no warning; one symbol: none', () => {
  assert.equal(overlapWarnings([...daily('AAAUSDT', 0, 9), ...daily('BBBUSDT', 2, 9)]), []);
  assert.equal(overlapWarnings(daily('AAAUSDT', 0, 9)), []);
});

test('series that barely overlap are named with their ranges and the shared share', () => {
  const [warning] = overlapWarnings([...daily('AAAUSDT', 0, 9), ...daily('BBBUSDT', 8, 20)]);
  assert.is(
    warning,
    "the symbols' data share only 5 % of the run (AAAUSDT 2026-02-01→2026-02-10, BBBUSDT 2026-02-09→2026-02-21); select overlapping files or set --from/--to",
  );
  const [disjoint] = overlapWarnings([...daily('AAAUSDT', 0, 3), ...daily('BBBUSDT', 10, 12)]);
  assert.match(disjoint, /share only 0 %/);
});

test.run();
