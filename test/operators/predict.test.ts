import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import type { FeatureVector } from '../../src/domain/index.js';
import { abstain, type Model, predictionOf } from '../../src/models/model.js';
import { predict } from '../../src/operators/predict.js';
import { vector } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);

/** A stateful model: its confidence is the number of vectors it has seen / 10. */
const counting = (name: string, warmup = 0): Model => ({
  name,
  features: [],
  warmup,
  create() {
    let seen = 0;
    return (v: FeatureVector) => {
      seen++;
      if (v.kline.close === 666) throw new Error('model exploded');
      return predictionOf(name, v, 'BUY', seen / 10);
    };
  },
});

const a = vector({}, { ts: 60_000 });
const b = vector({}, { ts: 120_000 });
const c = vector({}, { ts: 180_000 });

test('one batch per vector with every model prediction, in model order', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a-b|', { a, b });
    expectObservable(source.pipe(predict([counting('x'), counting('y')]))).toBe('-A-B|', {
      A: { vector: a, predictions: [predictionOf('x', a, 'BUY', 0.1), predictionOf('y', a, 'BUY', 0.1)] },
      B: { vector: b, predictions: [predictionOf('x', b, 'BUY', 0.2), predictionOf('y', b, 'BUY', 0.2)] },
    });
  });
});

test('each subscription gets fresh predictor state', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a|', { a });
    const predicted = source.pipe(predict([counting('x')]));
    const expected = { A: { vector: a, predictions: [predictionOf('x', a, 'BUY', 0.1)] } };
    expectObservable(predicted).toBe('-A|', expected);
    expectObservable(predicted).toBe('-A|', expected);
  });
});

test('a model abstains with warm-up until its symbol delivered `warmup` vectors', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const other = vector({}, { ts: 120_000, symbol: 'ETHUSDT' });
    const source = cold('abcd|', { a, b: other, c: b, d: c });
    expectObservable(source.pipe(predict([counting('x', 2)]))).toBe('ABCD|', {
      A: { vector: a, predictions: [abstain('x', a, 'warm-up')] },
      B: { vector: other, predictions: [abstain('x', other, 'warm-up')] },
      C: { vector: b, predictions: [predictionOf('x', b, 'BUY', 0.3)] },
      D: { vector: c, predictions: [predictionOf('x', c, 'BUY', 0.4)] },
    });
  });
});

test('a throwing model errors the stream', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const bad = vector({}, { ts: 120_000, close: 666 });
    const source = cold('-a-b-c|', { a, b: bad, c });
    expectObservable(source.pipe(predict([counting('x')]))).toBe(
      '-A-#',
      { A: { vector: a, predictions: [predictionOf('x', a, 'BUY', 0.1)] } },
      new Error('model exploded'),
    );
  });
});

test('source errors and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-#', { a }, new Error('feed down'));
    expectObservable(source.pipe(predict([]))).toBe(
      '-A-#',
      { A: { vector: a, predictions: [] } },
      new Error('feed down'),
    );
    const long = cold('-a-b-c|', { a, b, c });
    expectObservable(long.pipe(predict([])), '^--!').toBe('-A-', { A: { vector: a, predictions: [] } });
    expectSubscriptions(long.subscriptions).toBe('^--!');
  });
});

test.run();
