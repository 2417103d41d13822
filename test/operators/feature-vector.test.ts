import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, createPrng, type FeatureVector, type Kline } from '../../src/domain/index.js';
import { DEFAULT_FEATURES } from '../../src/features/feature-names.js';
import { featureVectors } from '../../src/operators/feature-vector.js';
import { kline } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);
const NaN_ = Number.NaN;

/** Runs klines through the operator synchronously. */
const run = (klines: readonly Kline[], features: string[], onSkip?: (k: Kline, n: number) => void) => {
  const out: FeatureVector[] = [];
  from(klines)
    .pipe(featureVectors({ features }, { onSkip }))
    .subscribe((vector) => out.push(vector));
  return out;
};

/** Candle i of a symbol: ts = (i+1) minutes. */
const candle = (i: number, close: number, volume: number, symbol = 'BTCUSDT') =>
  kline({ symbol, ts: (i + 1) * 60_000, close, volume });

const FEATURES = ['sma_2', 'roc_1', 'obv'];
const a = candle(0, 10, 100);
const b = candle(1, 12, 200);
const c = candle(2, 9, 300);
const vectorOf = (k: Kline, values: number[]): FeatureVector => ({
  kind: 'feature-vector',
  symbol: k.symbol,
  ts: k.ts,
  kline: k,
  names: FEATURES,
  values,
});

test('emits one vector per kline, NaN while a feature warms up (hand-computed values)', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a-b-c-|', { a, b, c });
    expectObservable(source.pipe(featureVectors({ features: FEATURES }))).toBe('-x-y-z-|', {
      // sma_2 needs 2 closes, roc_1 needs 1 previous close, OBV starts at the first volume.
      x: vectorOf(a, [NaN_, NaN_, 100]),
      // roc as doubles: (12/10 − 1)·100 = 19.999999999999996, (9/12 − 1)·100 = −25 exactly.
      y: vectorOf(b, [11, (12 / 10 - 1) * 100, 300]),
      z: vectorOf(c, [10.5, -25, 0]),
    });
  });
});

test('names is one frozen array shared by every vector; values are fresh arrays', () => {
  const vectors = run([a, b, c], FEATURES);
  assert.ok(Object.isFrozen(vectors[0].names));
  assert.is(vectors[0].names, vectors[2].names);
  assert.equal([...vectors[0].names], FEATURES);
  assert.is.not(vectors[0].values, vectors[1].values);
});

test('defaults to DEFAULT_FEATURES', () => {
  const [vector] = run([a], undefined as unknown as string[]);
  assert.equal([...vector.names], [...DEFAULT_FEATURES]);
  assert.ok(vector.values.every((value) => Number.isNaN(value)));
});

test('interleaved symbols keep independent state', () => {
  const btc = [candle(0, 10, 100), candle(1, 12, 200), candle(2, 9, 300)];
  const eth = [candle(0, 50, 7, 'ETHUSDT'), candle(1, 40, 8, 'ETHUSDT'), candle(2, 45, 9, 'ETHUSDT')];
  const mixed = run([btc[0], eth[0], btc[1], eth[1], eth[2], btc[2]], FEATURES);
  const alone = [...run(btc, FEATURES), ...run(eth, FEATURES)];
  const key = (v: FeatureVector) => `${v.symbol}@${v.ts}`;
  const bySymbol = new Map(alone.map((v) => [key(v), v.values]));
  assert.is(mixed.length, 6);
  for (const vector of mixed) assert.equal(vector.values, bySymbol.get(key(vector)));
  assert.equal(mixed[3].values, [45, (40 / 50 - 1) * 100, 7 - 8]);
});

test('an out-of-order or duplicate kline is skipped and counted without touching the state', () => {
  const skipped: [number, number][] = [];
  const vectors = run([a, b, a, b, c], FEATURES, (k, count) => skipped.push([k.ts, count]));
  assert.equal(skipped, [
    [a.ts, 1],
    [b.ts, 2],
  ]);
  assert.equal(
    vectors.map((v) => v.values),
    run([a, b, c], FEATURES).map((v) => v.values),
  );
});

test('errors and completion pass through', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('-a-#', { a }, new Error('feed lost'));
    expectObservable(source.pipe(featureVectors({ features: FEATURES }))).toBe(
      '-x-#',
      { x: vectorOf(a, [NaN_, NaN_, 100]) },
      new Error('feed lost'),
    );
    expectObservable(cold<Kline>('|').pipe(featureVectors({ features: FEATURES }))).toBe('|');
  });
});

test('unsubscribing stops the source', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-b-c-|', { a, b, c });
    expectObservable(source.pipe(featureVectors({ features: FEATURES })), '^--!').toBe('-x-', {
      x: vectorOf(a, [NaN_, NaN_, 100]),
    });
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('each subscription starts from fresh state', () => {
  const vectors$ = from([a, b, c]).pipe(featureVectors({ features: FEATURES }));
  const first: number[][] = [];
  const second: number[][] = [];
  vectors$.subscribe((v) => first.push([...v.values]));
  vectors$.subscribe((v) => second.push([...v.values]));
  assert.equal(second, first);
});

test('a bad feature name fails at construction with a ConfigError naming its path', () => {
  try {
    featureVectors({ features: ['ema_12', 'rsx_14'] });
    assert.unreachable('expected a throw');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.ok((error as Error).message.startsWith('features[1]: unknown feature "rsx_14"; known: ema_N'));
    assert.is((error as ConfigError).where, 'features[1]');
  }
});

// Look-ahead: every kind of feature, a random but valid series, then every candle after index t
// replaced by different random candles: all vectors up to t must be identical (Object.is per value).
const EVERY_KIND = [
  'ema_12',
  'ema_200',
  'sma_20',
  'wma_10',
  'rsi_14',
  'macd_12_26_9',
  'macd_signal_12_26_9',
  'macd_hist_12_26_9',
  'atr_14',
  'natr_14',
  'adx_14',
  'plus_di_14',
  'minus_di_14',
  'bb_upper_20_2',
  'bb_middle_20_2',
  'bb_lower_20_2.5',
  'roc_10',
  'cci_20',
  'willr_14',
  'stoch_k_14_3',
  'stoch_d_14_3',
  'mfi_14',
  'obv',
  'logret_1',
  'rvol_20',
  'volz_20',
];

const randomCandles = (seed: string, count: number, firstIndex = 0, startClose = 100): Kline[] => {
  const prng = createPrng(seed);
  const klines: Kline[] = [];
  let close = startClose;
  for (let i = firstIndex; i < firstIndex + count; i++) {
    const open = close;
    close = open * Math.exp(prng.normal() * 0.01);
    const high = Math.max(open, close) * (1 + prng.next() * 0.005);
    const low = Math.min(open, close) * (1 - prng.next() * 0.005);
    klines.push(kline({ ts: (i + 1) * 60_000, open, high, low, close, volume: prng.int(1000) }));
  }
  return klines;
};

test('no look-ahead: altering every candle after t leaves all vectors at ts ≤ t unchanged (every feature)', () => {
  const series = randomCandles('original', 400);
  const original = run(series, EVERY_KIND);
  assert.ok(
    original[300].values.every((value) => Number.isFinite(value)),
    'all features warm before the cut',
  );
  for (const t of [5, 150, 300, 398]) {
    const altered = [...series.slice(0, t + 1), ...randomCandles(`altered-${t}`, 399 - t, t + 1, 57)];
    const recomputed = run(altered, EVERY_KIND);
    for (let i = 0; i <= t; i++) {
      for (let f = 0; f < EVERY_KIND.length; f++) {
        if (!Object.is(recomputed[i].values[f], original[i].values[f])) {
          assert.unreachable(`${EVERY_KIND[f]} at candle ${i} changed when candles after ${t} changed`);
        }
      }
    }
    // And the future did change something (the test can fail).
    assert.ok(recomputed.slice(t + 1).some((v, i) => !Object.is(v.values[0], original[t + 1 + i].values[0])));
  }
});

test.run();
