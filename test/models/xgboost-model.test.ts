import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { parseXgboostJson } from '../../src/models/xgboost-json.js';
import { xgboostModel } from '../../src/models/xgboost-model.js';
import { compileXgboost } from '../../src/models/xgboost-predictor.js';
import { predict } from '../../src/operators/predict.js';
import { vector } from '../builders.js';
import { stumpJson } from './xgboost-stump.js';

const compiled = (objective: string, numClass = 0, baseScore = '5E-1') =>
  compileXgboost(parseXgboostJson(stumpJson(objective, baseScore, 1, numClass), 'stump'));
const features = ['rsi_14', 'ema_12'];
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const errorText = (_key: string, value: unknown): unknown =>
  value instanceof Error ? `${value.name}: ${value.message}` : value;
const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} vs ${expected}`);

test('binary: features are mapped by name, P(up) ≥ 0.55 is BUY with confidence p', () => {
  const model = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features });
  const vote = model.create()(vector({ ema_12: 100, rsi_14: 0.5 }, {}, ['ema_12', 'rsi_14']));
  // rsi_14 = 0.5 ≥ 0.1 ⇒ right leaf 0.25: p = sigmoid(0.25) = 0.5621765
  assert.is(vote.action, 'BUY');
  close(vote.confidence, sigmoid(0.25));
  close(vote.probabilities?.SELL ?? -1, 1 - sigmoid(0.25));
  assert.is(vote.model, 'xgb');
});

test('binary: P(up) ≤ 0.45 is SELL with confidence 1 − p; in between is HOLD with 1 − |p − 0.5|·2', () => {
  const model = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features, buyThreshold: 0.6 });
  const predictor = model.create();
  const sell = predictor(vector({ rsi_14: 0, ema_12: 1 }));
  assert.is(sell.action, 'SELL');
  close(sell.confidence, 1 - sigmoid(-0.5));
  const hold = predictor(vector({ rsi_14: 1, ema_12: 1 }));
  assert.is(hold.action, 'HOLD');
  close(hold.confidence, 1 - Math.abs(sigmoid(0.25) - 0.5) * 2);
});

test('a NaN feature makes the model abstain, naming the feature', () => {
  const model = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features });
  const vote = model.create()(vector({ rsi_14: Number.NaN, ema_12: 1 }));
  assert.is(vote.action, null);
  assert.is(vote.confidence, 0);
  assert.match(vote.abstainReason ?? '', 'rsi_14 is NaN');
});

test('allowMissing lets NaN through as XGBoost missing (default direction); Infinity still abstains', () => {
  const model = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features, allowMissing: true });
  const predictor = model.create();
  const vote = predictor(vector({ rsi_14: Number.NaN, ema_12: 1 }));
  assert.is(vote.action, 'SELL', 'default_left ⇒ left leaf −0.5');
  close(vote.confidence, 1 - sigmoid(-0.5));
  assert.is(predictor(vector({ rsi_14: Number.POSITIVE_INFINITY, ema_12: 1 })).action, null);
});

test('warm-up: abstains until the symbol delivered `warmup` vectors, per symbol', () => {
  const predictor = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features, warmup: 2 }).create();
  const v = { rsi_14: 1, ema_12: 1 };
  assert.is(predictor(vector(v)).action, null);
  assert.is(predictor(vector(v, { symbol: 'ETHUSDT' })).action, null);
  assert.is(predictor(vector(v)).action, 'BUY');
  assert.is(predictor(vector(v, { symbol: 'ETHUSDT' })).action, 'BUY');
});

test('multiclass: argmax over classes, probabilities attached by action', () => {
  const model = xgboostModel(compiled('multi:softprob', 3), { name: 'xgb3', features });
  const vote = model.create()(vector({ rsi_14: 1, ema_12: 1 }));
  // margins 0.75, 1, 1.25 ⇒ class 2 = BUY (default classes SELL, HOLD, BUY)
  const sum = Math.exp(0.75) + Math.exp(1) + Math.exp(1.25);
  assert.is(vote.action, 'BUY');
  close(vote.confidence, Math.exp(1.25) / sum);
  close(vote.probabilities?.SELL ?? -1, Math.exp(0.75) / sum);
  close(vote.probabilities?.HOLD ?? -1, Math.exp(1) / sum);
  const reordered = xgboostModel(compiled('multi:softprob', 3), {
    name: 'x',
    features,
    classes: ['BUY', 'HOLD', 'SELL'],
  });
  assert.is(reordered.create()(vector({ rsi_14: 1, ema_12: 1 })).action, 'SELL');
});

test('multiclass: a class list that does not fit num_class is a ModelError', () => {
  assert.throws(
    () => xgboostModel(compiled('multi:softprob', 3), { name: 'x', features, classes: ['BUY', 'SELL'] }),
    (error: unknown) => error instanceof ModelError && /num_class = 3/.test((error as Error).message),
  );
});

test('regression: predicted forward return over ±returnThreshold is BUY/SELL, else HOLD', () => {
  // base 0 (0E0): right leaf 0.25, left −0.5
  const model = xgboostModel(compiled('reg:squarederror', 0, '0E0'), {
    name: 'r',
    features,
    returnThreshold: 0.2,
  });
  const predictor = model.create();
  const buy = predictor(vector({ rsi_14: 1, ema_12: 1 }));
  assert.is(buy.action, 'BUY');
  close(buy.confidence, 0.25 / 0.4);
  const sell = predictor(vector({ rsi_14: 0, ema_12: 1 }));
  assert.is(sell.action, 'SELL');
  assert.is(sell.confidence, 1);
  const hold = xgboostModel(compiled('reg:squarederror', 0, '0E0'), {
    name: 'r',
    features,
    returnThreshold: 1,
  }).create()(vector({ rsi_14: 1, ema_12: 1 }));
  assert.is(hold.action, 'HOLD');
  close(hold.confidence, 0.75);
});

test('a feature the pipeline does not compute is a ModelError at construction (available) or first vector', () => {
  assert.throws(
    () => xgboostModel(compiled('binary:logistic'), { name: 'xgb', features, available: ['ema_12'] }),
    (error: unknown) =>
      error instanceof ModelError &&
      (error as Error).message.includes(
        'model xgb expects feature rsi_14 which the pipeline does not compute',
      ),
  );
  const predictor = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features }).create();
  assert.throws(() => predictor(vector({ ema_12: 1 })), /expects feature rsi_14/);
});

test('unknown params are rejected (strict schema)', () => {
  assert.throws(() =>
    xgboostModel(compiled('binary:logistic'), { name: 'x', features, buyThresh: 0.6 } as never),
  );
});

test('predictRaw returns the forest output for values in model order', () => {
  const model = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features });
  close(model.predictRaw([0, 5])[0], sigmoid(-0.5));
});

test('inside the predict operator: one vote per vector, abstention during warm-up, errors propagate (marble)', () => {
  // uvu's deep equal ignores Error messages: compare the error's class and message explicitly.
  const scheduler = new TestScheduler((actual, expected) =>
    assert.equal(JSON.stringify(actual, errorText), JSON.stringify(expected, errorText)),
  );
  const missingRsi = new ModelError(
    'model xgb expects feature rsi_14 which the pipeline does not compute (it computes: ema_12); add rsi_14 to the features list',
    'models.xgb',
  );
  scheduler.run(({ cold, expectObservable }) => {
    const model = xgboostModel(compiled('binary:logistic'), { name: 'xgb', features, warmup: 2 });
    const values = {
      a: vector({ rsi_14: 1, ema_12: 1 }, { ts: 60_000 }),
      b: vector({ rsi_14: 0, ema_12: 1 }, { ts: 120_000 }),
      c: vector({ rsi_14: 1, ema_12: 1 }, { ts: 180_000 }),
      x: vector({ ema_12: 1 }, { ts: 240_000 }),
    };
    const actions = (marbles: string) =>
      cold(marbles, values).pipe(
        predict([model]),
        map((batch) => batch.predictions[0].action),
      );
    expectObservable(actions('a-b-c|')).toBe('a-b-c|', { a: null, b: 'SELL', c: 'BUY' });
    // A feature set without rsi_14 is a wiring bug: the stream errors with the ModelError.
    expectObservable(actions('a-x-c|')).toBe('a-#', { a: null }, missingRsi);
  });
});

test.run();
