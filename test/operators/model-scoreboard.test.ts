import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Action } from '../../src/domain/index.js';
import { abstain, predictionOf } from '../../src/models/model.js';
import { createEnsembleVote, ensembleVoteParams } from '../../src/operators/ensemble-vote.js';
import {
  cohenKappa,
  ModelScoreboard,
  modelScoreboardParams,
  performanceFactors,
  realizedClass,
} from '../../src/operators/model-scoreboard.js';
import type { ModelBatch } from '../../src/operators/predict.js';
import { vector } from '../builders.js';

/** The votes of models A and B on `symbol`'s candle at `ts` with `close` (null: abstains). */
const batchOf = (
  symbol: string,
  ts: number,
  close: number,
  actions: readonly (Action | null)[],
): ModelBatch => {
  const v = vector({}, { symbol, ts, close });
  return {
    vector: v,
    predictions: actions.map((action, i) =>
      action === null ? abstain(`m${i}`, v, 'warm-up') : predictionOf(`m${i}`, v, action, 0.8),
    ),
  };
};

const boardOf = (horizon: number, thresholdPct: number, models = ['m0', 'm1']): ModelScoreboard =>
  new ModelScoreboard(models, modelScoreboardParams.parse({ horizon, thresholdPct, window: 10 }));

test('the realized class: above +threshold BUY, below −threshold SELL, HOLD in between inclusive (threshold in percent)', () => {
  assert.is(realizedClass(0.0021, 0.2), 'BUY');
  assert.is(realizedClass(0.002, 0.2), 'HOLD');
  assert.is(realizedClass(-0.002, 0.2), 'HOLD');
  assert.is(realizedClass(-0.0021, 0.2), 'SELL');
  assert.is(realizedClass(0, 0), 'HOLD');
  assert.is(realizedClass(0.0001, 0), 'BUY');
});

test('a vote at candle t is resolved exactly when the same symbol’s candle t+h closes, per symbol', () => {
  const board = boardOf(2, 0.5);
  // X closes 100, 100, 102 (t0 → t2: +2 % ⇒ BUY), 99 (t1 → t3: −1 % ⇒ SELL), 99 (t2 → t4: −2.9 % ⇒ SELL).
  const xCloses = [100, 100, 102, 99, 99];
  const xVotes: (Action | null)[][] = [
    ['BUY', 'SELL'],
    ['SELL', 'HOLD'],
    ['HOLD', null],
    ['BUY', 'BUY'],
    ['BUY', 'BUY'],
  ];
  // Y, interleaved, moves nothing (always HOLD) and must not resolve X's votes.
  const resolvedAfter: number[] = [];
  xCloses.forEach((close, t) => {
    board.observe('XUSDT', close);
    board.record(batchOf('XUSDT', (t + 1) * 60_000, close, xVotes[t]));
    board.observe('YUSDT', 50);
    board.record(batchOf('YUSDT', (t + 1) * 60_000, 50, ['HOLD', 'BUY']));
    resolvedAfter.push(board.scoreOf(0).resolved);
  });
  // Per candle, model 0 gains one resolved vote per symbol from candle 2 (t+2) on: 0, 0, 2, 4, 6.
  assert.equal(resolvedAfter, [0, 0, 2, 4, 6]);
  const a = board.scoreOf(0);
  // Model 0 on X: BUY@t0 vs BUY ✓, SELL@t1 vs SELL ✓, HOLD@t2 vs SELL ✗; on Y: HOLD vs HOLD ✓ ×3.
  assert.equal(a.votes, { BUY: 3, SELL: 1, HOLD: 6, abstain: 0 });
  assert.is(a.resolved, 6);
  assert.is(a.accuracy, 5 / 6);
  assert.is(a.precisionBuy, 1);
  assert.is(a.precisionSell, 1);
  const b = board.scoreOf(1);
  // Model 1: X SELL@t0 vs BUY ✗, HOLD@t1 vs SELL ✗, abstained @t2 (never resolved); Y BUY vs HOLD ✗ ×3.
  assert.equal(b.votes, { BUY: 7, SELL: 1, HOLD: 1, abstain: 1 });
  assert.is(b.resolved, 5);
  assert.is(b.accuracy, 0);
  assert.is(b.precisionBuy, 0);
  assert.is(b.precisionSell, 0);
});

test('a symbol whose candles stop leaves its votes unresolved; a candle without a vote still counts toward the horizon', () => {
  const board = boardOf(3, 0.5);
  board.observe('XUSDT', 100);
  board.record(batchOf('XUSDT', 60_000, 100, ['BUY', 'BUY']));
  board.observe('XUSDT', 101);
  board.observe('XUSDT', 102);
  assert.is(board.scoreOf(0).resolved, 0);
  board.observe('XUSDT', 103);
  assert.is(board.scoreOf(0).resolved, 1);
  assert.is(board.scoreOf(0).accuracy, 1);
  assert.is(board.scoreOf(0).precisionSell, null);
});

test('Cohen’s kappa by hand: a majority-class repeater scores 0, a perfect model 1', () => {
  // confusion[vote × 3 + realized]; rows BUY, SELL, HOLD.
  assert.is(cohenKappa([0, 0, 0, 0, 0, 0, 2, 2, 6]), 0);
  assert.is(cohenKappa([3, 0, 0, 0, 3, 0, 0, 0, 4]), 1);
  // p_o = (4 + 2) / 10 = 0.6; vote shares .5 BUY .2 SELL .3 HOLD; realized .6 BUY .4 SELL;
  // p_e = .5 × .6 + .2 × .4 = 0.38 ⇒ κ = (0.6 − 0.38) / 0.62.
  assert.ok(Math.abs(cohenKappa([4, 1, 0, 0, 2, 0, 2, 1, 0]) - 0.22 / 0.62) < 1e-12);
});

test('performance weights by hand for two models: configured weight × max(0, κ), re-normalized over the voters', () => {
  const board = boardOf(1, 0.5, ['m0', 'm1', 'm2']);
  // Prices alternate up 1 % and down 1 %: realized BUY, SELL, BUY, SELL, …
  // m0 is always right (κ = 1); m1 says BUY on every candle (right 5 of 9, κ = 0); m2 always abstains.
  let close = 100;
  for (let t = 0; t < 9; t++) {
    board.observe('XUSDT', close);
    const next = t % 2 === 0 ? close * 1.01 : close / 1.01;
    board.record(batchOf('XUSDT', (t + 1) * 60_000, close, [next > close ? 'BUY' : 'SELL', 'BUY', null]));
    close = next;
  }
  board.observe('XUSDT', close);
  assert.is(board.scoreOf(0).resolved, 9);
  assert.is(board.scoreOf(1).accuracy, 5 / 9);
  // Nobody rated before minResolved: every factor 1 (the configured weights alone).
  assert.equal([...performanceFactors(board, 10)], [1, 1, 1]);
  // Rated: m0 1, m1 0; the unrated m2 counts as their mean, 0.5.
  assert.equal([...performanceFactors(board, 9)], [1, 0, 0.5]);

  // The ensemble with configured weights 2 (m0) and 1 (m1) × factors 0.5 and 1: BUY 0.9 vs SELL 0.8.
  const factor = new Map([
    ['m0', 0.5],
    ['m1', 1],
  ]);
  const vote = createEnsembleVote(
    ensembleVoteParams.parse({ weights: { m0: 2, m1: 1 }, minConfidence: 0 }),
    (model) => factor.get(model) ?? 1,
  );
  const v = vector({}, { close: 100 });
  const out: { action: string; weights: number[] }[] = [];
  vote.next(
    { vector: v, predictions: [predictionOf('m0', v, 'BUY', 0.9), predictionOf('m1', v, 'SELL', 0.8)] },
    (s) => out.push({ action: s.action, weights: s.votes.map((x) => x.weight) }),
  );
  // Effective weights 2 × 0.5 = 1 and 1 × 1 = 1 ⇒ 0.5 each: BUY 0.45 > SELL 0.40.
  assert.equal(out, [{ action: 'BUY', weights: [0.5, 0.5] }]);
});

test.run();
