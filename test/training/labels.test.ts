// Forward-return labels: BUY strictly above +threshold, SELL strictly below −threshold, HOLD
// between (inclusive), and no label for the last `horizon` candles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classOfReturn, forwardLabels } from '../../src/training/labels.js';
import { CLASS_ACTIONS } from '../../src/training/trainer.js';

test('class indexes are SELL, HOLD, BUY (the multiclass model type default)', () => {
  assert.equal([...CLASS_ACTIONS], ['SELL', 'HOLD', 'BUY']);
});

test('a hand-made series with horizon 2 and threshold 1 %: labels and forward returns', () => {
  // close[t+2]/close[t] − 1:  t0 102/100 = +2 %, t1 100/101 ≈ −0.99 %, t2 98/102 ≈ −3.9 %,
  // t3 100.5/100 = +0.5 %, t4 100/98 ≈ +2.04 %; t5 and t6 have no close two candles ahead.
  const close = [100, 101, 102, 100, 98, 100.5, 100];
  const labelled = forwardLabels(close, { horizon: 2, thresholdPct: 1 });
  assert.equal(
    labelled.map((entry) => CLASS_ACTIONS[entry.label]),
    ['BUY', 'HOLD', 'SELL', 'HOLD', 'BUY'],
  );
  assert.is(labelled.length, close.length - 2);
  assert.ok(Math.abs(labelled[0].forwardReturn - 0.02) < 1e-12);
  assert.ok(Math.abs(labelled[2].forwardReturn - (98 / 102 - 1)) < 1e-12);
});

test('a return exactly at the threshold is HOLD; just beyond it is BUY or SELL', () => {
  assert.is(classOfReturn(0.003, 0.3), 1);
  assert.is(classOfReturn(-0.003, 0.3), 1);
  assert.is(classOfReturn(0.0031, 0.3), 2);
  assert.is(classOfReturn(-0.0031, 0.3), 0);
  // Threshold 0: any rise is BUY, any fall SELL, only a flat close HOLD.
  assert.is(classOfReturn(1e-9, 0), 2);
  assert.is(classOfReturn(0, 0), 1);
});

test('a series no longer than the horizon has no label at all', () => {
  assert.equal(forwardLabels([1, 2, 3], { horizon: 3, thresholdPct: 0 }), []);
  assert.equal(forwardLabels([], { horizon: 1, thresholdPct: 0 }), []);
});

test.run();
