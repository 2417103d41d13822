import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bar, harness, order, stopLoss, takeProfit } from './sim-harness.js';

// The lifecycle of a conditional order: accepted (NEW), TRIGGERED when the path reaches its
// trigger, then FILLED as a market order — in that order, on the same candle, before the fill.

test('a stop-loss reached inside a candle reports NEW, TRIGGERED, FILLED; the fill follows the trigger report', () => {
  const h = harness({ latencyMs: 0 });
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100.5, low: 99.5, close: 100 }));
  h.venue.createOrder(stopLoss(98, { ts: bar(0, { open: 100, high: 100, low: 100, close: 100 }).ts }));
  h.venue.onMarket(bar(1, { open: 100, high: 100.2, low: 97, close: 97.5 }));
  assert.equal(h.statusesOf('sl-1'), ['NEW', 'TRIGGERED', 'FILLED']);
  const kinds: string[] = [];
  for (const event of h.events) {
    if (event.kind === 'fill') kinds.push(`fill ${event.clientOrderId}`);
    else if (event.kind === 'execution-result' && event.clientOrderId === 'sl-1') {
      kinds.push(`${event.clientOrderId} ${event.status}`);
    }
  }
  assert.equal(kinds.slice(-3), ['sl-1 TRIGGERED', 'fill sl-1', 'sl-1 FILLED']);
});

test('a take-profit triggers the same way; the other leg of the bracket is cancelled, never triggered', () => {
  const h = harness({ latencyMs: 0 });
  h.venue.createOrder(order());
  h.venue.onMarket(bar(0, { open: 100, high: 100.5, low: 99.5, close: 100 }));
  const ts = bar(0, { open: 100, high: 100, low: 100, close: 100 }).ts;
  h.venue.createOrder(stopLoss(95, { ts }));
  h.venue.createOrder(takeProfit(103, { ts }));
  h.venue.onMarket(bar(1, { open: 100, high: 103.5, low: 99.8, close: 103.2 }));
  assert.equal(h.statusesOf('tp-1'), ['NEW', 'TRIGGERED', 'FILLED']);
  assert.equal(h.statusesOf('sl-1'), ['NEW', 'CANCELED']);
});

test.run();
