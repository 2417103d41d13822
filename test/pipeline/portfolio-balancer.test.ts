import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind } from './engine-events.js';

// Portfolio balancing in the whole graph (issue #18) on 7 real perpetuals' 1h candles: between the
// sizer and the risk governor, entries that would over-concentrate the book are shrunk or refused
// with the correlated symbols named, the risk governor sees only what the balancer passed, and the
// run is deterministic.

const input = {
  data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
  balancer: { enabled: true, maxCorrelatedExposure: 0.6, correlationThreshold: 0.6 },
  risk: { maxOpenPositions: 7 },
  output: { progress: false },
};

test('the risk-governor service hosts the balancer when it is on (the kill switch runs with the portfolio)', () => {
  const names = (service: 'risk-governor' | 'portfolio', balancer: boolean) =>
    hostedStages(
      service,
      parsePipelineConfig({ data: { source: 'synthetic' }, balancer: { enabled: balancer } }),
      [],
      { replica: 0, replicas: 1 },
    ).map(({ stage }) => stage.name);
  assert.equal(names('risk-governor', true), ['portfolio-balancer', 'risk-governor']);
  assert.equal(names('risk-governor', false), ['risk-governor']);
  assert.equal(names('portfolio', true), ['portfolio', 'kill-switch']);
});

if (needSharedData('klines/um-2026-02-1h')) {
  test('correlated entries are shrunk or refused naming the symbols they go with; approved entries are what the balancer passed; deterministic', async () => {
    const config = parsePipelineConfig(input);
    const market = loadMarketReplay(config);
    const events = await engineEvents(config, market.klines);
    const refused = ofKind(events, 'order-denied').filter((d) => d.gate === 'pba');
    assert.ok(refused.length >= 10, `${refused.length} refused`);
    const symbols = new Set(market.symbols);
    for (const denial of refused) {
      const named = /correlated with ([A-Z0-9]+USDT) (-?\d\.\d\d)/.exec(denial.reason);
      if (named === null) continue;
      assert.ok(symbols.has(named[1]) && named[1] !== denial.symbol, denial.reason);
      assert.ok(Math.abs(Number(named[2])) >= 0.6, denial.reason);
    }
    assert.ok(refused.some((d) => d.reason.includes('correlated with')));
    const approved = ofKind(events, 'sizing-decision');
    const shrunk = approved.filter((d) => d.method.includes('· balanced'));
    assert.ok(shrunk.length >= 1, 'some entries were shrunk');
    for (const d of shrunk) {
      const [, before, after] = /balanced ([\d.]+) → ([\d.]+) USDT/.exec(d.method) ?? [];
      assert.ok(Number(after) < Number(before), d.method);
    }
    // Orders follow only approved decisions, and no order exceeds the balancer's notional.
    const entries = ofKind(events, 'order-request').filter((o) => o.purpose === 'ENTRY');
    const byIntent = new Map(approved.map((d) => [d.intentId, d]));
    for (const order of entries) {
      const sized = byIntent.get(order.intentId);
      assert.ok(sized !== undefined, order.clientOrderId);
      assert.ok(order.qty <= sized.qty + 1e-9, `${order.clientOrderId} ${order.qty} > ${sized.qty}`);
    }
    assert.equal(await engineEvents(config, market.klines), events);
  });
}

test.run();
