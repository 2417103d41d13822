import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Regime } from '../../src/domain/index.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { assertError } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind } from './engine-events.js';

// Regime detection in the whole graph (issue #18), on 7 real perpetuals' 1h candles: each intent's
// side is one its regime allows, refused ones are OrderDenied events naming the regime, sizes scale
// per regime, the run is deterministic, and the split services host the stage beside the ai-engine.

const input = {
  data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
  regime: { enabled: true, atrWindow: 100, slopePeriod: 24 },
  strategy: { regimeSides: { TRENDING_UP: 'long', TRENDING_DOWN: 'short', VOLATILE: 'none' } },
  sizing: { regimeScale: { RANGING: 0.5 } },
  output: { progress: false },
};
const ALLOWED: Record<Regime, readonly string[]> = {
  TRENDING_UP: ['LONG'],
  TRENDING_DOWN: ['SHORT'],
  VOLATILE: [],
  RANGING: ['LONG', 'SHORT'],
};

test('per-regime settings without regime detection are a config error naming the setting', () => {
  assertError(() => parsePipelineConfig({ strategy: { regimeSides: { VOLATILE: 'none' } } }), {
    code: 'QT_CONFIG_INVALID',
    message: /strategy\.regimeSides: per-regime settings need regime detection/,
  });
  assertError(() => parsePipelineConfig({ regime: { enabled: true, trendAdx: 120 } }), {
    code: 'QT_CONFIG_INVALID',
    message: /regime\.trendAdx/,
  });
});

test('the ai-engine service hosts meta-regime when it is on (partitioned by symbol like the ai-engine)', () => {
  const on = parsePipelineConfig({ ...input, data: { source: 'synthetic' } });
  const off = parsePipelineConfig({ data: { source: 'synthetic' } });
  const names = (config: typeof on, replica: number, replicas: number) =>
    hostedStages('ai-engine', config, [], { replica, replicas }).map(({ stage, partitions }) => [
      stage.name,
      partitions,
    ]);
  assert.equal(names(on, 1, 2), [
    ['meta-regime', [1]],
    ['ai-engine', [1]],
  ]);
  assert.equal(names(off, 0, 1), [['ai-engine', [0]]]);
});

if (needSharedData('klines/um-2026-02-1h')) {
  test('every intent’s side is one its regime allows; refusals name the regime; RANGING sizes at half; the run is deterministic', async () => {
    const config = parsePipelineConfig(input);
    const market = loadMarketReplay(config);
    const events = await engineEvents(config, market.klines);
    const changes = ofKind(events, 'regime-changed');
    assert.ok(changes.length >= 20, `${changes.length} regime changes`);
    assert.equal([...new Set(changes.map((c) => c.regime))].sort(), [
      'RANGING',
      'TRENDING_DOWN',
      'TRENDING_UP',
      'VOLATILE',
    ]);
    const regimeAt = (symbol: string, ts: number): Regime | undefined =>
      changes.filter((c) => c.symbol === symbol && c.ts <= ts).at(-1)?.regime;
    const intents = ofKind(events, 'trade-intent');
    assert.ok(intents.length >= 50);
    for (const intent of intents) {
      const regime = regimeAt(intent.symbol, intent.ts);
      if (regime !== undefined) assert.ok(ALLOWED[regime].includes(intent.side), `${intent.id} in ${regime}`);
    }
    const refused = ofKind(events, 'order-denied').filter((d) => d.gate === 'regime');
    assert.ok(refused.length >= 10, `${refused.length} refused by regime`);
    for (const denial of refused) {
      const regime = regimeAt(denial.symbol, denial.ts);
      assert.ok(regime !== undefined && denial.reason.includes(`in ${regime}:`), denial.reason);
    }
    const sized = ofKind(events, 'sizing-decision');
    const halved = sized.filter((d) => d.method.endsWith('×0.5 (RANGING)'));
    assert.ok(halved.length >= 5, `${halved.length} decisions at half size`);
    for (const d of halved) assert.is(regimeAt(d.symbol, d.ts), 'RANGING');
    // Same config, same data ⇒ the same events.
    assert.equal(await engineEvents(config, market.klines), events);
  });

  test('method hmm in the whole graph: a calm/volatile HMM per symbol, refitted as it goes, labels both regimes; VOLATILE sizes at half; deterministic', async () => {
    const config = parsePipelineConfig({
      data: input.data,
      regime: { enabled: true, method: 'hmm', hmm: { fitCandles: 200, refitEvery: 100 } },
      sizing: { regimeScale: { VOLATILE: 0.5 } },
      output: { progress: false },
    });
    const market = loadMarketReplay(config);
    const events = await engineEvents(config, market.klines);
    const changes = ofKind(events, 'regime-changed');
    assert.equal([...new Set(changes.map((c) => c.regime))].sort(), ['RANGING', 'VOLATILE']);
    // No label before a symbol's model is fitted on its first 200 candles.
    assert.ok(changes.every((c) => c.ts >= market.klines[0].ts + 199 * 3_600_000));
    assert.ok(
      changes.every((c) => /^(\w+ → \w+ after 3 candle\(s\): |\w+: )HMM state [12] of 2/.test(c.reason)),
    );
    assert.ok(ofKind(events, 'sizing-decision').some((d) => d.method.endsWith('×0.5 (VOLATILE)')));
    assert.equal(await engineEvents(config, market.klines), events);
  });
}

test.run();
