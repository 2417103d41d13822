import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/domain/errors.js';
import {
  DEFAULT_FEATURES,
  featureLookback,
  featureParams,
  parseFeatureName,
  parseFeatureNames,
  parseFeatureParams,
} from '../../src/features/feature-names.js';

const throwsConfig = (run: () => unknown, expected: string) => {
  try {
    run();
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.is((error as ConfigError).code, 'QT_CONFIG_INVALID');
    assert.ok(
      (error as Error).message.includes(expected),
      `"${(error as Error).message}" includes "${expected}"`,
    );
    return;
  }
  assert.unreachable(`expected ConfigError with "${expected}"`);
};

test('parses every documented name with its kind, parameters and TA-Lib lookback', () => {
  const cases: [string, string, number[], number][] = [
    ['ema_12', 'ema', [12], 11],
    ['ema_200', 'ema', [200], 199],
    ['sma_20', 'sma', [20], 19],
    ['wma_10', 'wma', [10], 9],
    ['rsi_14', 'rsi', [14], 14],
    ['rsi_7', 'rsi', [7], 7],
    ['macd_12_26_9', 'macd', [12, 26, 9], 33],
    ['macd_signal_12_26_9', 'macd_signal', [12, 26, 9], 33],
    ['macd_hist_12_26_9', 'macd_hist', [12, 26, 9], 33],
    ['atr_14', 'atr', [14], 14],
    ['natr_14', 'natr', [14], 14],
    ['adx_14', 'adx', [14], 27],
    ['plus_di_14', 'plus_di', [14], 14],
    ['minus_di_14', 'minus_di', [14], 14],
    ['bb_upper_20_2', 'bb_upper', [20, 2], 19],
    ['bb_middle_20_2', 'bb_middle', [20, 2], 19],
    ['bb_lower_20_2.5', 'bb_lower', [20, 2.5], 19],
    ['roc_10', 'roc', [10], 10],
    ['cci_20', 'cci', [20], 19],
    ['willr_14', 'willr', [14], 13],
    ['stoch_k_14_3', 'stoch_k', [14, 3], 17],
    ['stoch_d_14_3', 'stoch_d', [14, 3], 17],
    ['mfi_14', 'mfi', [14], 14],
    ['obv', 'obv', [], 0],
    ['logret_1', 'logret', [1], 1],
    ['rvol_20', 'rvol', [20], 20],
    ['volz_20', 'volz', [20], 19],
  ];
  for (const [name, kind, params, lookback] of cases) {
    const spec = parseFeatureName(name);
    assert.is(spec.kind, kind, name);
    assert.equal(spec.params, params, name);
    assert.is(spec.lookback, lookback, name);
    assert.is(featureLookback(name), lookback, name);
  }
});

test('outputs of one computation share a compute key; different parameters do not', () => {
  const key = (name: string) => parseFeatureName(name).computeKey;
  assert.is(key('macd_12_26_9'), key('macd_hist_12_26_9'));
  assert.is(key('macd_signal_12_26_9'), key('macd_12_26_9'));
  assert.is.not(key('macd_12_26_9'), key('macd_5_35_5'));
  assert.is(key('bb_upper_20_2'), key('bb_lower_20_2.0'));
  assert.is.not(key('bb_upper_20_2'), key('bb_upper_20_2.5'));
  assert.is(key('adx_14'), key('plus_di_14'));
  assert.is(key('minus_di_14'), key('adx_14'));
  assert.is(key('atr_14'), key('natr_14'));
  assert.is(key('stoch_k_14_3'), key('stoch_d_14_3'));
  assert.is.not(key('ema_12'), key('sma_12'));
});

test('an unknown name is a ConfigError naming the path and the known patterns', () => {
  throwsConfig(
    () => parseFeatureName('rsx_14', 'features[3]'),
    'features[3]: unknown feature "rsx_14"; known: ema_N, sma_N',
  );
  throwsConfig(
    () => parseFeatureName('EMA_12', 'features[0]'),
    'features[0]: "EMA_12" is not a feature name',
  );
  throwsConfig(() => parseFeatureName('', 'features[0]'), 'is not a feature name');
  throwsConfig(() => parseFeatureName('constructor_3'), 'unknown feature "constructor_3"');
});

test('bad parameters are ConfigErrors with the reason', () => {
  throwsConfig(
    () => parseFeatureName('ema_0', 'features[0]'),
    'features[0]: "ema_0": period must be an integer ≥ 2, got "0"',
  );
  throwsConfig(() => parseFeatureName('ema_1'), 'period must be an integer ≥ 2');
  throwsConfig(() => parseFeatureName('rsi_-3'), 'period must be an integer ≥ 2, got "-3"');
  throwsConfig(() => parseFeatureName('sma_2.5'), 'period must be an integer ≥ 2, got "2.5"');
  throwsConfig(() => parseFeatureName('atr_x'), 'must be an integer ≥ 1, got "x"');
  throwsConfig(() => parseFeatureName('ema'), 'ema takes 1 parameter(s) (ema_N), got 0');
  throwsConfig(() => parseFeatureName('ema_12_26'), 'takes 1 parameter(s)');
  throwsConfig(() => parseFeatureName('macd_12_26'), 'macd takes 3 parameter(s) (macd_F_S_G), got 2');
  throwsConfig(() => parseFeatureName('obv_3'), 'obv takes 0 parameter(s)');
  throwsConfig(
    () => parseFeatureName('macd_26_12_9'),
    'MACD fast period (26) must be smaller than slow period (12)',
  );
  throwsConfig(() => parseFeatureName('macd_12_12_9'), 'must be smaller');
  throwsConfig(() => parseFeatureName('macd_12_26_1'), 'signal period must be an integer ≥ 2');
  throwsConfig(
    () => parseFeatureName('bb_upper_20_0'),
    'nbdev (band width in standard deviations) must be a positive number',
  );
  throwsConfig(() => parseFeatureName('rsi_1000000'), 'period must be an integer ≥ 2');
});

test('a list is checked with each index in the path, and duplicates are rejected', () => {
  throwsConfig(
    () => parseFeatureNames(['ema_12', 'rsi_14', 'rsx_14']),
    'features[2]: unknown feature "rsx_14"',
  );
  throwsConfig(() => parseFeatureNames(['ema_12', 'ema_12']), 'features[1]: "ema_12" is listed twice');
  assert.is(parseFeatureNames(DEFAULT_FEATURES).length, DEFAULT_FEATURES.length);
});

test('DEFAULT_FEATURES has at least 15 valid, distinct, frozen names', () => {
  assert.ok(DEFAULT_FEATURES.length >= 15);
  assert.is(new Set(DEFAULT_FEATURES).size, DEFAULT_FEATURES.length);
  assert.ok(Object.isFrozen(DEFAULT_FEATURES));
});

test('featureParams defaults to DEFAULT_FEATURES and rejects unknown keys', () => {
  assert.equal(featureParams.parse({}).features, [...DEFAULT_FEATURES]);
  assert.equal(featureParams.parse({ features: ['obv'] }).features, ['obv']);
  const unknownKey = featureParams.safeParse({ features: ['obv'], feature: [] });
  assert.is(unknownKey.success, false);
});

test('featureParams reports each bad name at its path', () => {
  const result = featureParams.safeParse({ features: ['ema_12', 'rsx_14', 'ema_0'] });
  assert.is(result.success, false);
  if (result.success) return;
  const issues = result.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
  assert.is(issues.length, 2);
  assert.equal(issues[0][0], 'features.1');
  assert.ok(issues[0][1].startsWith('unknown feature "rsx_14"'));
  assert.equal(issues[1][0], 'features.2');
  assert.ok(issues[1][1].includes('"ema_0": period must be an integer ≥ 2'));
});

test('parseFeatureParams throws one ConfigError listing every bad entry with its path', () => {
  throwsConfig(
    () => parseFeatureParams({ features: ['ema_12', 'rsx_14', 'ema_0'] }),
    'features[1]: unknown feature "rsx_14"',
  );
  throwsConfig(
    () => parseFeatureParams({ features: ['ema_12', 'rsx_14', 'ema_0'] }),
    '\nfeatures[2]: "ema_0": period',
  );
  throwsConfig(() => parseFeatureParams({ features: ['obv'], extra: 1 } as never), 'Unrecognized key');
  assert.equal(parseFeatureParams({}).features, [...DEFAULT_FEATURES]);
});

test.run();
