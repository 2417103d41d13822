import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { modelTypes } from '../../src/models/model-type.js';
import '../../src/models/types/index.js';
import { emaTrendRsiModel, macdAdxModel } from '../../src/models/rule-models.js';
import { vector } from '../builders.js';

const emaRsi = () => emaTrendRsiModel().create();
const macdAdx = () => macdAdxModel().create();

test('ema-rsi: BUY with confidence 0.75 on fast 101 > slow 100, ATR 4, RSI 60 (spread 0.5, rsi 0.5)', () => {
  const p = emaRsi()(vector({ ema_12: 101, ema_26: 100, rsi_14: 60, atr_14: 4 }));
  assert.is(p.action, 'BUY');
  assert.is(p.confidence, 0.75);
  assert.is(p.model, 'ema-rsi');
});

test('ema-rsi: SELL mirror on fast 99 < slow 100, RSI 40', () => {
  const p = emaRsi()(vector({ ema_12: 99, ema_26: 100, rsi_14: 40, atr_14: 4 }));
  assert.is(p.action, 'SELL');
  assert.is(p.confidence, 0.75);
});

test('ema-rsi: HOLD when RSI is overbought (75) although the trend is up', () => {
  const p = emaRsi()(vector({ ema_12: 101, ema_26: 100, rsi_14: 75, atr_14: 4 }));
  assert.is(p.action, 'HOLD');
  assert.is(p.confidence, 0.5);
});

test('ema-rsi: HOLD when the trend is up but RSI is bearish (45)', () => {
  assert.is(emaRsi()(vector({ ema_12: 101, ema_26: 100, rsi_14: 45, atr_14: 4 })).action, 'HOLD');
});

test('ema-rsi: without an ATR feature the spread is scaled by price (0.2% of 100 = full score)', () => {
  const p = emaRsi()(vector({ ema_12: 100.2, ema_26: 100, rsi_14: 70 }, { close: 100 }));
  assert.is(p.action, 'BUY');
  assert.is(p.confidence, 1);
  const half = emaRsi()(vector({ ema_12: 100.1, ema_26: 100, rsi_14: 50 }, { close: 100 }));
  assert.ok(Math.abs(half.confidence - 0.625) < 1e-9, `got ${half.confidence}`);
});

test('ema-rsi: abstains with reason warm-up while a needed feature is NaN', () => {
  const p = emaRsi()(vector({ ema_12: 101, ema_26: Number.NaN, rsi_14: 60, atr_14: 4 }));
  assert.is(p.action, null);
  assert.is(p.confidence, 0);
  assert.is(p.abstainReason, 'warm-up');
});

test('ema-rsi: reads features by name whatever the order of the feature set', () => {
  const predictor = emaRsi();
  const a = predictor(vector({ rsi_14: 60, atr_14: 4, ema_26: 100, ema_12: 101 }));
  const b = predictor(vector({ ema_12: 99, ema_26: 100, rsi_14: 40, atr_14: 4 }));
  assert.is(a.action, 'BUY');
  assert.is(b.action, 'SELL');
});

test('ema-rsi: feature names come from params', () => {
  const model = emaTrendRsiModel({ fast: 'ema_9', slow: 'ema_21', rsi: 'rsi_7', name: 'fast-ema' });
  assert.equal(model.features, ['ema_9', 'ema_21', 'rsi_7']);
  const p = model.create()(vector({ ema_9: 101, ema_21: 100, rsi_7: 60, atr_14: 4 }));
  assert.is(p.model, 'fast-ema');
  assert.is(p.action, 'BUY');
});

test('macd-adx: BUY with confidence 0.75 at ADX 37.5, hist > 0, +DI > −DI', () => {
  const p = macdAdx()(vector({ macd_hist_12_26_9: 0.5, adx_14: 37.5, plus_di_14: 30, minus_di_14: 20 }));
  assert.is(p.action, 'BUY');
  assert.is(p.confidence, 0.75);
});

test('macd-adx: SELL mirror, confidence clipped to 1 above adxStrong', () => {
  const p = macdAdx()(vector({ macd_hist_12_26_9: -0.5, adx_14: 60, plus_di_14: 10, minus_di_14: 30 }));
  assert.is(p.action, 'SELL');
  assert.is(p.confidence, 1);
});

test('macd-adx: HOLD below the ADX threshold or when DI disagrees with the histogram', () => {
  const weak = macdAdx()(vector({ macd_hist_12_26_9: 0.5, adx_14: 24.9, plus_di_14: 30, minus_di_14: 20 }));
  const mixed = macdAdx()(vector({ macd_hist_12_26_9: 0.5, adx_14: 40, plus_di_14: 20, minus_di_14: 30 }));
  assert.is(weak.action, 'HOLD');
  assert.is(mixed.action, 'HOLD');
});

test('macd-adx: abstains while ADX is NaN', () => {
  const p = macdAdx()(
    vector({ macd_hist_12_26_9: 0.5, adx_14: Number.NaN, plus_di_14: 30, minus_di_14: 20 }),
  );
  assert.is(p.abstainReason, 'warm-up');
});

test('the model type registry builds rule models by type name and rejects unknown keys with their name', () => {
  const build = (entry: unknown) => {
    const type = modelTypes().find((t) => t.type === (entry as { type: string }).type);
    assert.ok(type, 'registered');
    return type.build(type.schema.parse(entry), { baseDir: '.', features: [], where: 'models[0]' });
  };
  assert.is(build({ type: 'ema-rsi', params: { fast: 'ema_9' } }).features[0], 'ema_9');
  assert.is(build({ type: 'macd-adx' }).name, 'macd-adx');
  assert.throws(
    () => build({ type: 'ema-rsi', params: { fsat: 'ema_9' } }),
    (error: Error) => /fsat/.test(error.message),
  );
  assert.throws(
    () => macdAdxModel({ adxThreshold: 50, adxStrong: 40 }),
    (error: Error) => /adxStrong must be above adxThreshold/.test(error.message),
  );
});

test.run();
