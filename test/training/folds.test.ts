// Walk-forward folds: expanding training windows in time order, the purge before each test block
// and the embargo after each earlier one exclude exactly those steps, and no test sample is ever
// trained on in its own fold.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/domain/errors.js';
import { holdOutTail, stepsOf, walkForwardFolds } from '../../src/training/folds.js';

const HOUR = 3_600_000;
/** Samples of `symbols` symbols on `steps` hourly steps, time-major (two samples per step for 2). */
const grid = (steps: number, symbols = 1): number[] =>
  Array.from({ length: steps * symbols }, (_, n) => Math.floor(n / symbols) * HOUR);
const stepsOfSamples = (ts: number[], samples: number[]): number[] => [
  ...new Set(samples.map((n) => ts[n] / HOUR)),
];

test('20 steps, 3 folds, no purge or embargo: blocks of 5, expanding training sets', () => {
  const ts = grid(20);
  const folds = walkForwardFolds(ts, { folds: 3, purge: 0, embargo: 0 });
  assert.equal(
    folds.map((fold) => [fold.fold, stepsOfSamples(ts, fold.train), stepsOfSamples(ts, fold.test)]),
    [
      [1, [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]],
      [2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14]],
      [3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], [15, 16, 17, 18, 19]],
    ],
  );
  assert.equal(
    folds.map((fold) => [fold.testFrom / HOUR, fold.testTo / HOUR]),
    [
      [5, 9],
      [10, 14],
      [15, 19],
    ],
  );
});

test('purge 2 drops the last two steps before each test block; embargo 1 the first step after each earlier one', () => {
  const ts = grid(20, 2);
  const folds = walkForwardFolds(ts, { folds: 3, purge: 2, embargo: 1 });
  assert.equal(
    folds.map((fold) => stepsOfSamples(ts, fold.train)),
    [
      [0, 1, 2],
      // 10 − 2 purged: 8, 9 out; embargo after block 1 (5…9): step 10 — not before this test anyway.
      [0, 1, 2, 3, 4, 5, 6, 7],
      // Purge: 13, 14; embargo after block 1: 10 (after block 2 it would be 15, the test block).
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12],
    ],
  );
  // Both symbols of every kept step are in, and the test blocks hold both symbols of theirs.
  assert.equal(
    folds.map((fold) => [fold.train.length, fold.test.length]),
    [
      [6, 10],
      [16, 10],
      [24, 10],
    ],
  );
});

test('no test sample is in its own training set; training precedes testing; folds in time order', () => {
  const ts = grid(97, 3);
  const folds = walkForwardFolds(ts, { folds: 5, purge: 4, embargo: 3 });
  for (const fold of folds) {
    const test = new Set(fold.test);
    assert.ok(
      fold.train.every((n) => !test.has(n)),
      `fold ${fold.fold} trains on a test sample`,
    );
    // With purge 4 no training label (4 steps ahead) reaches the test block.
    assert.ok(
      fold.train.every((n) => ts[n] + 4 * HOUR < fold.testFrom),
      `fold ${fold.fold} purge`,
    );
  }
  folds.slice(1).forEach((fold, i) => {
    assert.ok(fold.testFrom > folds[i].testTo, 'folds in time order');
  });
  // Every step after block 0 is tested exactly once.
  const tested = folds.flatMap((fold) => fold.test).sort((a, b) => a - b);
  assert.is(new Set(tested).size, tested.length);
});

test('too few steps for the folds: a ConfigError naming training.folds and the fix', () => {
  try {
    walkForwardFolds(grid(6), { folds: 4, purge: 4, embargo: 0 });
    assert.unreachable('expected a ConfigError');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match(
      (error as Error).message,
      /^training\.folds: 6 labelled candle times are not enough for 4 walk-forward folds with purge 4 and embargo 0 \(fold 1 has 0 training and 1 test samples\); lower training\.folds/,
    );
  }
});

test('holdOutTail: the last fraction of steps validates, purge steps apart from the fitted ones', () => {
  const ts = grid(20, 2);
  const { step, stepTs } = stepsOf(ts);
  assert.is(stepTs.length, 20);
  const all = ts.map((_, n) => n);
  const { fit, valid } = holdOutTail(all, step, 0.2, 3);
  assert.equal(stepsOfSamples(ts, valid), [16, 17, 18, 19]);
  assert.equal(stepsOfSamples(ts, fit), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  // Fraction 0, or a set too small to split: everything is fitted.
  assert.equal(holdOutTail(all, step, 0, 3), { fit: all, valid: [] });
  assert.equal(holdOutTail([0, 1, 2, 3], step, 0.5, 3), { fit: [0, 1, 2, 3], valid: [] });
});

test.run();
