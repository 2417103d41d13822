// Question: what does expressing the signal → order chain as rxjs operators cost per decision,
// compared with a hand-written loop that does the same arithmetic and the same checks?
// Chain: ensembleVote → signalToIntent → positionSizing → riskGates → orderBracket, over 1 M
// synthetic model batches (20 symbols, one batch per symbol per minute, two models with seeded
// random votes, ~10% abstentions). Baseline: one loop, same vote/threshold/sizing/gates/rounding,
// same OrderRequest objects out, no intermediate events. Both runs must agree on the orders
// (count and checksum) or the bench fails.
// Prints a JSON line and a table; writes bench/results/decisions.json.
// Usage: `node --expose-gc --import tsx bench/decisions.ts [batches=1000000]` (without --expose-gc
// a run may pay for the previous run's garbage).
import { mkdirSync, writeFileSync } from 'node:fs';
import { filter, Observable, of, type Subscriber } from 'rxjs';
import {
  type Action,
  type CancelOrder,
  clientOrderIdFor,
  createPrng,
  DEFAULT_SYMBOL_FILTERS,
  type FeatureVector,
  type Kline,
  type ModelPrediction,
  type OrderRequest,
  type PortfolioSnapshot,
  roundToStep,
  type SizingDecision,
  unfilledReportOf,
} from '../src/domain/index.js';
import { operate } from '../src/kernel/operate.js';
import { ensembleVote } from '../src/operators/ensemble-vote.js';
import { createOrderBracket, orderBracketParams } from '../src/operators/order-bracket.js';
import { positionSizing } from '../src/operators/position-sizing.js';
import type { ModelBatch } from '../src/operators/predict.js';
import { riskGates } from '../src/operators/risk-gates.js';
import { signalToIntent } from '../src/operators/signal-to-intent.js';

const batchCount = Number(process.argv[2] ?? 1_000_000);
const latencySamples = Math.min(200_000, batchCount);
const SYMBOLS = Array.from({ length: 20 }, (_, i) => `SYM${i}USDT`);
const POOL = 4096;
const NAMES = Object.freeze(['ema_12', 'ema_26', 'rsi_14', 'atr_14']);

/** Shared pools keep the 1 M batches at one small vector + batch object each. */
const makeBatches = (count: number): ModelBatch[] => {
  const prng = createPrng('decisions-bench');
  const klines: Kline[] = [];
  const values: number[][] = [];
  const predictionSets: ModelPrediction[][] = [];
  const actions: Action[] = ['BUY', 'SELL', 'HOLD'];
  for (let i = 0; i < POOL; i++) {
    const close = 100 * Math.exp(prng.normal() * 0.05);
    klines.push({
      kind: 'kline',
      symbol: 'SYM0USDT',
      interval: '1m',
      openTime: 0,
      ts: 60_000,
      open: close,
      high: close * 1.001,
      low: close * 0.999,
      close,
      volume: 1,
      quoteVolume: close,
      trades: 1,
      takerBuyVolume: 0.5,
    });
    values.push([close * 1.001, close, 55, close * 0.004]);
    const models = ['xgb', 'rule'].map((model): ModelPrediction => {
      const abstains = prng.next() < 0.1;
      return {
        kind: 'model-prediction',
        symbol: 'SYM0USDT',
        ts: 60_000,
        model,
        action: abstains ? null : actions[prng.int(3)],
        confidence: abstains ? 0 : 0.5 + prng.next() * 0.5,
      };
    });
    predictionSets.push(models);
  }
  const batches: ModelBatch[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const p = i % POOL;
    const vector: FeatureVector = {
      kind: 'feature-vector',
      symbol: SYMBOLS[i % SYMBOLS.length],
      ts: 60_000 * (1 + Math.floor(i / SYMBOLS.length)),
      kline: klines[p],
      names: NAMES,
      values: values[p],
    };
    batches[i] = { vector, predictions: predictionSets[(p * 7) % POOL] };
  }
  return batches;
};

const snapshot: PortfolioSnapshot = {
  kind: 'portfolio-snapshot',
  ts: 0,
  walletUsdt: 10_000,
  unrealizedPnlUsdt: 0,
  equityUsdt: 10_000,
  usedMarginUsdt: 0,
  availableUsdt: 10_000,
  grossExposureUsdt: 0,
  netExposureUsdt: 0,
  realizedPnlUsdt: 0,
  feesUsdt: 0,
  fundingUsdt: 0,
  peakEquityUsdt: 10_000,
  drawdownPct: 0,
  dayStartEquityUsdt: 10_000,
  positions: [],
  lastExitTs: {},
  workingEntries: [],
};

/** Order count and a checksum over every order's qty and trigger price. */
interface Tally {
  orders: number;
  checksum: number;
}
const record = (tally: Tally, order: OrderRequest | CancelOrder): void => {
  if (order.kind !== 'order-request') return;
  tally.orders++;
  tally.checksum += order.qty + (order.stopPrice ?? 0);
};

/**
 * The bracket as the engine runs it: the entry first, the stop and take-profit once the venue
 * accepts the entry — here a venue that accepts every entry at once (as the simulator does).
 */
const bracketAtAcceptingVenue = () =>
  operate<SizingDecision, OrderRequest | CancelOrder>(() => {
    const bracket = createOrderBracket(orderBracketParams.parse({}));
    return {
      next(decision, emit) {
        const out = (order: OrderRequest | CancelOrder): void => {
          emit(order);
          if (order.kind !== 'order-request' || order.purpose !== 'ENTRY') return;
          const accepted = unfilledReportOf(order, 'NEW');
          void bracket.next(accepted, out);
        };
        void bracket.next(decision, out);
      },
    };
  });

/** The rxjs chain, fed synchronously by `feed`. */
const rxjsChain = (tally: Tally) => {
  let driver: Subscriber<ModelBatch> | undefined;
  const portfolio$ = of(snapshot);
  const subscription = new Observable<ModelBatch>((subscriber) => {
    driver = subscriber;
  })
    .pipe(
      ensembleVote(),
      signalToIntent(),
      positionSizing({}, portfolio$),
      filter((event): event is SizingDecision => event.kind === 'sizing-decision'),
      riskGates({}, portfolio$),
      filter((event): event is SizingDecision => event.kind === 'sizing-decision'),
      bracketAtAcceptingVenue(),
    )
    .subscribe((order) => record(tally, order));
  return { feed: (batch: ModelBatch) => driver!.next(batch), stop: () => subscription.unsubscribe() };
};

/** The same decisions as one hand-written function: no intermediate events, same orders out. */
const loopChain = (tally: Tally) => {
  const lastEntryTs = new Map<string, number>();
  const filters = DEFAULT_SYMBOL_FILTERS;
  const scores = new Float64Array(3);
  const feed = ({ vector, predictions }: ModelBatch): void => {
    // ensembleVote: weights 1, abstentions re-weighted, ties and < 0.5 ⇒ HOLD.
    let voters = 0;
    for (let i = 0; i < predictions.length; i++) if (predictions[i].action !== null) voters++;
    if (voters === 0) return;
    scores[0] = 0;
    scores[1] = 0;
    scores[2] = 0;
    for (let i = 0; i < predictions.length; i++) {
      const action = predictions[i].action;
      if (action === null) continue;
      scores[action === 'BUY' ? 0 : action === 'SELL' ? 1 : 2] += (1 / voters) * predictions[i].confidence;
    }
    let best = 0;
    let tie = false;
    for (let a = 1; a < 3; a++) {
      if (scores[a] > scores[best]) {
        best = a;
        tie = false;
      } else if (scores[a] === scores[best]) tie = true;
    }
    // signalToIntent: 0.5 (ensemble) and 0.55 (strategy) thresholds, shorts allowed.
    if (tie || best === 2 || scores[best] < 0.5 || Math.min(1, scores[best]) < 0.55) return;
    const side = best === 0 ? 'LONG' : 'SHORT';
    const direction = best === 0 ? 1 : -1;
    const price = vector.kline.close;
    // positionSizing fixed-fraction: 10% × 3× of equity, stop 1.5%, TP 3%.
    const equityUsdt = snapshot.equityUsdt;
    const qtyRaw = (equityUsdt * 0.1 * 3) / price;
    const stopRaw = price - direction * ((price * 1.5) / 100);
    const takeProfitRaw = price + direction * ((price * 3) / 100);
    // riskGates in order.
    if (snapshot.drawdownPct >= 20) return;
    if (((snapshot.dayStartEquityUsdt - snapshot.equityUsdt) / snapshot.dayStartEquityUsdt) * 100 >= 5)
      return;
    if (3 > Math.min(5, filters.maxLeverage)) return;
    for (const position of snapshot.positions) if (position.symbol === vector.symbol) return;
    if (snapshot.positions.length >= 5) return;
    if (snapshot.grossExposureUsdt + qtyRaw * price > 3 * equityUsdt) return;
    const lastEntry = lastEntryTs.get(vector.symbol);
    const lastExit = snapshot.lastExitTs[vector.symbol];
    const last = Math.max(lastEntry ?? -Infinity, lastExit ?? -Infinity);
    if (vector.ts - last < 661_000) return;
    const qty = roundToStep(Math.min(qtyRaw, filters.maxQty), filters.stepSize, 'down');
    if (!(qty > 0) || qty < filters.minQty || qty * price < filters.minNotionalUsdt) return;
    const stopPrice = roundToStep(stopRaw, filters.tickSize, 'nearest');
    if (!(Math.abs(price - stopPrice) > 0)) return;
    const takeProfitPrice = roundToStep(takeProfitRaw, filters.tickSize, 'nearest');
    lastEntryTs.set(vector.symbol, vector.ts);
    // orderBracket.
    const intentId = `${vector.symbol}-${vector.ts}-${side}`;
    const base = {
      kind: 'order-request',
      intentId,
      symbol: vector.symbol,
      ts: vector.ts,
      positionSide: side,
    } as const;
    const exitSide = side === 'LONG' ? 'SELL' : 'BUY';
    record(tally, {
      ...base,
      clientOrderId: clientOrderIdFor(intentId, 'ENTRY'),
      side: side === 'LONG' ? 'BUY' : 'SELL',
      type: 'MARKET',
      qty,
      reduceOnly: false,
      leverage: 3,
      purpose: 'ENTRY',
    });
    record(tally, {
      ...base,
      clientOrderId: clientOrderIdFor(intentId, 'STOP_LOSS'),
      side: exitSide,
      type: 'STOP_MARKET',
      qty,
      stopPrice,
      reduceOnly: true,
      purpose: 'STOP_LOSS',
      exitReason: 'STOP_LOSS',
    });
    record(tally, {
      ...base,
      clientOrderId: clientOrderIdFor(intentId, 'TAKE_PROFIT'),
      side: exitSide,
      type: 'TAKE_PROFIT_MARKET',
      qty,
      stopPrice: takeProfitPrice,
      reduceOnly: true,
      purpose: 'TAKE_PROFIT',
      exitReason: 'TAKE_PROFIT',
    });
  };
  return { feed, stop: () => {} };
};

type Chain = (tally: Tally) => { feed: (batch: ModelBatch) => void; stop: () => void };

const throughput = (chain: Chain, batches: readonly ModelBatch[]) => {
  const tally: Tally = { orders: 0, checksum: 0 };
  const { feed, stop } = chain(tally);
  // Start each timed run with a clean heap, so one run's garbage is not collected on the other's clock.
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.hrtime.bigint();
  for (let i = 0; i < batches.length; i++) feed(batches[i]);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  stop();
  return { ...tally, elapsedMs, decisionsPerSec: Math.round((batches.length / elapsedMs) * 1000) };
};

const latency = (chain: Chain, batches: readonly ModelBatch[]) => {
  const tally: Tally = { orders: 0, checksum: 0 };
  const { feed, stop } = chain(tally);
  const samplesNs = new Float64Array(batches.length);
  for (let i = 0; i < batches.length; i++) {
    const t0 = process.hrtime.bigint();
    feed(batches[i]);
    samplesNs[i] = Number(process.hrtime.bigint() - t0);
  }
  stop();
  samplesNs.sort();
  const at = (q: number) =>
    samplesNs[Math.min(samplesNs.length - 1, Math.floor(q * samplesNs.length))] / 1000;
  return { p50Us: Number(at(0.5).toFixed(3)), p99Us: Number(at(0.99).toFixed(3)) };
};

const batches = makeBatches(batchCount);
// Warm both paths up so the JIT has compiled them before timing.
throughput(rxjsChain, batches.slice(0, 50_000));
throughput(loopChain, batches.slice(0, 50_000));
const rounds = 3;
let best: { rxjs: ReturnType<typeof throughput>; loop: ReturnType<typeof throughput> } | undefined;
for (let r = 0; r < rounds; r++) {
  const rxjs = throughput(rxjsChain, batches);
  const loop = throughput(loopChain, batches);
  if (
    rxjs.orders !== loop.orders ||
    Math.abs(rxjs.checksum - loop.checksum) > 1e-6 * Math.abs(loop.checksum)
  ) {
    throw new Error(
      `bench/decisions.ts: rxjs and loop disagree (orders ${rxjs.orders} vs ${loop.orders}, checksum ${rxjs.checksum} vs ${loop.checksum}); fix the loop baseline`,
    );
  }
  if (best === undefined || rxjs.decisionsPerSec > best.rxjs.decisionsPerSec)
    best = { rxjs, loop: best?.loop ?? loop };
  if (loop.decisionsPerSec > best.loop.decisionsPerSec) best = { ...best, loop };
}
const sample = batches.slice(0, latencySamples);
const rxjsLatency = latency(rxjsChain, sample);
const loopLatency = latency(loopChain, sample);
const { rxjs, loop } = best!;
const result = {
  bench: 'decisions',
  question: 'cost of the rxjs signal→order chain vs a hand-written loop, per decision',
  batches: batchCount,
  orders: rxjs.orders,
  node: process.version,
  rxjs: { decisionsPerSec: rxjs.decisionsPerSec, elapsedMs: Math.round(rxjs.elapsedMs), ...rxjsLatency },
  loop: { decisionsPerSec: loop.decisionsPerSec, elapsedMs: Math.round(loop.elapsedMs), ...loopLatency },
  ratioLoopOverRxjs: Number((loop.decisionsPerSec / rxjs.decisionsPerSec).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
console.table({
  'rxjs chain': {
    'decisions/s': rxjs.decisionsPerSec,
    'ms total': Math.round(rxjs.elapsedMs),
    'p50 µs': rxjsLatency.p50Us,
    'p99 µs': rxjsLatency.p99Us,
    ratio: 1,
  },
  'hand loop (baseline)': {
    'decisions/s': loop.decisionsPerSec,
    'ms total': Math.round(loop.elapsedMs),
    'p50 µs': loopLatency.p50Us,
    'p99 µs': loopLatency.p99Us,
    ratio: result.ratioLoopOverRxjs,
  },
});
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/decisions.json', `${JSON.stringify(result, null, 2)}\n`);
