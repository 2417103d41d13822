import { NEVER } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_SYMBOL_FILTERS,
  type PortfolioSnapshot,
  type SizingDecision,
} from '../../src/domain/index.js';
import {
  cooldownGate,
  dailyLossGate,
  evaluateRiskGates,
  exchangeFiltersGate,
  fmt,
  freeMarginGate,
  killSwitchGate,
  maxGrossExposureGate,
  maxLeverageGate,
  maxOpenPositionsGate,
  positionExistsGate,
  type RiskContext,
  riskGates,
  riskGatesParams,
} from '../../src/operators/risk-gates.js';
import { position, sizing, snapshot } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);
const params = riskGatesParams.parse({});
const context = (overrides: Partial<RiskContext> = {}): RiskContext => ({
  snapshot: undefined,
  equityUsdt: 10_000,
  killSwitchTripped: false,
  lastEntryTs: new Map(),
  filters: DEFAULT_SYMBOL_FILTERS,
  takerFeeRate: 0.0005,
  ...overrides,
});
const d = sizing();
const approved = (value: SizingDecision) => ({ ok: true, value });
const denied = (gate: string, reason: string) => ({ ok: false, gate, reason });

test('kill-switch: passes below max drawdown, denies at 20%, and stays tripped', () => {
  assert.equal(
    killSwitchGate(d, context({ snapshot: snapshot({ drawdownPct: 19.99 }) }), params),
    approved(d),
  );
  assert.equal(
    killSwitchGate(d, context({ snapshot: snapshot({ drawdownPct: 20 }) }), params),
    denied('kill-switch', 'drawdown 20.00% ≥ max 20%'),
  );
  assert.equal(
    killSwitchGate(d, context({ killSwitchTripped: true, snapshot: snapshot({ drawdownPct: 0 }) }), params),
    denied('kill-switch', 'kill switch tripped (drawdown ≥ 20%)'),
  );
});

test('daily-loss: 4.99% lost passes, 5% is denied', () => {
  const day = (equityUsdt: number) =>
    context({ snapshot: snapshot({ dayStartEquityUsdt: 10_000, equityUsdt }) });
  assert.equal(dailyLossGate(d, day(9_501), params), approved(d));
  assert.equal(dailyLossGate(d, day(9_500), params), denied('daily-loss', 'daily loss 5.00% ≥ max 5%'));
});

test('max-leverage: 5× passes, 8× denied, or clamped to 5× with clampLeverage; symbol cap wins', () => {
  assert.equal(
    maxLeverageGate(sizing({ leverage: 5 }), context(), params),
    approved(sizing({ leverage: 5 })),
  );
  assert.equal(
    maxLeverageGate(sizing({ leverage: 8 }), context(), params),
    denied('max-leverage', 'leverage 8× exceeds max 5×'),
  );
  const clamp = riskGatesParams.parse({ clampLeverage: true });
  assert.equal(maxLeverageGate(sizing({ leverage: 8 }), context(), clamp), approved(sizing({ leverage: 5 })));
  const lowCap = context({ filters: { ...DEFAULT_SYMBOL_FILTERS, maxLeverage: 4 } });
  assert.equal(
    maxLeverageGate(sizing({ leverage: 5 }), lowCap, params),
    denied('max-leverage', 'leverage 5× exceeds max 4×'),
  );
});

test('position-exists: another symbol passes, the same symbol is denied', () => {
  const eth = context({ snapshot: snapshot({ positions: [position({ symbol: 'ETHUSDT' })] }) });
  assert.equal(positionExistsGate(d, eth, params), approved(d));
  const btc = context({ snapshot: snapshot({ positions: [position({ side: 'SHORT', qty: 2 })] }) });
  assert.equal(
    positionExistsGate(d, btc, params),
    denied('position-exists', 'already in position: SHORT 2 BTCUSDT'),
  );
});

test('max-open-positions: 4 open pass, 5 open are denied', () => {
  const open = (n: number) =>
    context({
      snapshot: snapshot({
        positions: Array.from({ length: n }, (_, i) => position({ symbol: `S${i}USDT` })),
      }),
    });
  assert.equal(maxOpenPositionsGate(d, open(4), params), approved(d));
  assert.equal(
    maxOpenPositionsGate(d, open(5), params),
    denied('max-open-positions', '5 open positions, max 5'),
  );
});

test('working entry orders count like positions: same symbol, open positions and gross exposure', () => {
  const working = (symbol: string, notionalUsdt: number) => ({
    clientOrderId: `qt-${symbol}`,
    symbol,
    side: 'LONG' as const,
    qty: 1,
    notionalUsdt,
  });
  const pending = context({ snapshot: snapshot({ workingEntries: [working('BTCUSDT', 1_000)] }) });
  assert.equal(
    positionExistsGate(d, pending, params),
    denied('position-exists', 'entry order qt-BTCUSDT for BTCUSDT is still working'),
  );
  // 3 positions + 2 working entries on other symbols = 5 committed: the 6th is denied
  const busy = context({
    snapshot: snapshot({
      positions: Array.from({ length: 3 }, (_, i) => position({ symbol: `S${i}USDT` })),
      workingEntries: [working('W1USDT', 1_000), working('W2USDT', 1_000)],
    }),
  });
  assert.equal(
    maxOpenPositionsGate(d, busy, params),
    denied('max-open-positions', '5 open positions (2 of them entries still working), max 5'),
  );
  // gross 28,000 + working 1,000 + new 1,000 = 30,000 ≤ 3 × 10,000 passes; 1 USDT more does not
  const exposure = (workingUsdt: number) =>
    context({
      snapshot: snapshot({ grossExposureUsdt: 28_000, workingEntries: [working('W1USDT', workingUsdt)] }),
    });
  assert.equal(maxGrossExposureGate(d, exposure(1_000), params), approved(d));
  assert.is(
    (maxGrossExposureGate(d, exposure(1_001), params) as { gate: string }).gate,
    'max-gross-exposure',
  );
});

test('max-gross-exposure: existing + new ≤ 3 × equity passes, above is denied', () => {
  const gross = (grossExposureUsdt: number) => context({ snapshot: snapshot({ grossExposureUsdt }) });
  assert.equal(maxGrossExposureGate(d, gross(29_000), params), approved(d));
  assert.equal(
    maxGrossExposureGate(d, gross(29_001), params),
    denied(
      'max-gross-exposure',
      'gross exposure 30001.00 USDT (existing 29001.00 + new 1000.00) exceeds 3× equity = 30000.00 USDT',
    ),
  );
});

test('cooldown: 660 999 ms after the last entry is denied, 661 000 ms allowed (inclusive)', () => {
  const last = context({ lastEntryTs: new Map([['BTCUSDT', 1_000_000]]) });
  assert.equal(
    cooldownGate(sizing({ ts: 1_660_999 }), last, params),
    denied('cooldown', 'cooldown: 660999 ms since last entry < 661000 ms'),
  );
  assert.equal(cooldownGate(sizing({ ts: 1_661_000 }), last, params), approved(sizing({ ts: 1_661_000 })));
});

test('cooldown: counts from the later of last entry and the snapshot last exit; other symbols free', () => {
  const ctx = context({
    lastEntryTs: new Map([['BTCUSDT', 0]]),
    snapshot: snapshot({ lastExitTs: { BTCUSDT: 1_000_000 } }),
  });
  assert.equal(
    cooldownGate(sizing({ ts: 1_660_999 }), ctx, params),
    denied('cooldown', 'cooldown: 660999 ms since last exit < 661000 ms'),
  );
  assert.equal(cooldownGate(sizing({ ts: 1_661_000 }), ctx, params).ok, true);
  assert.equal(cooldownGate(sizing({ symbol: 'ETHUSDT', ts: 1_000_001 }), ctx, params).ok, true);
  assert.equal(cooldownGate(sizing({ ts: 1 }), ctx, riskGatesParams.parse({ cooldownMs: 0 })).ok, true);
});

test('exchange-filters: qty rounds down to step, stop/TP to the nearest tick, notional and 1R follow', () => {
  const filters = {
    ...DEFAULT_SYMBOL_FILTERS,
    stepSize: 0.01,
    tickSize: 0.1,
    minQty: 0.01,
    minNotionalUsdt: 5,
  };
  const result = exchangeFiltersGate(
    sizing({ qty: 12.3456, stopPrice: 97.96, takeProfitPrice: 104.04, price: 100 }),
    context({ filters }),
    params,
  );
  assert.equal(
    result,
    approved(
      sizing({
        qty: 12.34,
        notionalUsdt: 1234,
        stopPrice: 98,
        riskPerUnit: 2,
        takeProfitPrice: 104,
        price: 100,
      }),
    ),
  );
});

test('exchange-filters: below minQty or minNotional is denied; maxQty caps', () => {
  const filters = {
    ...DEFAULT_SYMBOL_FILTERS,
    stepSize: 0.01,
    minQty: 0.01,
    minNotionalUsdt: 5,
    maxQty: 100,
  };
  assert.equal(
    exchangeFiltersGate(sizing({ qty: 0.009 }), context({ filters }), params),
    denied('exchange-filters', 'qty 0 below minQty 0.01 (step 0.01)'),
  );
  assert.equal(
    exchangeFiltersGate(sizing({ qty: 0.049 }), context({ filters }), params),
    denied('exchange-filters', 'notional 4.0000 USDT below minNotional 5 USDT'),
  );
  const capped = exchangeFiltersGate(sizing({ qty: 250 }), context({ filters }), params);
  assert.is(capped.ok && capped.value.qty, 100);
});

test('gates run in order and the first denial wins', () => {
  const ctx = context({
    snapshot: snapshot({ drawdownPct: 25, positions: [position()] }),
  });
  const result = evaluateRiskGates(sizing({ leverage: 9 }), ctx, params);
  assert.is(result.ok ? '' : result.gate, 'kill-switch');
  const noKill = evaluateRiskGates(
    sizing({ leverage: 9 }),
    context({ snapshot: snapshot({ positions: [position()] }) }),
    params,
  );
  assert.is(noKill.ok ? '' : noKill.gate, 'max-leverage');
});

test('operator: approves (rounded), then denies by cooldown, with the latest snapshot', () => {
  scheduler().run(({ hot, cold, expectObservable }) => {
    const portfolio$ = hot('s------', { s: snapshot() });
    const decisions = cold('-a-b-c|', {
      a: sizing({ qty: 10.0004 }),
      b: sizing({ ts: 660_999 + 60_000 }),
      c: sizing({ ts: 661_000 + 60_000 }),
    });
    expectObservable(decisions.pipe(riskGates({}, portfolio$))).toBe('-a-b-c|', {
      a: sizing({ qty: 10 }),
      b: {
        kind: 'order-denied',
        intentId: 'BTCUSDT-720999-LONG',
        symbol: 'BTCUSDT',
        ts: 720_999,
        gate: 'cooldown',
        reason: 'cooldown: 660999 ms since last entry < 661000 ms',
      },
      c: sizing({ ts: 721_000 }),
    });
  });
});

test('operator: kill switch is sticky — trips on a snapshot, one KillSwitchTripped, denies after recovery', () => {
  scheduler().run(({ hot, cold, expectObservable }) => {
    const portfolio$ = hot('-s-r----', { s: snapshot({ drawdownPct: 21 }), r: snapshot({ drawdownPct: 0 }) });
    const decisions = cold('----a----b|', { a: sizing({ ts: 1 }), b: sizing({ ts: 2, symbol: 'ETHUSDT' }) });
    const deny = (ts: number, symbol: string) => ({
      kind: 'order-denied',
      intentId: `${symbol}-${ts}-LONG`,
      symbol,
      ts,
      gate: 'kill-switch',
      reason: 'kill switch tripped (drawdown ≥ 20%)',
    });
    expectObservable(decisions.pipe(riskGates({}, portfolio$))).toBe('----(ka)-b|', {
      k: {
        kind: 'kill-switch-tripped',
        ts: 1,
        gate: 'kill-switch',
        reason: 'kill switch tripped (drawdown ≥ 20%)',
      },
      a: deny(1, 'BTCUSDT'),
      b: deny(2, 'ETHUSDT'),
    });
  });
});

test('operator: filtersOf option wins over configured filters', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const filtersOf = () => ({ ...DEFAULT_SYMBOL_FILTERS, stepSize: 1, minQty: 1 });
    expectObservable(
      cold('a|', { a: sizing({ qty: 10.9 }) }).pipe(
        riskGates({ filters: { BTCUSDT: { stepSize: 0.1 } } }, NEVER, { filtersOf }),
      ),
    ).toBe('a|', { a: sizing({ qty: 10 }) });
    expectObservable(
      cold('a|', { a: sizing({ qty: 10.99 }) }).pipe(
        riskGates({ filters: { BTCUSDT: { stepSize: 0.1 } } }, NEVER),
      ),
    ).toBe('a|', { a: sizing({ qty: 10.9, notionalUsdt: 1090 }) });
  });
});

test('operator: errors and unsubscription propagate', () => {
  scheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold<SizingDecision>('-#', undefined, new Error('x')).pipe(riskGates({}, NEVER))).toBe(
      '-#',
      undefined,
      new Error('x'),
    );
    const failing$ = hot<PortfolioSnapshot>('--#', undefined, new Error('p'));
    expectObservable(cold('----a|', { a: d }).pipe(riskGates({}, failing$))).toBe(
      '--#',
      undefined,
      new Error('p'),
    );
    const portfolio$ = hot<PortfolioSnapshot>('-----');
    const decisions = cold('----a|', { a: d });
    expectObservable(decisions.pipe(riskGates({}, portfolio$)), '^-!').toBe('---');
    expectSubscriptions(portfolio$.subscriptions).toBe('^-!');
  });
});

test('params are strict', () => {
  assert.throws(() => riskGates({ maxLeverag: 3 } as never, NEVER));
});

test('free-margin: margin + taker fee must fit in available minus what working entries hold', () => {
  // notional 1,000 at 5x ⇒ 200 margin + 0.5 fee.
  const decision = sizing({ qty: 10, price: 100, notionalUsdt: 1_000, leverage: 5 });
  const ok = freeMarginGate(decision, context({ snapshot: snapshot({ availableUsdt: 200.5 }) }), params);
  assert.equal(ok, approved(decision));
  const short = freeMarginGate(decision, context({ snapshot: snapshot({ availableUsdt: 200.4 }) }), params);
  assert.equal(short, denied('free-margin', 'needs 200.50 USDT margin + fee, free margin 200.40 USDT'));
  // A submitted entry of 2,000 at 10x holds 200 + 1 of the 401.4 available.
  const working = snapshot({
    availableUsdt: 401.4,
    workingEntries: [
      {
        clientOrderId: 'w',
        symbol: 'ETHUSDT',
        side: 'LONG',
        qty: 1,
        notionalUsdt: 2_000,
        leverage: 10,
        state: 'SUBMITTED',
      },
    ],
  });
  assert.equal(
    freeMarginGate(decision, context({ snapshot: working }), params),
    denied('free-margin', 'needs 200.50 USDT margin + fee, free margin 200.40 USDT'),
  );
});

test('fmt: the numbers in denials read as toFixed(8) without float noise, fast path or not', () => {
  const reference = (value: number): string => String(Number(value.toFixed(8)));
  const values = [
    0,
    -0,
    1,
    -1,
    0.1 + 0.2,
    1 - 0.4 - 0.4,
    0.001,
    123.456,
    1e-7,
    1e-9,
    5e-9,
    4.9e-9,
    0.123456789,
    0.12345678,
    -0.000000015,
    1e20,
    1e21,
    2 ** 53,
    12345678.123456789,
    Number.NaN,
    Infinity,
    -Infinity,
  ];
  // A seeded walk over magnitudes and decimals (a linear congruential generator: deterministic).
  let seed = 7;
  for (let i = 0; i < 5000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const mantissa = seed / 2147483648 - 0.5;
    values.push(mantissa * 10 ** ((i % 24) - 12), Math.round(mantissa * 1e6) / 10 ** (i % 12));
  }
  for (const value of values) assert.is(fmt(value), reference(value), `fmt(${value})`);
});

test.run();
