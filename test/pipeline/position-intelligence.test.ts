import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind } from './engine-events.js';

// Position intelligence in the whole graph (issue #18) on 7 real perpetuals' 1h candles: every
// open position is assessed, each assessment is of a position open at that time with R measured
// from its own entry and risk, and PIL only advises — the trades are those of the run without it.

const data = { source: 'files', path: sharedData('klines/um-2026-02-1h') };

test('the position-monitor service hosts position intelligence when it is on', () => {
  const names = (pil: boolean) =>
    hostedStages(
      'position-monitor',
      parsePipelineConfig({ data: { source: 'synthetic' }, pil: { enabled: pil } }),
      [],
      {
        replica: 0,
        replicas: 1,
      },
    ).map(({ stage }) => stage.name);
  assert.equal(names(true), ['position-monitor', 'position-intelligence']);
  assert.equal(names(false), ['position-monitor']);
});

if (needSharedData('klines/um-2026-02-1h')) {
  test('every position is assessed while it is open, R from its own entry and 1R; the trades are unchanged; deterministic', async () => {
    const config = parsePipelineConfig({ data, pil: { enabled: true }, output: { progress: false } });
    const market = loadMarketReplay(config);
    const events = await engineEvents(config, market.klines);
    const assessed = ofKind(events, 'position-assessed');
    const statuses = new Set(assessed.map((a) => a.status));
    assert.ok(statuses.size >= 3, [...statuses].join());
    const trades = ofKind(events, 'trade-closed');
    const decided = new Map(ofKind(events, 'sizing-decision').map((d) => [d.intentId, d]));
    for (const a of assessed) {
      const trade = trades.find((t) => t.intentId === a.intentId);
      // Open at the time (it closes later, or is still open at the end).
      if (trade !== undefined) assert.ok(a.ts >= trade.entryTs && a.ts <= trade.ts, a.reason);
      const sized = decided.get(a.intentId);
      assert.ok(sized !== undefined, a.intentId);
      const close = market.klines.find((k) => k.symbol === a.symbol && k.ts === a.ts)?.close;
      assert.ok(close !== undefined);
      const direction = sized.side === 'LONG' ? 1 : -1;
      const entry = trade?.entryPrice ?? sized.price;
      assert.ok(Math.abs(a.unrealizedR - ((close - entry) * direction) / sized.riskPerUnit) < 1e-9, a.reason);
    }
    // Every position still open at a candle's close was assessed (one that opens and exits inside
    // a single candle never shows in a snapshot).
    const heldOverACandle = trades.filter((t) => t.ts > t.entryTs);
    assert.ok(heldOverACandle.length >= 20);
    for (const t of heldOverACandle)
      assert.ok(
        assessed.some((a) => a.intentId === t.intentId),
        `${t.tradeId} assessed`,
      );
    const without = await engineEvents(
      parsePipelineConfig({ data, output: { progress: false } }),
      market.klines,
    );
    assert.equal(ofKind(without, 'trade-closed'), trades);
    assert.equal(await engineEvents(config, market.klines), events);
  });
}

test.run();
