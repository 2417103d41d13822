import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { mergeConfig, SCENARIO_BASE_CONFIG } from '../../src/pipeline/marble-backtest.js';
import { engineEvents, ofKind } from './engine-events.js';

const START = 1_767_225_600_000;
const rising = (symbol: string, base: number): Kline[] =>
  Array.from({ length: 8 }, (_, i) => {
    const open = base * (1 + 0.005 * i);
    const close = base * (1 + 0.005 * (i + 1));
    return {
      kind: 'kline',
      symbol,
      interval: '1m',
      openTime: START + i * 60_000,
      ts: START + (i + 1) * 60_000,
      open,
      high: close,
      low: open,
      close,
      volume: 1_000,
      quoteVolume: 1_000 * close,
      trades: 1,
      takerBuyVolume: 500,
    };
  });

test('two symbols signalling on the same candle cannot overrun max open positions before the fills land', async () => {
  const config = parsePipelineConfig(mergeConfig(SCENARIO_BASE_CONFIG, { risk: { maxOpenPositions: 1 } }));
  // Same event times: the merge order is AAAUSDT then BBBUSDT at every ts.
  const a = rising('AAAUSDT', 100);
  const b = rising('BBBUSDT', 50);
  const klines = a.flatMap((kline, i) => [kline, b[i]]);
  const events = await engineEvents(config, klines);
  const entries = ofKind(events, 'order-request').filter((order) => order.purpose === 'ENTRY');
  // AAA's entry is approved on the warm candle; BBB's, on the same candle, meets AAA's working entry
  assert.equal(
    entries.map((order) => order.symbol),
    ['AAAUSDT'],
  );
  const denied = ofKind(events, 'order-denied').find((d) => d.symbol === 'BBBUSDT');
  assert.is(denied?.gate, 'max-open-positions');
  assert.match(denied?.reason ?? '', 'entries still working');
});

test.run();
