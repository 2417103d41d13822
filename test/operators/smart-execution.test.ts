// Smart execution (AELM): the slippage estimate on hand-computed candles, the guard's refusal and
// shrink, TWAP slices on successive candles with revision ids, a post-only LIMIT with its MARKET
// fallback, retries of retryable refusals only, slices that stop once the position closes, the
// bracket's protection around all of it, and abstention (plain MARKET entry with a reason) on NaN.
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type CancelOrder,
  clientOrderIdFor,
  DEFAULT_SYMBOL_FILTERS,
  type ExecutionResult,
  type OrderDenied,
  OrderRequest,
  type SymbolFilters,
} from '../../src/domain/index.js';
import {
  CandleWindow,
  estimateOf,
  maxQtyWithin,
  slippageBpsOf,
} from '../../src/operators/execution-estimates.js';
import {
  AELM_EXIT_REVISION,
  createSmartExecution,
  type SmartExecutionInput,
  smartExecution,
  smartExecutionParams,
} from '../../src/operators/smart-execution.js';
import { execution, fill, kline, sizing } from '../builders.js';
import { assertEqual } from '../requirements.js';

const scheduler = () => new TestScheduler(assertEqual);
const MINUTE = 60_000;
const UP = 100 * Math.exp(0.01);

/**
 * Candles 1…n (ts = i minutes) alternating 100 and 100·e^0.01: every log return is ±0.01, so σ is
 * exactly 100 bps; every candle trades 1000 units.
 */
const candle = (i: number, overrides: Parameters<typeof kline>[0] = {}) =>
  kline({ ts: i * MINUTE, close: i % 2 === 1 ? 100 : UP, volume: 1_000, ...overrides });
const history = (n: number) => Array.from({ length: n }, (_, i) => candle(i + 1));

const filters: SymbolFilters = {
  ...DEFAULT_SYMBOL_FILTERS,
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  minNotionalUsdt: 5,
};
const deps = { filtersOf: () => filters, takerFeeRate: 0.0005, makerFeeRate: 0.0002 };
/** Window 4, no passive orders, no slicing unless a test asks: the guard alone. */
const base = {
  volatilityWindow: 4,
  minCandles: 4,
  spreadBps: 2,
  impactCoefficient: 1,
  maxSlippageBps: 12,
  passive: false,
  twapAboveUsdt: 1e9,
  maxParticipation: 1,
};
const id = 'BTCUSDT-360000-LONG';
// The decision comes with candle 6 (its own candle reaches the stage after it, as in the kernel).
const decision = sizing({ ts: 6 * MINUTE, qty: 10, price: 100, stopPrice: 98, takeProfitPrice: 104 });
const entryId = (revision: number) => clientOrderIdFor(id, 'ENTRY', revision);

/** The venue's report on entry child `revision`. */
const report = (
  revision: number,
  status: ExecutionResult['status'],
  ts: number,
  qty: number,
  filledQty = 0,
  extra: Partial<ExecutionResult> = {},
) =>
  execution({
    clientOrderId: entryId(revision),
    intentId: id,
    ts,
    side: 'BUY',
    type: 'MARKET',
    purpose: 'ENTRY',
    status,
    qty,
    filledQty,
    ...extra,
  });

type Out = OrderRequest | CancelOrder | OrderDenied;
/** An output in one line: what a marble compares (reasons are checked separately). */
const brief = (out: Out): string => {
  if (out.kind === 'order-denied') return `denied ${out.gate}`;
  if (out.kind === 'cancel-order') return `cancel ${out.clientOrderId}`;
  const price = out.type === 'LIMIT' ? ` @${out.price}${out.postOnly ? ' post-only' : ''}` : '';
  return `${out.purpose} ${out.type} ${out.qty}${price} ${out.clientOrderId}`;
};
const entryBrief = (revision: number, qty: number, type = 'MARKET', price = '') =>
  `ENTRY ${type} ${qty}${price} ${entryId(revision)}`;
const STOP = `STOP_LOSS STOP_MARKET 10 ${clientOrderIdFor(id, 'STOP_LOSS')}`;
const TP = `TAKE_PROFIT TAKE_PROFIT_MARKET 10 ${clientOrderIdFor(id, 'TAKE_PROFIT')}`;

/** Every output of one synchronous run. */
const run = (params: Record<string, unknown>, events: readonly SmartExecutionInput[]): Out[] => {
  const handler = createSmartExecution(smartExecutionParams.parse({ ...base, ...params }), deps);
  const outs: Out[] = [];
  for (const event of events) handler.next(event, (out) => void outs.push(out));
  return outs;
};

test('the estimate by hand: σ 100 bps, average volume 1000, half-spread 1 bp; 10 units cost 11 bps, 8.1 units fit in 10', () => {
  const window = new CandleWindow(4);
  for (const k of history(5)) window.push(k.close, k.volume, k.ts);
  const estimate = estimateOf(window, { minCandles: 4, spreadBps: 2, spreadModel: 'fixed' });
  assert.ok(typeof estimate !== 'string');
  assert.ok(Math.abs(estimate.sigmaBps - 100) < 1e-9, `σ ${estimate.sigmaBps}`);
  assert.is(estimate.avgVolume, 1_000);
  assert.is(estimate.halfSpreadBps, 1);
  // k 1 × 100 bps × √(10 / 1000) = 10 bps of impact, plus the half-spread.
  assert.ok(Math.abs(slippageBpsOf(estimate, 1, 10) - 11) < 1e-9);
  // (10 − 1)² / 100² × 1000 = 8.1
  assert.ok(Math.abs(maxQtyWithin(estimate, 1, 10) - 8.1) < 1e-9);
  assert.is(maxQtyWithin(estimate, 1, 1), 0, 'half the spread alone is over the limit');
  // Roll: consecutive returns ±0.01 have autocovariance −1e-4, so the spread is 2·√1e-4 = 200 bps.
  const roll = estimateOf(window, { minCandles: 4, spreadBps: 2, spreadModel: 'roll' });
  assert.ok(typeof roll !== 'string' && Math.abs(roll.halfSpreadBps - 100) < 1e-9);
  // Too few returns: no estimate, and it says why.
  assert.is(
    estimateOf(window, { minCandles: 5, spreadBps: 2, spreadModel: 'fixed' }),
    '4 candle returns, fewer than the 5 needed',
  );
});

test('within the limit: one MARKET entry with the estimate in its reason; its acceptance sends stop and take-profit', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<SmartExecutionInput>('(VWXYZ)-d---n---|', {
      ...Object.fromEntries(history(5).map((k, i) => ['VWXYZ'[i], k])),
      d: decision,
      n: report(0, 'NEW', 6 * MINUTE, 10),
    });
    expectObservable(source.pipe(smartExecution(base, deps), map(brief))).toBe('--------a---(st)|', {
      a: entryBrief(0, 10),
      s: STOP,
      t: TP,
    });
  });
  const [entry] = run({}, [...history(5), decision]) as OrderRequest[];
  OrderRequest.parse(entry);
  assert.match(
    entry.reason ?? '',
    /^aelm: MARKET; expected slippage 11\.00 bps \(impact 10\.00: k 1 × σ 100\.00 bps × √\(10 \/ 1000\.00 avg candle volume\); half-spread 1\.00\) ≤ max 12 bps$/,
  );
});

test('over the limit and under minFillFraction when shrunk: refused with an OrderDenied (gate aelm) carrying the estimate', () => {
  const outs = run({ maxSlippageBps: 5 }, [...history(5), decision]);
  assert.is(outs.length, 1);
  const [denied] = outs as OrderDenied[];
  assert.is(denied.kind, 'order-denied');
  assert.is(denied.gate, 'aelm');
  assert.is(denied.intentId, id);
  assert.is(denied.ts, 6 * MINUTE);
  assert.match(
    denied.reason,
    /^expected slippage 11\.00 bps .* > max 5 bps; within it only 1\.6 of 10 \(16\.0 %\), below minFillFraction 0\.5/,
  );
});

test('over the limit but shrinkable: the entry is shrunk to what fits (8.1 of 10) and says so; the stop still covers the decision', () => {
  const outs = run({ maxSlippageBps: 10 }, [...history(5), decision, report(0, 'NEW', 6 * MINUTE, 8.1)]);
  assert.equal(outs.map(brief), [entryBrief(0, 8.1), STOP, TP]);
  assert.match((outs[0] as OrderRequest).reason ?? '', /shrunk 10 → 8\.1: expected slippage 11\.00 bps/);
});

test('a large order is sliced: 4 TWAP children of 2.5, one per candle once the previous filled, revisions 0–3; protection once', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<SmartExecutionInput>('(VWXYZ)-d---f---g---h---i---j---k---l---m|', {
      ...Object.fromEntries(history(5).map((k, i) => ['VWXYZ'[i], k])),
      d: decision,
      f: report(0, 'FILLED', 7 * MINUTE, 2.5, 2.5),
      g: candle(7),
      h: report(1, 'FILLED', 8 * MINUTE, 2.5, 2.5),
      i: candle(8),
      j: report(2, 'FILLED', 9 * MINUTE, 2.5, 2.5),
      k: candle(9),
      l: report(3, 'FILLED', 10 * MINUTE, 2.5, 2.5),
      m: candle(10),
    });
    expectObservable(
      source.pipe(smartExecution({ ...base, twapAboveUsdt: 500, twapSlices: 4 }, deps), map(brief)),
    ).toBe('--------0---(st)1-------2-------3--------|', {
      0: entryBrief(0, 2.5),
      s: STOP,
      t: TP,
      1: entryBrief(1, 2.5),
      2: entryBrief(2, 2.5),
      3: entryBrief(3, 2.5),
    });
  });
  const outs = run({ twapAboveUsdt: 500, twapSlices: 4 }, [...history(5), decision]) as OrderRequest[];
  assert.match(
    outs[0].reason ?? '',
    /TWAP: 4 slices every 1 candle\(s\) \(notional 1000\.00 USDT > 500\).* · slice 1\/4$/,
  );
  // A participation share over the limit slices too; the guard then applies to one slice (6 bps).
  const byVolume = run({ maxParticipation: 0.005, twapSlices: 4, maxSlippageBps: 7 }, [
    ...history(5),
    decision,
  ]);
  assert.equal(byVolume.map(brief), [entryBrief(0, 2.5)]);
});

test('slices are spaced by twapIntervalCandles, and the decision’s own candle does not count', () => {
  const outs = run({ twapAboveUsdt: 500, twapSlices: 2, twapIntervalCandles: 2 }, [
    ...history(5),
    decision,
    candle(6),
    report(0, 'FILLED', 7 * MINUTE, 5, 5),
    candle(7),
    candle(8),
  ]);
  assert.equal(outs.map(brief), [entryBrief(0, 5), STOP, TP, entryBrief(1, 5)]);
  assert.is((outs[3] as OrderRequest).ts, 8 * MINUTE);
});

test('post-only LIMIT at the touch when the spread and fee saving beat urgency × σ; unfilled after limitTimeoutCandles it is cancelled and the rest goes MARKET', () => {
  const passive = { passive: true, urgency: 0.01, limitTimeoutCandles: 2 };
  const limit = (status: ExecutionResult['status'], ts: number, filledQty = 0) =>
    report(0, status, ts, 10, filledQty, { type: 'LIMIT' });
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold<SmartExecutionInput>('(VWXYZ)-d---n---f---g---p---h---x---|', {
      ...Object.fromEntries(history(5).map((k, i) => ['VWXYZ'[i], k])),
      d: decision,
      n: limit('NEW', 6 * MINUTE),
      f: candle(6),
      g: candle(7),
      p: limit('PARTIALLY_FILLED', 8 * MINUTE, 4),
      h: candle(8),
      x: limit('CANCELED', 8 * MINUTE, 4),
    });
    expectObservable(source.pipe(smartExecution({ ...base, ...passive }, deps), map(brief))).toBe(
      '--------l---(st)------------c---m---|',
      {
        l: entryBrief(0, 10, 'LIMIT', ' @99.99 post-only'),
        s: STOP,
        t: TP,
        c: `cancel ${entryId(0)}`,
        m: entryBrief(1, 6),
      },
    );
  });
  const outs = run(passive, [...history(5), decision]) as OrderRequest[];
  assert.match(
    outs[0].reason ?? '',
    /^aelm: post-only LIMIT at the touch: half-spread \+ fee saving 4\.00 bps > urgency 0\.01 × σ 100\.00 bps/,
  );
  // The venue expired it (it would have crossed): the rest goes MARKET at once, with the estimate of now.
  const expired = run(passive, [...history(5), decision, limit('EXPIRED', 7 * MINUTE)]) as OrderRequest[];
  assert.equal(expired.map(brief), [entryBrief(0, 10, 'LIMIT', ' @99.99 post-only'), entryBrief(1, 10)]);
  assert.match(
    expired[1].reason ?? '',
    /would have taken liquidity: 10 at MARKET, expected slippage 11\.00 bps/,
  );
  // A SHORT rests on the ask side, rounded up to the tick.
  const short = sizing({ ts: 6 * MINUTE, side: 'SHORT', price: 100, stopPrice: 102 });
  assert.equal((run(passive, [...history(5), short])[0] as OrderRequest).price, 100.01);
});

test('a fallback the guard no longer allows is refused (OrderDenied, gate aelm) and, with nothing filled, the protection is cancelled', () => {
  const outs = run({ passive: true, urgency: 0.01, maxSlippageBps: 10, minFillFraction: 0.5 }, [
    ...history(5),
    decision,
    report(0, 'NEW', 6 * MINUTE, 8.1, 0, { type: 'LIMIT' }),
    report(0, 'EXPIRED', 7 * MINUTE, 8.1, 0, { type: 'LIMIT' }),
  ]);
  // 8.1 at MARKET is 10.00 bps, within 10: sent. Make it fail by volume: a quieter candle joins the window.
  assert.equal(outs.map(brief).slice(0, 4), [
    entryBrief(0, 8.1, 'LIMIT', ' @99.99 post-only'),
    STOP,
    TP,
    entryBrief(1, 8.1),
  ]);
  const quiet = run({ passive: true, urgency: 0.01, maxSlippageBps: 10 }, [
    ...history(5),
    decision,
    report(0, 'NEW', 6 * MINUTE, 8.1, 0, { type: 'LIMIT' }),
    candle(6, { volume: 100 }),
    report(0, 'EXPIRED', 7 * MINUTE, 8.1, 0, { type: 'LIMIT' }),
  ]);
  assert.equal(quiet.map(brief), [
    entryBrief(0, 8.1, 'LIMIT', ' @99.99 post-only'),
    STOP,
    TP,
    'denied aelm',
    `cancel ${clientOrderIdFor(id, 'STOP_LOSS')}`,
    `cancel ${clientOrderIdFor(id, 'TAKE_PROFIT')}`,
  ]);
  assert.match(
    (quiet[3] as OrderDenied).reason,
    /its remaining 8\.1 at MARKET: expected slippage .* > max 10 bps/,
  );
});

test('a retryable refusal is re-sent with the next revision after retryDelayCandles × 2ⁿ candles, up to maxRetries; a non-retryable one ends it', () => {
  const network = { errorCode: 'QT_EXCHANGE_NETWORK' };
  const outs = run({ maxRetries: 2, retryDelayCandles: 1 }, [
    ...history(5),
    decision,
    report(0, 'REJECTED', 6 * MINUTE, 10, 0, network),
    candle(6),
    candle(7), // 1 candle later: retry 1
    report(1, 'REJECTED', 7 * MINUTE, 10, 0, network),
    candle(8), // 1 of 2 candles
    candle(9), // retry 2
    report(2, 'REJECTED', 9 * MINUTE, 10, 0, network),
    candle(10),
    candle(11),
    candle(12),
    candle(13),
    candle(14),
  ]) as OrderRequest[];
  assert.equal(outs.map(brief), [entryBrief(0, 10), entryBrief(1, 10), entryBrief(2, 10)]);
  assert.equal(
    outs.map((o) => o.ts),
    [6 * MINUTE, 7 * MINUTE, 9 * MINUTE],
  );
  assert.match(outs[2].reason ?? '', /^aelm: retry 2\/2 after a retryable refusal/);
  const margin = run({}, [
    ...history(5),
    decision,
    report(0, 'REJECTED', 6 * MINUTE, 10, 0, { errorCode: 'QT_EXCHANGE_INSUFFICIENT_MARGIN' }),
    candle(6),
    candle(7),
    candle(8),
  ]);
  assert.equal(margin.map(brief), [entryBrief(0, 10)]);
  // A retried entry accepted at last gets its protection then.
  const accepted = run({}, [
    ...history(5),
    decision,
    report(0, 'REJECTED', 6 * MINUTE, 10, 0, { errorCode: 'QT_EXCHANGE_RATE_LIMIT' }),
    candle(7),
    report(1, 'NEW', 7 * MINUTE, 10),
  ]);
  assert.equal(accepted.map(brief), [entryBrief(0, 10), entryBrief(1, 10), STOP, TP]);
});

test('slices stop once the position closes (its stop filled); a resting LIMIT child is cancelled', () => {
  const twap = { twapAboveUsdt: 500, twapSlices: 4 };
  const stopFill = fill({
    clientOrderId: clientOrderIdFor(id, 'STOP_LOSS'),
    intentId: id,
    ts: 8 * MINUTE,
    side: 'SELL',
    positionSide: 'LONG',
    purpose: 'STOP_LOSS',
    qty: 5,
    price: 98,
    reduceOnly: true,
  });
  const outs = run(twap, [
    ...history(5),
    decision,
    report(0, 'FILLED', 7 * MINUTE, 2.5, 2.5),
    candle(7),
    report(1, 'FILLED', 8 * MINUTE, 2.5, 2.5),
    stopFill,
    candle(8),
    candle(9),
  ]);
  assert.equal(outs.map(brief), [entryBrief(0, 2.5), STOP, TP, entryBrief(1, 2.5)]);
  const passive = run({ ...twap, passive: true, urgency: 0.01, limitTimeoutCandles: 5 }, [
    ...history(5),
    decision,
    report(0, 'FILLED', 7 * MINUTE, 2.5, 2.5, { type: 'LIMIT' }),
    candle(7),
    report(1, 'NEW', 7 * MINUTE, 2.5, 0, { type: 'LIMIT' }),
    { ...stopFill, clientOrderId: 'kill', purpose: 'EXIT' as const },
    report(1, 'CANCELED', 8 * MINUTE, 2.5, 0, { type: 'LIMIT' }),
    candle(8),
  ]);
  assert.equal(passive.map(brief).slice(3), [
    entryBrief(1, 2.5, 'LIMIT', ' @99.99 post-only'),
    `cancel ${entryId(1)}`,
  ]);
});

test('a MARKET child in flight when the position closes is cancelled; one the venue filled anyway is undone by a reduce-only exit', () => {
  const twap = { twapAboveUsdt: 500, twapSlices: 4 };
  const takeProfitFill = fill({
    clientOrderId: clientOrderIdFor(id, 'TAKE_PROFIT', 1),
    intentId: id,
    ts: 8 * MINUTE,
    side: 'SELL',
    positionSide: 'LONG',
    purpose: 'TAKE_PROFIT',
    qty: 2.5,
    price: 104,
    reduceOnly: true,
    exitReason: 'TAKE_PROFIT',
  });
  const lateFill = fill({
    clientOrderId: entryId(1),
    intentId: id,
    ts: 9 * MINUTE,
    side: 'BUY',
    positionSide: 'LONG',
    purpose: 'ENTRY',
    qty: 2.5,
    price: 104,
    reduceOnly: false,
  });
  const outs = run(twap, [
    ...history(5),
    decision,
    report(0, 'FILLED', 7 * MINUTE, 2.5, 2.5),
    candle(7),
    report(1, 'NEW', 7 * MINUTE, 2.5),
    takeProfitFill,
    lateFill,
    report(1, 'FILLED', 9 * MINUTE, 2.5, 2.5),
    candle(9),
  ]);
  assert.equal(outs.map(brief), [
    entryBrief(0, 2.5),
    STOP,
    TP,
    entryBrief(1, 2.5),
    `cancel ${entryId(1)}`,
    `EXIT MARKET 2.5 ${clientOrderIdFor(id, 'EXIT', AELM_EXIT_REVISION)}`,
  ]);
  assert.match(
    (outs[4] as CancelOrder).reason,
    /closing \(TAKE_PROFIT\): the rest of BTCUSDT-360000-LONG is dropped/,
  );
  const exit = outs[5] as OrderRequest;
  assert.equal([exit.reduceOnly, exit.side, exit.exitReason], [true, 'SELL', 'TAKE_PROFIT']);
  assert.match(exit.reason ?? '', /filled 2\.5 after its position closed \(TAKE_PROFIT\): undone/);
});

test('an entry cancelled from outside before any fill ends the decision and cancels its stop and take-profit', () => {
  const outs = run({ twapAboveUsdt: 500, twapSlices: 4 }, [
    ...history(5),
    decision,
    report(0, 'NEW', 6 * MINUTE, 2.5),
    report(0, 'CANCELED', 7 * MINUTE, 2.5),
    candle(7),
    candle(8),
  ]);
  assert.equal(outs.map(brief), [
    entryBrief(0, 2.5),
    STOP,
    TP,
    `cancel ${clientOrderIdFor(id, 'STOP_LOSS')}`,
    `cancel ${clientOrderIdFor(id, 'TAKE_PROFIT')}`,
  ]);
  assert.match((outs[3] as CancelOrder).reason, /every entry of BTCUSDT-360000-LONG ended without a fill/);
});

test('a NaN volume (or too few candles) makes AELM abstain: the plain MARKET entry of the whole qty, with the reason', () => {
  const candles = history(5);
  candles[2] = candle(3, { volume: Number.NaN });
  const [nan] = run({ maxSlippageBps: 1, twapAboveUsdt: 1 }, [...candles, decision]) as OrderRequest[];
  assert.equal(brief(nan), entryBrief(0, 10));
  assert.match(
    nan.reason ?? '',
    /^aelm abstains \(average volume is not a number \(a NaN volume in the last 4 candles\)\): one MARKET entry$/,
  );
  const [closeNaN] = run({}, [...history(4), candle(5, { close: Number.NaN }), decision]) as OrderRequest[];
  assert.match(closeNaN.reason ?? '', /^aelm abstains \(volatility is not a number/);
  const [early] = run({}, [...history(3), decision]) as OrderRequest[];
  assert.match(early.reason ?? '', /^aelm abstains \(2 candle returns, fewer than the 4 needed\)/);
  const [none] = run({}, [decision]) as OrderRequest[];
  assert.match(none.reason ?? '', /^aelm abstains \(no BTCUSDT candle yet\)/);
  // Once the NaN has left the window, the estimate is back.
  const later = run({ maxSlippageBps: 5 }, [...candles, candle(6), candle(7), candle(8), decision]);
  assert.equal(later.map(brief), ['denied aelm']);
});

test('a scale-in (addsTo) is guarded but goes alone: one MARKET entry, never sliced or passive, no protection, no retry', () => {
  const add = sizing({ ts: 6 * MINUTE, intentId: `${id}+add1`, qty: 10, addsTo: 'BTCUSDT-0-LONG' });
  const addId = (revision: number) => clientOrderIdFor(`${id}+add1`, 'ENTRY', revision);
  const outs = run({ twapAboveUsdt: 500, passive: true, urgency: 0.01 }, [
    ...history(5),
    add,
    {
      ...report(0, 'REJECTED', 6 * MINUTE, 10, 0, { errorCode: 'QT_EXCHANGE_NETWORK' }),
      clientOrderId: addId(0),
      intentId: `${id}+add1`,
    },
    candle(7),
    candle(8),
  ]) as OrderRequest[];
  assert.equal(outs.map(brief), [`ENTRY MARKET 10 ${addId(0)}`]);
  assert.match(outs[0].reason ?? '', /scale-in of BTCUSDT-0-LONG: no stop or take-profit of its own$/);
  const accepted = run({}, [
    ...history(5),
    add,
    { ...report(0, 'NEW', 6 * MINUTE, 10), clientOrderId: addId(0), intentId: `${id}+add1` },
  ]);
  assert.is(accepted.length, 1);
  assert.equal(run({ maxSlippageBps: 5 }, [...history(5), add]).map(brief), ['denied aelm']);
});

test('every order is a valid OrderRequest; ids are distinct per child', () => {
  const outs = run({ twapAboveUsdt: 500, twapSlices: 4, passive: true, urgency: 0.01 }, [
    ...history(5),
    decision,
    report(0, 'NEW', 6 * MINUTE, 2.5, 0, { type: 'LIMIT' }),
    report(0, 'EXPIRED', 7 * MINUTE, 2.5, 0, { type: 'LIMIT' }),
    report(1, 'FILLED', 7 * MINUTE, 2.5, 2.5),
    candle(7),
  ]);
  const orders = outs.filter((o): o is OrderRequest => o.kind === 'order-request');
  for (const order of orders) OrderRequest.parse(order);
  assert.is(new Set(orders.map((o) => o.clientOrderId)).size, orders.length);
  assert.equal(
    orders.filter((o) => o.purpose === 'ENTRY').map((o) => o.clientOrderId),
    [entryId(0), entryId(1), entryId(2)],
  );
});

test('errors, empty and never sources, and unsubscription pass through', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold<SmartExecutionInput>('--#', undefined, new Error('x')).pipe(smartExecution())).toBe(
      '--#',
      undefined,
      new Error('x'),
    );
    expectObservable(cold<SmartExecutionInput>('|').pipe(smartExecution())).toBe('|');
    expectObservable(cold<SmartExecutionInput>('-').pipe(smartExecution())).toBe('-');
    const source = cold<SmartExecutionInput>('----a|', { a: decision });
    expectObservable(source.pipe(smartExecution()), '^-!').toBe('---');
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('invalid parameters are refused by the schema, naming the key', () => {
  const bad = smartExecutionParams.safeParse({ maxSlippageBps: 0, twapSlices: 1, surprise: true });
  assert.not.ok(bad.success);
  const paths = (bad.error?.issues ?? []).map((issue) => issue.path.join('.') || issue.message);
  assert.ok(paths.includes('maxSlippageBps'), paths.join(', '));
  assert.ok(paths.includes('twapSlices'), paths.join(', '));
});

test.run();
