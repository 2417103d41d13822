import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientOrderIdFor, type ExitReason, type PositionSide } from '../../src/domain/index.js';
import { type PositionMonitorInput, positionMonitor } from '../../src/operators/position-monitor.js';
import { execution, fill, kline, sizing, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);

const id = 'BTCUSDT-60000-LONG';
const decision = sizing({ ts: 60_000, price: 100, stopPrice: 98, riskPerUnit: 2 });
const entryFill = fill({ intentId: id, ts: 60_000, qty: 10, price: 100 });
const k = (minute: number, close: number, extra = {}) => kline({ ts: minute * 60_000, close, ...extra });

const newStop = (
  intentId: string,
  side: PositionSide,
  revision: number,
  stopPrice: number,
  ts: number,
  exitReason: ExitReason,
  reason: string,
) => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(intentId, 'STOP_LOSS', revision),
  intentId,
  symbol: 'BTCUSDT',
  ts,
  side: side === 'LONG' ? 'SELL' : 'BUY',
  type: 'STOP_MARKET',
  qty: 10,
  stopPrice,
  reduceOnly: true,
  purpose: 'STOP_LOSS',
  positionSide: side,
  exitReason,
  reason,
});
const cancel = (intentId: string, oldRevision: number, newRevision: number, ts: number) => ({
  kind: 'cancel-order',
  clientOrderId: clientOrderIdFor(intentId, 'STOP_LOSS', oldRevision),
  symbol: 'BTCUSDT',
  ts,
  reason: `replaced by ${clientOrderIdFor(intentId, 'STOP_LOSS', newRevision)}`,
});

/** The venue accepted (or refused) stop revision `revision` of `intentId`. */
const stopReport = (revision: number, ts: number, status: 'NEW' | 'REJECTED' = 'NEW', intentId = id) =>
  execution({ intentId, clientOrderId: clientOrderIdFor(intentId, 'STOP_LOSS', revision), status, ts });

test('long: break-even at 1R, trailing from 1.5R, stop never moves back, silent once flat', () => {
  scheduler().run(({ cold, expectObservable }) => {
    // m, n, o: the venue accepts each new stop; only then is the old one cancelled.
    const source = cold('df-a-bm----cn----e-g-o---x-h|', {
      d: decision,
      f: entryFill,
      a: k(2, 101), // 0.5R: nothing
      b: k(3, 102), // 1R: stop to 100 × 1.001
      m: stopReport(1, 180_000),
      c: k(4, 103), // 1.5R: trail 1% below 103
      n: stopReport(2, 240_000),
      o: stopReport(3, 360_000),
      e: k(5, 102.5), // pull-back: stop stays
      g: k(6, 105), // new best: trail to 103.95
      x: fill({
        intentId: id,
        clientOrderId: clientOrderIdFor(id, 'STOP_LOSS', 3),
        ts: 420_000,
        purpose: 'STOP_LOSS',
        reduceOnly: true,
        side: 'SELL',
        qty: 10,
        price: 103.95,
      }),
      h: k(8, 110), // flat: silent
    });
    expectObservable(source.pipe(positionMonitor())).toBe('-----BC----TU------V-W------|', {
      B: newStop(
        id,
        'LONG',
        1,
        100.1,
        180_000,
        'BREAK_EVEN',
        'break-even stop 100.1 (close 102, entry 100, 1R 2)',
      ),
      C: cancel(id, 0, 1, 180_000),
      T: newStop(
        id,
        'LONG',
        2,
        101.97,
        240_000,
        'TRAILING_STOP',
        'trailing stop 101.97 (close 103, entry 100, 1R 2)',
      ),
      U: cancel(id, 1, 2, 240_000),
      V: newStop(
        id,
        'LONG',
        3,
        103.95,
        360_000,
        'TRAILING_STOP',
        'trailing stop 103.95 (close 105, entry 100, 1R 2)',
      ),
      W: cancel(id, 2, 3, 360_000),
    });
  });
});

test('short mirror: break-even stop at entry × (1 − 0.1%) above the close', () => {
  const shortId = 'BTCUSDT-60000-SHORT';
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('dfan--|', {
      d: sizing({ side: 'SHORT', stopPrice: 102, riskPerUnit: 2 }),
      f: fill({ intentId: shortId, side: 'SELL', positionSide: 'SHORT' }),
      a: k(2, 98),
      n: stopReport(1, 120_000, 'NEW', shortId),
    });
    expectObservable(source.pipe(positionMonitor({ trailingActivationR: 0 }))).toBe('--BC--|', {
      B: newStop(
        shortId,
        'SHORT',
        1,
        99.9,
        120_000,
        'BREAK_EVEN',
        'break-even stop 99.9 (close 98, entry 100, 1R 2)',
      ),
      C: cancel(shortId, 0, 1, 120_000),
    });
  });
});

test('time exit: reduce-only MARKET after maxHoldMs, once; other kinds and symbols are ignored', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('dfpeabc|', {
      d: decision,
      f: entryFill,
      p: snapshot(),
      e: k(4, 100, { symbol: 'ETHUSDT' }),
      a: k(3, 100), // held 120 000 ms
      b: k(4, 100), // held 180 000 ms ⇒ exit
      c: k(5, 100),
    });
    expectObservable(source.pipe(positionMonitor({ maxHoldMs: 180_000 }))).toBe('-----X-|', {
      X: {
        kind: 'order-request',
        clientOrderId: clientOrderIdFor(id, 'EXIT'),
        intentId: id,
        symbol: 'BTCUSDT',
        ts: 240_000,
        side: 'SELL',
        type: 'MARKET',
        qty: 10,
        reduceOnly: true,
        purpose: 'EXIT',
        positionSide: 'LONG',
        exitReason: 'TIME_EXIT',
        reason: 'held 180000 ms ≥ 180000 ms',
      },
    });
  });
});

test('the resting stop is learned from execution reports; a canceled stop is not canceled again', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const placed = execution({ intentId: id, clientOrderId: 'manual-stop', status: 'NEW' });
    const gone = execution({ intentId: id, clientOrderId: 'manual-stop', status: 'CANCELED' });
    const run = (events: string, values: Record<string, PositionMonitorInput>) => cold(events, values);
    expectObservable(
      run('dfnam--|', { d: decision, f: entryFill, n: placed, a: k(3, 102), m: stopReport(1, 180_000) }).pipe(
        positionMonitor(),
      ),
    ).toBe('---BC--|', {
      B: newStop(
        id,
        'LONG',
        1,
        100.1,
        180_000,
        'BREAK_EVEN',
        'break-even stop 100.1 (close 102, entry 100, 1R 2)',
      ),
      C: {
        kind: 'cancel-order',
        clientOrderId: 'manual-stop',
        symbol: 'BTCUSDT',
        ts: 180_000,
        reason: `replaced by ${clientOrderIdFor(id, 'STOP_LOSS', 1)}`,
      },
    });
    expectObservable(
      run('dfnca|', { d: decision, f: entryFill, n: placed, c: gone, a: k(3, 102) }).pipe(positionMonitor()),
    ).toBe('----B|', {
      B: newStop(
        id,
        'LONG',
        1,
        100.1,
        180_000,
        'BREAK_EVEN',
        'break-even stop 100.1 (close 102, entry 100, 1R 2)',
      ),
    });
  });
});

test('trailing by ATR multiple uses the Wilder ATR of the atr_N feature (TA-Lib: first TR needs a previous close)', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('dfabn--|', {
      d: decision,
      f: entryFill,
      // No previous close yet: no ATR, and 0.5R moves nothing.
      a: k(2, 101, { open: 100, high: 101, low: 99.5 }),
      // TR = max(104.5 − 102.5, |104.5 − 101|, |102.5 − 101|) = 3.5 ⇒ ATR(1) = 3.5; trail 104 − 3.5 = 100.5
      // beats break-even 100.1.
      b: k(3, 104, { open: 103, high: 104.5, low: 102.5 }),
      n: stopReport(1, 180_000),
    });
    expectObservable(source.pipe(positionMonitor({ trailingAtrMultiple: 1, atrPeriod: 1 }))).toBe(
      '---TU--|',
      {
        T: newStop(
          id,
          'LONG',
          1,
          100.5,
          180_000,
          'TRAILING_STOP',
          'trailing stop 100.5 (close 104, entry 100, 1R 2)',
        ),
        U: cancel(id, 0, 1, 180_000),
      },
    );
  });
});

test('replace new-first: a refused new stop cancels nothing, the old one keeps protecting, the next try replaces it', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('dfarcn|', {
      d: decision,
      f: entryFill,
      a: k(3, 102), // 1R: break-even stop, revision 1
      r: stopReport(1, 180_000, 'REJECTED'),
      c: k(4, 102.2), // still 1R: try again, revision 2
      n: stopReport(2, 240_000),
    });
    expectObservable(source.pipe(positionMonitor({ trailingActivationR: 0 }))).toBe('--B-RC|', {
      B: newStop(
        id,
        'LONG',
        1,
        100.1,
        180_000,
        'BREAK_EVEN',
        'break-even stop 100.1 (close 102, entry 100, 1R 2)',
      ),
      R: newStop(
        id,
        'LONG',
        2,
        100.1,
        240_000,
        'BREAK_EVEN',
        'break-even stop 100.1 (close 102.2, entry 100, 1R 2)',
      ),
      // The bracket's stop (revision 0) goes only once revision 2 rests at the venue.
      C: cancel(id, 0, 2, 240_000),
    });
  });
});

test('without a sizing decision (1R unknown) and with everything off it stays silent', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('fab|', { f: entryFill, a: k(3, 102), b: k(4, 110) }).pipe(positionMonitor())).toBe(
      '---|',
    );
    const off = positionMonitor({ breakEvenAtR: 0, trailingActivationR: 0, maxHoldMs: 0 });
    expectObservable(cold('dfab|', { d: decision, f: entryFill, a: k(3, 102), b: k(4, 110) }).pipe(off)).toBe(
      '----|',
    );
  });
});

test('liquidation and partial reduce: flat only when the whole qty is gone', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const half = fill({ intentId: id, purpose: 'TAKE_PROFIT', reduceOnly: true, side: 'SELL', qty: 4 });
    const source = cold('dfram--|', {
      d: decision,
      f: entryFill,
      r: half,
      a: k(3, 102),
      m: stopReport(1, 180_000),
    });
    const out = source.pipe(positionMonitor({ trailingActivationR: 0 }));
    expectObservable(out).toBe('---BC--|', {
      B: {
        ...newStop(
          id,
          'LONG',
          1,
          100.1,
          180_000,
          'BREAK_EVEN',
          'break-even stop 100.1 (close 102, entry 100, 1R 2)',
        ),
        qty: 6,
      },
      C: cancel(id, 0, 1, 180_000),
    });
    const liquidated = {
      kind: 'position-liquidated',
      symbol: 'BTCUSDT',
      ts: 120_000,
      positionSide: 'LONG',
      qty: 10,
      price: 90,
      lossUsdt: 100,
    } as const;
    expectObservable(
      cold('dfla|', { d: decision, f: entryFill, l: liquidated, a: k(3, 102) }).pipe(positionMonitor()),
    ).toBe('----|');
  });
});

test('errors and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold('d#', { d: decision }, new Error('x')).pipe(positionMonitor())).toBe(
      '-#',
      undefined,
      new Error('x'),
    );
    const source = cold('dfa-b|', { d: decision, f: entryFill, a: k(2, 101), b: k(3, 102) });
    expectObservable(source.pipe(positionMonitor()), '^--!').toBe('---');
    expectSubscriptions(source.subscriptions).toBe('^--!');
  });
});

test('reconciliation: a protective order resting for a symbol with no position is cancelled; one whose position is there is kept', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const orphan = execution({
      intentId: 'old',
      clientOrderId: 'old-sl',
      symbol: 'ETHUSDT',
      status: 'NEW',
      ts: 1,
      purpose: 'STOP_LOSS',
      reconciliation: true,
    });
    const held = execution({
      intentId: id,
      clientOrderId: 'held-sl',
      status: 'NEW',
      ts: 1,
      purpose: 'STOP_LOSS',
      stopPrice: 98,
      reconciliation: true,
    });
    const position = {
      kind: 'position-status-report',
      symbol: 'BTCUSDT',
      ts: 1,
      side: 'LONG',
      qty: 10,
      entryPrice: 100,
      leverage: 1,
      markPrice: 100,
      openedTs: 0,
      intentId: id,
      reconciliation: true,
    };
    const source = cold('phoc|', {
      p: position,
      h: held,
      o: orphan,
      c: { kind: 'reconciliation-completed', ts: 1, positions: 1, orders: 2 },
    } as Record<string, PositionMonitorInput>);
    expectObservable(source.pipe(positionMonitor())).toBe('---c|', {
      c: {
        kind: 'cancel-order',
        clientOrderId: 'old-sl',
        symbol: 'ETHUSDT',
        ts: 1,
        reason: 'orphan protective order: no ETHUSDT position at the venue',
      },
    });
  });
});

test('params are strict', () => {
  assert.throws(() => positionMonitor({ breakEven: 1 } as never));
});

test.run();
