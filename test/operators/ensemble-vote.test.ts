import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeSignal, type Signal } from '../../src/domain/index.js';
import { abstain, predictionOf } from '../../src/models/model.js';
import { ensembleVote } from '../../src/operators/ensemble-vote.js';
import type { ModelBatch } from '../../src/operators/predict.js';
import { vector } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);
const v = vector({ atr_14: 2.5, rsi_14: 55 }, { close: 101 });
const vote = ensembleVote();

/** Runs one batch through `ensembleVote(params)` synchronously. */
const voteOnce = (batch: ModelBatch, params: Parameters<typeof ensembleVote>[0] = {}): Signal[] => {
  const out: Signal[] = [];
  scheduler().run(({ cold }) => {
    cold('a|', { a: batch })
      .pipe(ensembleVote(params))
      .subscribe((signal) => out.push(signal));
  });
  return out;
};

test('worked example: XGB BUY 85% and LGBM BUY 76% at weight .5 each ⇒ BUY 80.5%', () => {
  const batch = {
    vector: v,
    predictions: [predictionOf('XGB', v, 'BUY', 0.85), predictionOf('LGBM', v, 'BUY', 0.76)],
  };
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('-a|', { a: batch }).pipe(vote)).toBe('-s|', {
      s: {
        kind: 'signal',
        symbol: 'BTCUSDT',
        ts: 60_000,
        action: 'BUY',
        confidence: 0.5 * 0.85 + 0.5 * 0.76,
        votes: [
          { model: 'XGB', action: 'BUY', confidence: 0.85, weight: 0.5 },
          { model: 'LGBM', action: 'BUY', confidence: 0.76, weight: 0.5 },
        ],
        price: 101,
        atr: 2.5,
      },
    });
  });
  const [signal] = voteOnce(batch);
  assert.ok(Math.abs(signal.confidence - 0.805) < 1e-12);
  assert.is(describeSignal(signal), 'XGB BUY 85%, LGBM BUY 76% → BUY 81%');
});

test('an abstaining model gets weight 0 and the others are re-weighted to sum 1', () => {
  const [signal] = voteOnce(
    {
      vector: v,
      predictions: [
        predictionOf('XGB', v, 'BUY', 0.85),
        abstain('NHITS', v, 'warm-up'),
        predictionOf('LGBM', v, 'SELL', 0.6),
      ],
    },
    { weights: { XGB: 3, NHITS: 5, LGBM: 1 } },
  );
  // XGB 3/4, LGBM 1/4: BUY 0.6375 vs SELL 0.15.
  assert.is(signal.action, 'BUY');
  assert.ok(Math.abs(signal.confidence - 0.6375) < 1e-12);
  assert.equal(
    signal.votes.map((x) => [x.model, x.weight, x.abstainReason]),
    [
      ['XGB', 0.75, undefined],
      ['NHITS', 0, 'warm-up'],
      ['LGBM', 0.25, undefined],
    ],
  );
});

test('a winning score below minConfidence becomes HOLD with the HOLD score', () => {
  const [signal] = voteOnce({
    vector: v,
    predictions: [predictionOf('a', v, 'BUY', 0.9), predictionOf('b', v, 'SELL', 0.8)],
  });
  // BUY 0.45 < 0.5 ⇒ HOLD; nobody voted HOLD ⇒ confidence 0.
  assert.is(signal.action, 'HOLD');
  assert.is(signal.confidence, 0);
});

test('a tie for the top score is HOLD', () => {
  const [signal] = voteOnce(
    { vector: v, predictions: [predictionOf('a', v, 'BUY', 0.8), predictionOf('b', v, 'SELL', 0.8)] },
    { minConfidence: 0 },
  );
  assert.is(signal.action, 'HOLD');
});

test('HOLD votes can win: weights a 2, b 1 ⇒ HOLD 2/3 × 0.9 = 0.6 beats BUY 0.3', () => {
  const [signal] = voteOnce(
    {
      vector: v,
      predictions: [predictionOf('a', v, 'HOLD', 0.9), predictionOf('b', v, 'BUY', 0.9)],
    },
    { weights: { a: 2 } },
  );
  assert.is(signal.action, 'HOLD');
  assert.ok(Math.abs(signal.confidence - 0.6) < 1e-12);
});

test('all models abstaining ⇒ HOLD, confidence 0, votes listing abstentions', () => {
  const [signal] = voteOnce({ vector: v, predictions: [abstain('a', v, 'warm-up'), abstain('b', v, 'nan')] });
  assert.is(signal.action, 'HOLD');
  assert.is(signal.confidence, 0);
  assert.equal(
    signal.votes.map((x) => [x.action, x.weight, x.abstainReason]),
    [
      [null, 0, 'warm-up'],
      [null, 0, 'nan'],
    ],
  );
});

test('emitHold false drops HOLD; missing or NaN ATR is left out', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const noAtr = vector({ rsi_14: 50 }, { ts: 120_000, close: 99 });
    const nanAtr = vector({ atr_14: Number.NaN }, { ts: 180_000, close: 98 });
    const source = cold('abc|', {
      a: { vector: v, predictions: [predictionOf('x', v, 'HOLD', 1)] },
      b: { vector: noAtr, predictions: [predictionOf('x', noAtr, 'SELL', 0.7)] },
      c: { vector: nanAtr, predictions: [predictionOf('x', nanAtr, 'BUY', 0.7)] },
    });
    const x = (action: 'BUY' | 'SELL', close: number, ts: number) => ({
      kind: 'signal',
      symbol: 'BTCUSDT',
      ts,
      action,
      confidence: 0.7,
      votes: [{ model: 'x', action, confidence: 0.7, weight: 1 }],
      price: close,
    });
    expectObservable(source.pipe(ensembleVote({ emitHold: false }))).toBe('-BC|', {
      B: x('SELL', 99, 120_000),
      C: x('BUY', 98, 180_000),
    });
  });
});

test('errors and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const batch = { vector: v, predictions: [] };
    const source = cold('-a-#', { a: batch }, new Error('boom'));
    expectObservable(source.pipe(vote)).toBe(
      '-s-#',
      {
        s: {
          kind: 'signal',
          symbol: 'BTCUSDT',
          ts: 60_000,
          action: 'HOLD',
          confidence: 0,
          votes: [],
          price: 101,
          atr: 2.5,
        },
      },
      new Error('boom'),
    );
    const long = cold('-a-a-a|', { a: batch });
    expectObservable(long.pipe(vote), '^-!').toBe('-s', {
      s: {
        kind: 'signal',
        symbol: 'BTCUSDT',
        ts: 60_000,
        action: 'HOLD',
        confidence: 0,
        votes: [],
        price: 101,
        atr: 2.5,
      },
    });
    expectSubscriptions(long.subscriptions).toBe('^-!');
  });
});

test('params are strict', () => {
  assert.throws(() => ensembleVote({ minConfidnce: 0.2 } as never));
});

test.run();
