import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/domain/errors.js';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import {
  ensembleWeights,
  loadPipelineConfig,
  modelName,
  parsePipelineConfig,
  parsePipelineYaml,
  simExchangeParamsOf,
} from '../../src/pipeline/config.js';
import { DEFAULT_CONFIG_YAML } from '../../src/pipeline/default-config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const EXAMPLES = join(REPO, 'examples');
const FIXTURES = join(REPO, 'test', 'fixtures', 'pipeline');

/** The message of the ConfigError `run` throws (fails the test when it throws nothing or something else). */
const configErrorOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.is((error as ConfigError).code, 'QT_CONFIG_INVALID');
    return (error as Error).message;
  }
  assert.unreachable('expected a ConfigError');
  return '';
};

test('the embedded default config parses, with the two rule models voting 1:1', () => {
  const config = parsePipelineYaml(DEFAULT_CONFIG_YAML, '(default)');
  assert.is(config.name, 'default');
  assert.is(config.seed, 42);
  assert.equal(config.models.map(modelName), ['ema-rsi', 'macd-adx']);
  assert.equal(ensembleWeights(config), { 'ema-rsi': 1, 'macd-adx': 1 });
  assert.is(config.features.length, 18);
  assert.is(config.data.synthetic.count, 43_200);
  assert.is(config.risk.maxDrawdownPct, 20);
  assert.equal(loadPipelineConfig(), config, 'loadPipelineConfig() without a path is the default');
});

test('every key left out takes the value of the default pipeline (config print)', () => {
  const { description, ...printed } = loadPipelineConfig();
  assert.type(description, 'string');
  assert.equal(parsePipelineConfig({}), printed);
  // A partial config keeps the rest of the default pipeline, not an operator's own default.
  const partial = parsePipelineConfig({ risk: { cooldownMs: 0 } });
  assert.is(partial.risk.maxOpenPositions, printed.risk.maxOpenPositions);
  assert.is(partial.monitor.maxHoldMs, 86_400_000);
  assert.is(partial.strategy.minConfidence, 0.6);
});

test('an empty document parses to schema defaults; an empty config FILE is refused, pointing at config print', () => {
  const config = parsePipelineConfig(undefined);
  assert.is(config.data.source, 'synthetic');
  assert.equal(config.models.map(modelName), ['ema-rsi', 'macd-adx']);
  // A silently empty file would run something nobody wrote down, so the file is refused.
  assert.is(
    configErrorOf(() => parsePipelineYaml('', 'mine.yaml')),
    'mine.yaml: the config file is empty; start from the default pipeline: quantum config print > mine.yaml',
  );
  assert.match(
    configErrorOf(() => parsePipelineYaml('# only a comment\n', 'c.yaml')),
    /^c\.yaml: the config file is empty/,
  );
});

test('fixed-fraction leverage above risk.maxLeverage (a run that cannot trade) is refused at sizing.leverage', () => {
  const message = configErrorOf(() =>
    parsePipelineConfig({ sizing: { leverage: 50 }, risk: { maxLeverage: 5 } }),
  );
  assert.match(
    message,
    /sizing\.leverage: 50× is above risk\.maxLeverage 5×, so the risk gate would deny every entry/,
  );
  // Allowed when the gate clamps instead of denying.
  const clamped = parsePipelineConfig({
    sizing: { leverage: 50 },
    risk: { maxLeverage: 5, clampLeverage: true },
  });
  assert.is(clamped.sizing.method === 'fixed-fraction' && clamped.sizing.leverage, 50);
});

test('examples/default.yaml is the embedded default, character for character', () => {
  assert.is(readFileSync(join(EXAMPLES, 'default.yaml'), 'utf8'), DEFAULT_CONFIG_YAML);
});

test('every examples/*.yaml parses', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('real-data.yaml') && files.includes('atr-stop.yaml'), files.join());
  for (const file of files) {
    const config = loadPipelineConfig(join(EXAMPLES, file));
    assert.is(`${config.name}.yaml`, file, 'each example is named after its file');
  }
});

test('examples/atr-stop.yaml sizes by ATR and trails by ATR', () => {
  const config = loadPipelineConfig(join(EXAMPLES, 'atr-stop.yaml'));
  assert.is(config.sizing.method, 'atr-stop');
  assert.ok(config.features.includes(config.ensemble.atrFeature), 'the ATR the sizer reads is computed');
  assert.ok(config.monitor.trailingActivationR > 0);
  assert.ok(config.monitor.trailingAtrMultiple > 0);
});

test('examples/real-data.yaml reads the bundled recorded files by a path relative to the examples folder', () => {
  const config = loadPipelineConfig(join(EXAMPLES, 'real-data.yaml'));
  assert.is(config.data.source, 'files');
  assert.is(config.data.path, 'data/klines/um-2026-02-1h');
});

test('examples/real-data.yaml: its bundled data resolves against the config file, from any working directory', () => {
  const config = loadPipelineConfig(join(EXAMPLES, 'real-data.yaml'));
  const market = loadMarketReplay(config, { baseDir: EXAMPLES });
  assert.equal(market.symbols.length, 7);
  assert.is(market.klines.length, 7 * 672);
  assert.is(market.intervalMs, 3_600_000);
});

test("the config's symbols: overrides win over the bundled Binance filters, key by key", () => {
  const config = parsePipelineConfig({
    symbols: { BTCUSDT: { tickSize: 0.01, minNotionalUsdt: 5 }, ETHUSDT: { maintenanceMarginRate: 0.02 } },
  });
  const venue = new SimExchange(simExchangeParamsOf(config), createPrng(1));
  const btc = venue.filtersOf('BTCUSDT');
  // overridden: tick and min notional; from the snapshot: step 0.001, LOT_SIZE maxQty 1000, 12 brackets
  assert.equal(
    [btc.tickSize, btc.minNotionalUsdt, btc.stepSize, btc.maxQty, btc.brackets?.length],
    [0.01, 5, 0.001, 1000, 12],
  );
  // a maintenance rate of its own means one rate: the snapshot's brackets no longer apply
  const eth = venue.filtersOf('ETHUSDT');
  assert.equal([eth.maintenanceMarginRate, eth.brackets, eth.tickSize], [0.02, undefined, 0.01]);
  // not overridden: the snapshot's own
  assert.equal([venue.filtersOf('AVAXUSDT').tickSize, venue.filtersOf('AVAXUSDT').stepSize], [0.001, 1]);
});

test('exchange.venueRulesDir is a config key of the sim venue', () => {
  const config = parsePipelineConfig({ exchange: { venueRulesDir: 'data/binance-usdm' } });
  assert.is(simExchangeParamsOf(config).venueRulesDir, 'data/binance-usdm');
});

test('a wrong type names the path, what was expected and what was found', () => {
  const message = configErrorOf(() => parsePipelineYaml('risk:\n  maxLeverage: "ten"\n', 'my.yaml'));
  assert.ok(message.startsWith('my.yaml: invalid pipeline config'), message);
  assert.match(message, 'risk.maxLeverage: expected a number');
  assert.match(message, 'got "ten"');
});

test('a value out of range names the bound', () => {
  const message = configErrorOf(() => parsePipelineConfig({ risk: { maxLeverage: 200 } }));
  assert.match(message, 'risk.maxLeverage: expected a number > 0 and ≤ 125, got 200');
});

test('an unknown key is refused with the keys that are known there', () => {
  const message = configErrorOf(() => parsePipelineYaml('risk:\n  foo: 1\n'));
  assert.match(message, 'risk.foo: unknown key');
  assert.match(message, 'maxLeverage');
  assert.match(
    configErrorOf(() => parsePipelineConfig({ bogus: 1 })),
    'bogus: unknown key',
  );
});

test('an unknown key inside a model entry lists the keys of that model type', () => {
  const message = configErrorOf(() =>
    parsePipelineConfig({ models: [{ type: 'ema-rsi', params: { fats: 'ema_3' } }] }),
  );
  assert.match(message, 'models[0].params.fats: unknown key; expected one of name, fast, slow');
  assert.not.match(message, 'adxThreshold');
});

test('an unknown model type lists every model type', () => {
  const message = configErrorOf(() => parsePipelineConfig({ models: [{ type: 'lstm' }] }));
  assert.match(
    message,
    'models[0].type: expected one of "ema-rsi", "lightgbm", "macd-adx", "nhits", "patchtst", "xgboost", got "lstm"',
  );
});

test('an unknown feature names features[i] and the feature', () => {
  const message = configErrorOf(() =>
    parsePipelineYaml('features: [ema_12, ema_26, rsx_14, rsi_14]\nmodels: [{type: ema-rsi}]\n'),
  );
  assert.match(message, 'features[2]: unknown feature "rsx_14"');
});

test('a feature with a bad period names features[i]', () => {
  const message = configErrorOf(() =>
    parsePipelineConfig({ features: ['ema_0', 'ema_12', 'ema_26', 'rsi_14'], models: [{ type: 'ema-rsi' }] }),
  );
  assert.match(message, 'features[0]: "ema_0": period must be an integer ≥ 2');
});

test('a rule model reading a feature that is not computed is refused, naming the model and the feature', () => {
  const emaRsi = configErrorOf(() =>
    parsePipelineConfig({ features: ['ema_12', 'rsi_14'], models: [{ type: 'ema-rsi' }] }),
  );
  assert.match(emaRsi, 'models[0].params: model "ema-rsi" reads feature "ema_26", which is not in features');
  const macdAdx = configErrorOf(() =>
    parsePipelineConfig({
      features: ['macd_hist_12_26_9', 'adx_14', 'plus_di_14'],
      models: [{ type: 'macd-adx' }],
    }),
  );
  assert.match(macdAdx, 'model "macd-adx" reads feature "minus_di_14", which is not in features');
  // Renamed inputs are checked by their configured names.
  const renamed = configErrorOf(() =>
    parsePipelineConfig({
      features: ['ema_12', 'ema_26', 'rsi_14'],
      models: [{ type: 'ema-rsi', params: { name: 'fast-trend', fast: 'ema_5' } }],
    }),
  );
  assert.match(renamed, 'model "fast-trend" reads feature "ema_5"');
});

test('two models voting under one name are refused', () => {
  const message = configErrorOf(() =>
    parsePipelineConfig({ models: [{ type: 'ema-rsi' }, { type: 'ema-rsi' }] }),
  );
  assert.match(message, 'models[1]: duplicate model name "ema-rsi"');
});

test('files without a path is refused with the fix', () => {
  const message = configErrorOf(() => parsePipelineConfig({ data: { source: 'files' } }));
  assert.match(message, 'data.path: source "files" needs data.path');
});

test('every bad path is listed, one per line', () => {
  const message = configErrorOf(() =>
    parsePipelineConfig({ seed: 'x', sizing: { method: 'kelly' }, exchange: { takerFeeRate: 1 } }),
  );
  const lines = message.split('\n').slice(1);
  assert.is(lines.length, 3, message);
  assert.match(message, 'seed: expected an integer, got "x"');
  assert.match(message, 'sizing.method: expected one of fixed-fraction, atr-stop, got "kelly"');
  assert.match(message, 'exchange.takerFeeRate: expected a number ≥ 0 and ≤ 0.01, got 1');
});

test('a YAML syntax error names file:line:col', () => {
  const message = configErrorOf(() =>
    parsePipelineYaml('name: x\nrisk:\n  maxLeverage: [1,\n  foo: }\n', 'broken.yaml'),
  );
  assert.match(message, /^broken\.yaml:4:3: /);
  // The offending line is quoted with a caret; the first line does not end on a dangling colon.
  const [first, ...quote] = message.split('\n');
  assert.not.match(first, /:$/);
  assert.ok(
    quote.some((line) => /^\s+\^/.test(line)),
    message,
  );
  const duplicate = configErrorOf(() => parsePipelineYaml('name: a\nseed: 1\nname: b\n', 'dup.yaml'));
  assert.match(duplicate, /^dup\.yaml:3:1: Map keys must be unique/);
});

test('a fixture with several mistakes reports each, naming the file', () => {
  const path = join(FIXTURES, 'bad-config.yaml');
  const message = configErrorOf(() => loadPipelineConfig(path));
  assert.ok(message.startsWith(`${path}: invalid pipeline config`), message);
  assert.match(message, 'risk.maxLeverage: expected a number');
  assert.match(message, 'monitor.trailingDistance: unknown key');
  assert.match(message, 'features[1]: unknown feature "rsx_14"');
});

test('a missing config file is a ConfigError naming the path', () => {
  const path = join(FIXTURES, 'does-not-exist.yaml');
  assert.match(
    configErrorOf(() => loadPipelineConfig(path)),
    `${path}: cannot read the config file (ENOENT)`,
  );
});

test.run();
