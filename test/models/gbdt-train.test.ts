// The GBDT trainer on cases small enough to check by hand: one split's gain and weights, L1, gamma
// and min_child_weight, the learned default direction of missing values, seeded sampling,
// early stopping, leaf-wise growth and feature importance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/prng.js';
import { featureCuts } from '../../src/models/gbdt/binning.js';
import {
  binData,
  featureImportance,
  MISSING_BIN,
  parseLibsvmTraining,
  predictMargins,
  toXgboostJson,
  trainGbdt,
  trainingDataOf,
} from '../../src/models/gbdt/index.js';
import { syntheticLibsvm } from '../../src/models/gbdt/synthetic.js';
import { parseXgboostJson } from '../../src/models/xgboost-json.js';

const f32 = Math.fround;
const NaN_ = Number.NaN;

// x = 1, 2, 3, 4 with y = 0, 0, 1, 1; base_score 0.5 ⇒ g = 0.5, 0.5, −0.5, −0.5, h = 1 each.
const four = trainingDataOf([[1], [2], [3], [4]], [0, 0, 1, 1]);
const stump = { objective: 'reg:squarederror', rounds: 1, eta: 1, maxDepth: 1 } as const;

test('a one-split stump: the best cut, its loss change and both weights computed by hand', () => {
  const model = trainGbdt(four, stump);
  const tree = model.trees[0];
  // Cuts are 2, 3, 4; x < 3 leaves G = ±1, H = 2 per side: gain 1²/3 + 1²/3 − 0²/5 = 2/3 (λ = 1).
  assert.equal(tree.left, [1, -1, -1]);
  assert.is(tree.threshold[0], 3);
  assert.is(tree.lossChange[0], f32(2 / 3));
  assert.equal(tree.weight, [0, f32(-1 / 3), f32(1 / 3)]);
  assert.equal(tree.hessSum, [4, 2, 2]);
  // Margins: base 0.5 plus the leaf (eta = 1), summed in float32 like XGBoost.
  const low = f32(0.5 + f32(-1 / 3));
  const high = f32(0.5 + f32(1 / 3));
  assert.equal(Array.from(predictMargins(model, four)), [low, low, high, high]);
  assert.equal(featureImportance(model), [{ feature: 0, name: 'f0', gain: f32(2 / 3), cover: 4, splits: 1 }]);
});

test('alpha soft-thresholds the gradient sums: weights ∓(1 − α)/3, loss change 2·(1 − α)²/3', () => {
  const tree = trainGbdt(four, { ...stump, alpha: 0.5 }).trees[0];
  assert.is(tree.lossChange[0], f32((2 * 0.25) / 3));
  assert.equal(tree.weight.slice(1), [f32(-0.5 / 3), f32(0.5 / 3)]);
});

test('gamma above the best loss change, or min_child_weight above a side, leaves a single leaf', () => {
  assert.is(trainGbdt(four, { ...stump, gamma: 0.7 }).trees[0].left.length, 1);
  assert.is(trainGbdt(four, { ...stump, gamma: 0.6 }).trees[0].left.length, 3);
  assert.is(trainGbdt(four, { ...stump, minChildWeight: 2.5 }).trees[0].left.length, 1);
});

test('missing values go the learned default direction: with the high labels ⇒ right, with the low ⇒ left', () => {
  const rows = [[1], [2], [NaN_], [NaN_], [4]];
  const high = trainGbdt(trainingDataOf(rows, [0, 0, 1, 1, 1]), stump);
  // Missing right: {1,2} | {NaN,NaN,4} gains 1/3 + 1.5²/4 − 0.5²/6 beats missing left.
  assert.is(high.trees[0].threshold[0], 4);
  assert.is(high.trees[0].defaultLeft[0], 0);
  const low = trainGbdt(trainingDataOf(rows, [0, 0, 0, 0, 1]), stump);
  assert.is(low.trees[0].defaultLeft[0], 1);
  const probe = trainingDataOf([[NaN_], [1], [5]], [0, 0, 0]);
  const [missing, left, right] = predictMargins(low, probe);
  assert.is(missing, left);
  assert.is.not(missing, right);
  // The default direction survives the JSON round trip.
  assert.equal(Array.from(parseXgboostJson(toXgboostJson(low), 'low').trees[0].defaultLeft), [1, 0, 0]);
});

test('binning: ≤ 255 distinct values ⇒ every value but the smallest is a cut; more ⇒ at most 254 ascending quantile cuts; NaN ⇒ the missing bin', () => {
  assert.equal(Array.from(featureCuts(Float32Array.from([3, 1, 2, 2]))), [2, 3]);
  const many = Float32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
  const cuts = featureCuts(many);
  assert.ok(cuts.length <= 254 && cuts.length > 200, `${cuts.length}`);
  for (let i = 1; i < cuts.length; i++) assert.ok(cuts[i] > cuts[i - 1]);
  const binned = binData(trainingDataOf([[1], [NaN_], [3]], [0, 0, 0]));
  assert.equal(Array.from(binned.bins), [0, MISSING_BIN, 1]);
});

const synthetic = (seed: string, rows: number) =>
  parseLibsvmTraining(syntheticLibsvm('binary:logistic', rows, createPrng(seed)), seed, 8);

test('seeded row and column subsampling: same seed ⇒ byte-identical JSON, another seed ⇒ another model', () => {
  const data = synthetic('sampling', 600);
  const params = {
    objective: 'binary:logistic',
    rounds: 8,
    maxDepth: 3,
    subsample: 0.7,
    colsampleBytree: 0.5,
  } as const;
  const a = toXgboostJson(trainGbdt(data, { ...params, seed: 3 }));
  assert.is(toXgboostJson(trainGbdt(data, { ...params, seed: 3 })), a);
  assert.is.not(toXgboostJson(trainGbdt(data, { ...params, seed: 4 })), a);
});

test('early stopping keeps the rounds up to the best validation metric', () => {
  const train = synthetic('early-train', 400);
  const valid = synthetic('early-valid', 300);
  const model = trainGbdt(
    train,
    {
      objective: 'binary:logistic',
      rounds: 200,
      eta: 0.8,
      maxDepth: 6,
      minChildWeight: 0,
      earlyStoppingRounds: 5,
    },
    valid,
  );
  const best = model.validHistory.indexOf(Math.min(...model.validHistory));
  assert.ok(model.validHistory.length < 200, 'stopped early');
  assert.is(model.validHistory.length, best + 6);
  assert.is(model.roundsKept, best + 1);
  assert.is(model.trees.length, best + 1);
});

test('leaf-wise growth stops at max_leaves, however deep', () => {
  const data = synthetic('lossguide', 800);
  const model = trainGbdt(data, {
    objective: 'binary:logistic',
    rounds: 5,
    growPolicy: 'lossguide',
    maxDepth: 0,
    maxLeaves: 5,
  });
  for (const tree of model.trees) assert.is(tree.left.filter((child) => child === -1).length, 5);
});

test('multi:softprob grows one tree per class per round, in class order', () => {
  const data = trainingDataOf([[1], [2], [3], [4], [5], [6]], [0, 0, 1, 1, 2, 2]);
  const model = trainGbdt(data, {
    objective: 'multi:softprob',
    numClass: 3,
    rounds: 2,
    maxDepth: 2,
    minChildWeight: 0,
  });
  assert.equal(model.treeGroups, [0, 1, 2, 0, 1, 2]);
  const doc = parseXgboostJson(toXgboostJson(model), 'multi');
  assert.is(doc.numClass, 3);
  assert.is(doc.objective, 'multi:softprob');
});

test('bad labels and parameters are refused with the row and the rule', () => {
  const message = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      return (error as Error).message;
    }
    return 'no error';
  };
  assert.match(
    message(() =>
      trainGbdt(trainingDataOf([[1], [2]], [0, 3]), { objective: 'multi:softprob', numClass: 3, rounds: 1 }),
    ),
    'row 2: label 3 does not fit multi:softprob with --num-class 3 (labels must be 0…2)',
  );
  assert.match(
    message(() => trainGbdt(four, { objective: 'multi:softprob', rounds: 1 })),
    'needs --num-class K ≥ 2',
  );
  assert.match(
    message(() => trainGbdt(trainingDataOf([[1]], [2]), { objective: 'binary:logistic', rounds: 1 })),
    'row 1: label 2 does not fit binary:logistic',
  );
});

test.run();
