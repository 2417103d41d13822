import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline } from '../../src/domain/index.js';
import { clientOrderIdFor } from '../../src/domain/index.js';
import { partialTakeProfitId } from '../../src/operators/profit-amplifier.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { loadMarketReplay } from '../../src/pipeline/market-source.js';
import { hostedStages } from '../../src/services/hosted-stages.js';
import { assertError } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';
import { engineEvents, ofKind } from './engine-events.js';

// Profit amplification in the whole graph (issue #18) on 7 real perpetuals' 1h candles: every
// position the engine opens gets a resting partial take-profit that fills inside the candle that
// reaches it; leading positions get scale-ins that pass the risk governor, whose entries are sent
// alone and whose fills make the monitor resize the position's stop; the run is deterministic.

const input = {
  data: { source: 'files', path: sharedData('klines/um-2026-02-1h') },
  pal: { enabled: true, scaleIn: { atR: 1, maxAdds: 2, maxRiskMultiple: 1.5 } },
  sizing: { stopLossPct: 2, takeProfitPct: 8 },
  risk: { maxOpenPositions: 7, cooldownMs: 3_600_000 },
  output: { progress: false },
};

test('config errors name the path: a fraction out of range, an unknown key', () => {
  assertError(() => parsePipelineConfig({ pal: { scaleIn: { fraction: 2 } } }), {
    code: 'QT_CONFIG_INVALID',
    message: /pal\.scaleIn\.fraction/,
  });
  assertError(() => parsePipelineConfig({ pal: { partialTakeProfit: { fractoin: 0.5 } } }), {
    code: 'QT_CONFIG_INVALID',
    message: /pal\.partialTakeProfit\.fractoin: unknown key/,
  });
});

test('the position-monitor service hosts PAL when it is on', () => {
  const names = (pal: boolean) =>
    hostedStages(
      'position-monitor',
      parsePipelineConfig({ data: { source: 'synthetic' }, pal: { enabled: pal } }),
      [],
      { replica: 0, replicas: 1 },
    ).map(({ stage }) => stage.name);
  assert.equal(names(true), ['position-monitor', 'profit-amplifier']);
  assert.equal(names(false), ['position-monitor']);
});

if (needSharedData('klines/um-2026-02-1h')) {
  test('partial take-profits rest from each entry and fill inside the candle that reaches them; scale-ins pass risk and resize the stop; deterministic', async () => {
    const config = parsePipelineConfig(input);
    const market = loadMarketReplay(config);
    const candles = new Map<string, Kline>(market.klines.map((k) => [`${k.symbol}:${k.ts}`, k]));
    const events = await engineEvents(config, market.klines);
    const orders = ofKind(events, 'order-request');
    const fills = ofKind(events, 'fill');
    const approved = ofKind(events, 'sizing-decision');

    // Every position opened from an approved (non-add) decision got its partial take-profit.
    const opened = new Set(
      fills.filter((f) => f.purpose === 'ENTRY' && !f.intentId.includes('+add')).map((f) => f.intentId),
    );
    const partials = orders.filter((o) => o.clientOrderId === partialTakeProfitId(o.intentId));
    assert.ok(opened.size >= 20, `${opened.size} positions`);
    assert.equal(new Set(partials.map((o) => o.intentId)), opened);
    const decisionOf = new Map(approved.map((d) => [d.intentId, d]));
    const slippageBps = config.exchange.slippage.bps ?? 0;
    let partialFills = 0;
    for (const order of partials) {
      const decision = decisionOf.get(order.intentId);
      assert.ok(decision !== undefined && order.reduceOnly && order.type === 'TAKE_PROFIT_MARKET');
      assert.ok(Math.abs(order.qty - decision.qty / 2) <= decision.qty * 0.01, order.clientOrderId);
      for (const f of fills.filter((x) => x.clientOrderId === order.clientOrderId)) {
        partialFills++;
        const candle = candles.get(`${f.symbol}:${f.ts}`);
        assert.ok(candle !== undefined, `fill ${f.clientOrderId} at a candle's close time`);
        const band = (candle.close * slippageBps) / 10_000 + 1e-9;
        // The trigger was reached inside the candle, and the fill is inside it (± slippage).
        if (order.side === 'SELL') assert.ok(candle.high >= (order.stopPrice as number), f.clientOrderId);
        else assert.ok(candle.low <= (order.stopPrice as number), f.clientOrderId);
        assert.ok(f.price >= candle.low - band && f.price <= candle.high + band, f.clientOrderId);
      }
    }
    assert.ok(partialFills >= 5, `${partialFills} partial take-profits filled`);

    // Scale-ins: approved by the risk governor, entry alone, stop resized to the whole position.
    const adds = approved.filter((d) => d.addsTo !== undefined);
    assert.ok(adds.length >= 3, `${adds.length} scale-ins approved`);
    for (const add of adds) {
      const mine = orders.filter((o) => o.intentId === add.intentId);
      assert.equal(
        mine.map((o) => o.purpose),
        ['ENTRY'],
        `scale-in ${add.intentId} sends its entry alone`,
      );
      assert.is(mine[0].qty, add.qty);
    }
    // Walking the events in order: after an add fills, the position's stop covers the whole
    // position — the resting stop was already as large (after a partial take-profit), or the
    // monitor sends a resized one at once (or on the next candle, when a move was in flight).
    const held = new Map<string, number>();
    const stopQty = new Map<string, number>();
    const owner = new Map<string, string>();
    const due: { symbol: string; qty: number; ts: number; intentId: string }[] = [];
    let resized = 0;
    for (const event of events) {
      if (event.kind === 'fill') {
        const sign = event.side === 'BUY' ? 1 : -1;
        const qty = (held.get(event.symbol) ?? 0) + sign * event.qty;
        held.set(event.symbol, Math.abs(qty) < 1e-9 ? 0 : qty);
        if (event.purpose === 'ENTRY' && !event.intentId.includes('+add'))
          owner.set(event.symbol, event.intentId);
        if (event.intentId.includes('+add')) {
          const whole = Math.abs(held.get(event.symbol) ?? 0);
          if ((stopQty.get(owner.get(event.symbol) ?? '') ?? 0) < whole - 1e-9)
            due.push({ symbol: event.symbol, qty: whole, ts: event.ts, intentId: event.intentId });
        }
      } else if (event.kind === 'order-request' && event.purpose === 'STOP_LOSS') {
        stopQty.set(event.intentId, event.qty);
        const i = due.findIndex((d) => d.symbol === event.symbol && event.qty >= d.qty - 1e-9);
        if (i >= 0) {
          assert.ok(event.ts - due[i].ts <= 3_600_000, `${due[i].intentId}: resized within a candle`);
          due.splice(i, 1);
          resized++;
        }
      } else if (event.kind === 'trade-closed') {
        for (let i = due.length - 1; i >= 0; i--) if (due[i].symbol === event.symbol) due.splice(i, 1);
      }
    }
    assert.equal(due, [], 'every add covered by its position stop');
    assert.ok(resized >= 1, `${resized} stops resized after adds`);
    assert.ok(
      ofKind(events, 'order-denied').every(
        (d) => !d.intentId.includes('+add') || d.gate !== 'position-exists',
      ),
      'adds are never refused as a second position',
    );

    const again = await engineEvents(config, market.klines);
    assert.equal(
      JSON.stringify(ofKind(again, 'trade-closed')),
      JSON.stringify(ofKind(events, 'trade-closed')),
    );
    // Sanity: the bracket's own stop id is untouched by PAL.
    assert.ok(orders.some((o) => o.clientOrderId === clientOrderIdFor(o.intentId, 'STOP_LOSS')));
  });
}

test.run();
