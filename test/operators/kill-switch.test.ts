import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOrderIdFor } from '../../src/domain/index.js';
import { DEFAULT_MAX_DRAWDOWN_PCT, killSwitch } from '../../src/operators/kill-switch.js';
import { riskGatesParams } from '../../src/operators/risk-gates.js';
import { position, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);

const long = position({ symbol: 'BTCUSDT', side: 'LONG', qty: 2, intentId: 'BTCUSDT-1-LONG' });
const short = position({ symbol: 'ETHUSDT', side: 'SHORT', qty: 5, intentId: 'ETHUSDT-2-SHORT' });
const calm = snapshot({ ts: 1_000, drawdownPct: 19.99, positions: [long, short] });
const crash = snapshot({
  ts: 2_000,
  drawdownPct: 20,
  equityUsdt: 8_000,
  peakEquityUsdt: 10_000,
  positions: [long, short],
});
const worse = snapshot({ ts: 3_000, drawdownPct: 30, positions: [long] });

const tripped = {
  kind: 'kill-switch-tripped',
  ts: 2_000,
  gate: 'kill-switch',
  reason: 'drawdown 20.00% ≥ max 20% (equity 8000.00 USDT, peak 10000.00 USDT)',
};
const exit = (p: typeof long) => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(p.intentId, 'EXIT', 1),
  intentId: p.intentId,
  symbol: p.symbol,
  ts: 2_000,
  side: p.side === 'LONG' ? 'SELL' : 'BUY',
  type: 'MARKET',
  qty: p.qty,
  reduceOnly: true,
  purpose: 'EXIT',
  positionSide: p.side,
  exitReason: 'KILL_SWITCH',
  reason: 'kill switch: drawdown 20.00%',
});

test('trips once at maxDrawdownPct: KillSwitchTripped, then a reduce-only MARKET exit per position', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('a-b-c---|', { a: calm, b: crash, c: worse });
    expectObservable(source.pipe(killSwitch())).toBe('--(tlm)-|', {
      t: tripped,
      l: exit(long),
      m: exit(short),
    });
  });
});

test('flatten false only announces the trip', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('-b-c|', { b: crash, c: worse }).pipe(killSwitch({ flatten: false }))).toBe(
      '-t--|',
      {
        t: tripped,
      },
    );
  });
});

test('kill switch and risk gates share the default max drawdown', () => {
  assert.is(DEFAULT_MAX_DRAWDOWN_PCT, 20);
  assert.is(riskGatesParams.parse({}).maxDrawdownPct, DEFAULT_MAX_DRAWDOWN_PCT);
});

test('exit ids are deterministic and unique per position', () => {
  const [l, m] = [exit(long).clientOrderId, exit(short).clientOrderId];
  assert.is(l, clientOrderIdFor('BTCUSDT-1-LONG', 'EXIT', 1));
  assert.is.not(l, m);
  assert.is.not(l, clientOrderIdFor('BTCUSDT-1-LONG', 'EXIT'));
});

test('errors, completion and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('a-#', { a: calm }, new Error('x')).pipe(killSwitch())).toBe(
      '--#',
      undefined,
      new Error('x'),
    );
    const source = cold('a-a-b|', { a: calm, b: crash });
    expectObservable(source.pipe(killSwitch()), '^-!').toBe('---');
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('params are strict', () => {
  assert.throws(() => killSwitch({ maxDrawdown: 10 } as never));
});

test.run();
