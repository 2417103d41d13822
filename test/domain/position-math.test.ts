import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyFill,
  initialMarginUsdt,
  liquidationPrice,
  type PositionState,
  unrealizedPnlUsdt,
} from '../../src/domain/position-math.js';

const long: PositionState = { side: 'LONG', qty: 2, entryPrice: 100, marginUsdt: 20, leverage: 10 };

test('an increase averages the entry and adds margin at the position leverage', () => {
  const outcome = applyFill(long, { side: 'BUY', qty: 1, price: 106, leverage: 5, reduceOnly: false });
  // avg = (2 × 100 + 1 × 106) / 3 = 102; margin = 20 + 106 / 10 = 30.6
  assert.equal(outcome.position, { side: 'LONG', qty: 3, entryPrice: 102, marginUsdt: 30.6, leverage: 10 });
  assert.is(outcome.realizedPnlUsdt, 0);
  assert.is(outcome.openedQty, 1);
});

test('a reduction realizes (exit − entry) × qty × direction and releases margin pro rata', () => {
  const outcome = applyFill(long, { side: 'SELL', qty: 0.5, price: 110, leverage: 10, reduceOnly: true });
  // (110 − 100) × 0.5 × (+1) = 5; margin 20 × 1.5 / 2 = 15
  assert.is(outcome.realizedPnlUsdt, 5);
  assert.equal(outcome.position, { side: 'LONG', qty: 1.5, entryPrice: 100, marginUsdt: 15, leverage: 10 });
  assert.is(outcome.closedPosition, false);
  const short: PositionState = { side: 'SHORT', qty: 1, entryPrice: 100, marginUsdt: 10, leverage: 10 };
  // short: (110 − 100) × 1 × (−1) = −10
  assert.is(
    applyFill(short, { side: 'BUY', qty: 1, price: 110, leverage: 10, reduceOnly: false }).realizedPnlUsdt,
    -10,
  );
});

test('an opposite fill larger than the position flips it; a reduce-only one never does', () => {
  const flip = applyFill(long, { side: 'SELL', qty: 3, price: 90, leverage: 5, reduceOnly: false });
  // closes 2: (90 − 100) × 2 = −20; opens SHORT 1 @ 90 with margin 90 / 5 = 18
  assert.is(flip.realizedPnlUsdt, -20);
  assert.is(flip.closedPosition, true);
  assert.equal(flip.position, { side: 'SHORT', qty: 1, entryPrice: 90, marginUsdt: 18, leverage: 5 });
  const reduceOnly = applyFill(long, { side: 'SELL', qty: 3, price: 90, leverage: 5, reduceOnly: true });
  assert.is(reduceOnly.position, undefined);
  assert.is(reduceOnly.closedQty, 2);
  assert.is(reduceOnly.openedQty, 0);
});

test('float dust after reductions counts as flat', () => {
  const p: PositionState = { side: 'LONG', qty: 0.3, entryPrice: 100, marginUsdt: 3, leverage: 10 };
  const a = applyFill(p, { side: 'SELL', qty: 0.1, price: 100, leverage: 10, reduceOnly: true }).position;
  const b = applyFill(a, { side: 'SELL', qty: 0.2, price: 100, leverage: 10, reduceOnly: true });
  assert.is(b.position, undefined);
});

test('liquidation price of isolated long and short at 10× with mmr 0.004', () => {
  const margin = initialMarginUsdt(100 * 1, 10); // 10
  const longAt = liquidationPrice(
    { side: 'LONG', qty: 1, entryPrice: 100, marginUsdt: margin, leverage: 10 },
    0.004,
  );
  // (100 − 10 / 1) / (1 − 0.004) = 90 / 0.996 = 90.36144578313…
  assert.ok(Math.abs(longAt - 90 / 0.996) < 1e-12);
  assert.ok(Math.abs(longAt - 90.3614457831) < 1e-9);
  const shortAt = liquidationPrice(
    { side: 'SHORT', qty: 1, entryPrice: 100, marginUsdt: margin, leverage: 10 },
    0.004,
  );
  // (100 + 10) / (1 + 0.004) = 110 / 1.004 = 109.56175298…
  assert.ok(Math.abs(shortAt - 109.561752988) < 1e-9);
  // at the liquidation price equity equals the maintenance margin: 10 + (P − 100) = 0.004 × P
  assert.ok(Math.abs(10 + (longAt - 100) - 0.004 * longAt) < 1e-9);
  // 1× long cannot be liquidated
  assert.is(
    liquidationPrice({ side: 'LONG', qty: 1, entryPrice: 100, marginUsdt: 100, leverage: 1 }, 0.004),
    0,
  );
});

test('unrealized PnL marks the position at a price', () => {
  assert.is(unrealizedPnlUsdt(long, 97), -6); // (97 − 100) × 2
});

test.run();
