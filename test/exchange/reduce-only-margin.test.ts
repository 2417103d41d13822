import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bar, harness, order, stopLoss } from './sim-harness.js';

// Defect found by an audit of examples/atr-stop.yaml: the venue's margin check refused reduce-only
// protective orders when the account was stretched, leaving positions without a stop. A reduce-only
// order can only shrink a position: it never needs margin (as on Binance).

test('a reduce-only stop is accepted when available margin is negative; a new entry is refused for margin', () => {
  const h = harness({ initialBalanceUsdt: 1_000, defaultFundingRate: 0.05 });
  // 9.9 BTC at 100 with 1x: 990 USDT of the 1,000 wallet is margin.
  h.venue.createOrder(order({ qty: 9.9, leverage: 1 }));
  h.venue.onMarket(bar(0, { open: 100, high: 100, low: 100, close: 100 }));
  // 08:00 UTC funding at 5 %: the long pays 49.5 USDT out of the wallet, below the margin it posted.
  const funding = bar(419, { open: 100, high: 100, low: 100, close: 100 });
  h.venue.onMarket(funding);
  assert.ok(h.venue.account().availableUsdt < 0, `available ${h.venue.account().availableUsdt} < 0`);

  h.venue.createOrder(stopLoss(85, { qty: 9.9, ts: funding.ts }));
  assert.equal(h.statusesOf('sl-1'), ['NEW']);

  h.venue.createOrder(
    order({ clientOrderId: 'en-2', intentId: 'intent-2', qty: 0.1, leverage: 1, ts: funding.ts }),
  );
  const refused = h.results().find((r) => r.clientOrderId === 'en-2');
  assert.is(refused?.status, 'REJECTED');
  assert.is(refused?.errorCode, 'QT_EXCHANGE_INSUFFICIENT_MARGIN');
  assert.match(refused?.reason ?? '', /needs [\d.]+ USDT initial margin \+ fee, available -[\d.]+/);
});

test.run();
