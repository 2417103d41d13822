import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterSummary } from '../../src/cli/backtest-command.js';
import type { DeadLetter } from '../../src/domain/index.js';

const row = (reason: string, line: number): DeadLetter => ({
  kind: 'dead-letter',
  origin: `BTCUSDT-1m.csv:${line}`,
  reason,
  payload: `BTCUSDT-1m.csv:${line}: ${reason}`,
});
const failure: DeadLetter = {
  kind: 'dead-letter',
  origin: 'stage risk-governor on sizing.decided (sizing-decision BTCUSDT @60000, event 1x2y3z)',
  reason: 'filters missing for BTCUSDT',
  payload: '{"kind":"sizing-decision"}',
  ts: 60_000,
};

test('nothing to say: no lines', () => {
  assert.equal(deadLetterSummary([]), []);
});

test('bad input rows and notices are counted apart; a stage failure is a warning of its own, never "bad input"', () => {
  assert.equal(deadLetterSummary([row('nan: close is NaN', 4), row('gap: 1 missing candle', 9), failure]), [
    '\n1 bad input rows skipped, 1 gap/repair notices (see dead-letters.jsonl), first: BTCUSDT-1m.csv:4: nan: close is NaN\n',
    '\nwarning: 1 event failed inside the engine and was dropped (see dead-letters.jsonl); first: stage risk-governor on sizing.decided (sizing-decision BTCUSDT @60000, event 1x2y3z): filters missing for BTCUSDT\n',
  ]);
});

test.run();
