// Question (issue #18): what does one decision cost — a Signal in, whatever orders and denials come
// out — with every decision module on, and what do the stages add over one hand-written function
// making the same checks? Targets: p50 ≤ 50 µs, p99 ≤ 500 µs per decision, in process.
//
// Chain, models excluded: strategy (regimeSides, universe gate) → sizing (regimeScale) → portfolio
// balancer (symbol, net and correlated caps) → risk gates → smart execution (AELM: slippage estimate
// and guard, order type, TWAP), the handlers `tradingStages` builds, with examples/all-modules.yaml's
// parameters, called synchronously with emit callbacks the way the kernel hands each stage's output
// to the next. 30 symbols in three clusters (two anti-correlated, one independent), state pre-warmed
// as a running engine has it: 200 1h candles per symbol fed to the balancer (return rings) and AELM
// (candle windows), a portfolio snapshot with 4 open positions, a RegimeChanged per symbol (a mix)
// and a UniverseChanged leaving 4 symbols out. Input: 1 M seeded Signals (BUY/SELL, confidence
// 0.55–1), one per symbol per hour, so the 2 h cooldown refuses the hour after an entry only. Of
// 1 M: ~11 % under minConfidence, refusals by universe, regime, pba, position-exists, cooldown and
// aelm (each 6–18 %), some shrunk by pba or aelm, ~16 % orders (post-only LIMIT or MARKET, some the
// first of 2 TWAP slices); the JSON's `outcomes` has the counts.
// State stays bounded: the snapshot, regimes and candles are fixed during the run; after every
// 1,000 decisions (untimed) each entry sent gets the venue's final word (REJECTED, not retryable),
// so AELM forgets its plan — it would otherwise wait for the next slice's candle.
// Baseline: one function doing the same checks and arithmetic over per-symbol state it keeps itself
// (regime side, universe membership, sizing with the regime scale, PBA caps with the correlation of
// each open position by the same Pearson walk, risk gates in order with the venue rounding, AELM's
// estimate, guard, slicing and order type) and building the same entry OrderRequest; no events in
// between and no explanation text (denials are counted by gate, order reasons are a fixed label —
// the handlers' reason strings are part of what "ours" costs). Both must agree on orders (count,
// LIMITs, checksum of qty + price) and on the denials per gate, or the bench throws.
// Prints a JSON line and a table; writes bench/results/decision-modules.json.
// Usage: `node --expose-gc --import tsx bench/decision-modules.ts [decisions=1000000]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  type Action,
  type CancelOrder,
  clientOrderIdFor,
  createPrng,
  DEFAULT_SYMBOL_FILTERS,
  type KillSwitchTripped,
  type Kline,
  type ModelVote,
  type OrderDenied,
  type OrderRequest,
  type PortfolioSnapshot,
  type Position,
  type Regime,
  type RegimeChanged,
  roundToStep,
  type Signal,
  type SizingDecision,
  type SymbolFilters,
  type TradeIntent,
  type UniverseChanged,
  unfilledReportOf,
} from '../src/domain/index.js';
import { createPortfolioBalancer } from '../src/operators/portfolio-balancer.js';
import { createPositionSizing, positionSizingParams } from '../src/operators/position-sizing.js';
import { createRiskGates, riskGatesParams } from '../src/operators/risk-gates.js';
import { createSignalToIntent, signalToIntentParams } from '../src/operators/signal-to-intent.js';
import { createSmartExecution } from '../src/operators/smart-execution.js';
import { loadPipelineConfig } from '../src/pipeline/config.js';
import { srcState } from './lib/src-state.js';

const decisionCount = Number(process.argv[2] ?? 1_000_000);
const latencySamples = Math.min(200_000, decisionCount);
const SYMBOL_COUNT = 30;
const WARM_CANDLES = 200;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 1, 1);
/** Decisions between two untimed settlements of AELM's plans. */
const BATCH = 1_000;
const TARGET_P50_US = 50;
const TARGET_P99_US = 500;

const config = loadPipelineConfig('examples/all-modules.yaml');
for (const module of ['regime', 'universe', 'balancer', 'aelm'] as const) {
  if (!config[module].enabled)
    throw new Error(`bench/decision-modules.ts: examples/all-modules.yaml has ${module} off`);
}
const S = signalToIntentParams.parse(config.strategy);
const initialEquityUsdt = config.exchange.initialBalanceUsdt;
const Z = positionSizingParams.parse({ ...config.sizing, initialEquityUsdt });
const B = config.balancer;
const { flattenOnKill: _flattenOnKill, ...riskParams } = config.risk;
const R = riskGatesParams.parse({ ...riskParams, initialEquityUsdt });
const A = config.aelm;
const takerFeeRate = config.exchange.takerFeeRate;
const makerFeeRate = config.exchange.makerFeeRate;
if (Z.method !== 'fixed-fraction')
  throw new Error('bench/decision-modules.ts: the baseline sizes fixed-fraction only');
const filtersOf = (): SymbolFilters => DEFAULT_SYMBOL_FILTERS;

// --- The market and the account, as a running engine has them -------------------------------------

const SYMBOLS = Array.from({ length: SYMBOL_COUNT }, (_, s) => `S${String(s).padStart(2, '0')}USDT`);
/** Cluster A (0–9) rides factor f, cluster B (10–19) rides −f, cluster C (20–29) is on its own. */
const loadingOf = (s: number): number => (s < 10 ? 0.85 : s < 20 ? -0.8 : 0);

const makeMarket = () => {
  const prng = createPrng('decision-modules-bench');
  const price0 = SYMBOLS.map(() => 0.2 * Math.exp(prng.next() * Math.log(3_000)));
  const sigma = SYMBOLS.map(() => 0.003 * Math.exp(prng.next() * Math.log(5))); // 30–150 bps per 1h candle
  const quoteVolume = SYMBOLS.map(() => 3e4 * Math.exp(prng.next() * Math.log(100))); // USDT per candle
  const closes = [...price0];
  const klines: Kline[] = [];
  for (let m = 0; m < WARM_CANDLES; m++) {
    const f = prng.normal();
    for (let s = 0; s < SYMBOL_COUNT; s++) {
      const rho = loadingOf(s);
      const r = sigma[s] * (rho * f + Math.sqrt(1 - rho * rho) * prng.normal());
      const open = closes[s];
      const close = open * Math.exp(r);
      closes[s] = close;
      const volume = (quoteVolume[s] / close) * (0.5 + prng.next());
      klines.push({
        kind: 'kline',
        symbol: SYMBOLS[s],
        interval: '1h',
        openTime: T0 + m * HOUR,
        ts: T0 + (m + 1) * HOUR,
        open,
        high: Math.max(open, close) * (1 + sigma[s] * 0.3),
        low: Math.min(open, close) * (1 - sigma[s] * 0.3),
        close,
        volume,
        quoteVolume: volume * close,
        trades: 100,
        takerBuyVolume: volume / 2,
      });
    }
  }
  return { klines, closes, sigma };
};
const market = makeMarket();
const START = T0 + WARM_CANDLES * HOUR;

const regimeOf = (s: number): Regime =>
  s % 10 === 9
    ? 'VOLATILE'
    : (['RANGING', 'TRENDING_UP', 'RANGING', 'RANGING', 'TRENDING_DOWN', 'RANGING'] as const)[s % 6];
const regimeChanges: RegimeChanged[] = SYMBOLS.map((symbol, s) => ({
  kind: 'regime-changed',
  symbol,
  ts: START - HOUR,
  regime: regimeOf(s),
  adx: 20 + s,
  atrRatio: 1,
  realizedVol: market.sigma[s],
  slope: 0,
  reason: 'bench',
}));

/** Out of the universe: S07 left by rank, S18 and S26 by a rule, S29 never ranked. */
const EXCLUDED = [
  { symbol: 'S07USDT', why: 'rank', reason: 'rank 23 below the top 20' },
  { symbol: 'S18USDT', why: 'volatility-high', reason: 'daily volatility 41.2 % above 30 %' },
  { symbol: 'S26USDT', why: 'low-volume', reason: 'quote volume 1.2 M USDT below 5 M' },
] as const;
const outOfUniverse = new Set<string>([...EXCLUDED.map((e) => e.symbol), 'S29USDT']);
const members = SYMBOLS.filter((symbol) => !outOfUniverse.has(symbol));
const universeChanged: UniverseChanged = {
  kind: 'universe-changed',
  ts: START - 2 * HOUR,
  members: members.map((symbol, i) => ({
    symbol,
    rank: i + 1,
    score: 1 - i / members.length,
    reason: 'bench',
  })),
  added: members,
  removed: ['S07USDT'],
  excluded: EXCLUDED,
  eligible: members.length + 1,
  seen: SYMBOL_COUNT,
  reason: 'bench',
};

const positionOf = (s: number, side: 'LONG' | 'SHORT', notionalUsdt: number): Position => {
  const markPrice = market.closes[s];
  return {
    symbol: SYMBOLS[s],
    side,
    qty: notionalUsdt / markPrice,
    entryPrice: markPrice,
    leverage: 3,
    marginUsdt: notionalUsdt / 3,
    liquidationPrice: side === 'LONG' ? markPrice * 0.7 : markPrice * 1.3,
    markPrice,
    unrealizedPnlUsdt: 0,
    openedTs: START - 10 * HOUR,
    intentId: `${SYMBOLS[s]}-${START - 10 * HOUR}-${side}`,
  };
};
/**
 * Two longs in cluster A and a short in B (one correlated bet of 8,000 USDT, the cap: longs in A and
 * shorts in B are refused or shrunk), a big long in C (net exposure 12,500 of 15,000: longs elsewhere shrink).
 */
const positions = [
  positionOf(0, 'LONG', 3_000),
  positionOf(1, 'LONG', 3_000),
  positionOf(10, 'SHORT', 2_000),
  positionOf(20, 'LONG', 8_500),
];
const grossExposureUsdt = positions.reduce((sum, p) => sum + p.qty * p.markPrice, 0);
const usedMarginUsdt = positions.reduce((sum, p) => sum + p.marginUsdt, 0);
const snapshot: PortfolioSnapshot = {
  kind: 'portfolio-snapshot',
  ts: START - HOUR,
  walletUsdt: 10_000,
  unrealizedPnlUsdt: 0,
  equityUsdt: 10_000,
  usedMarginUsdt,
  availableUsdt: 10_000 - usedMarginUsdt,
  grossExposureUsdt,
  netExposureUsdt: positions.reduce((sum, p) => sum + (p.side === 'LONG' ? 1 : -1) * p.qty * p.markPrice, 0),
  realizedPnlUsdt: 0,
  feesUsdt: 0,
  fundingUsdt: 0,
  peakEquityUsdt: 10_300,
  drawdownPct: (300 / 10_300) * 100,
  dayStartEquityUsdt: 10_200,
  positions,
  lastExitTs: { S05USDT: START - HOUR },
  workingEntries: [],
};

/** One Signal per symbol per hour, as the ai-engine emits them (HOLD never leaves it). */
const makeSignals = (count: number): Signal[] => {
  const prng = createPrng('decision-modules-signals');
  const voteSets: ModelVote[][] = [];
  for (let v = 0; v < 64; v++) {
    const action: Action = v % 2 === 0 ? 'BUY' : 'SELL';
    voteSets.push(
      ['ema-rsi', 'macd-adx'].map((model) => ({
        model,
        action,
        confidence: 0.5 + prng.next() / 2,
        weight: 0.5,
      })),
    );
  }
  const signals: Signal[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const s = i % SYMBOL_COUNT;
    const buy = prng.next() < 0.5;
    const price = market.closes[s] * Math.exp(market.sigma[s] * prng.normal());
    signals[i] = {
      kind: 'signal',
      symbol: SYMBOLS[s],
      ts: START + Math.floor(i / SYMBOL_COUNT) * HOUR,
      action: buy ? 'BUY' : 'SELL',
      confidence: 0.55 + prng.next() * 0.45,
      votes: voteSets[2 * prng.int(32) + (buy ? 0 : 1)],
      price,
      atr: price * market.sigma[s],
    };
  }
  return signals;
};

// --- What both runs count --------------------------------------------------------------------------

interface Tally {
  orders: number;
  limits: number;
  /** Σ qty + limit price over the entry orders. */
  checksum: number;
  denied: Record<string, number>;
}
const newTally = (): Tally => ({ orders: 0, limits: 0, checksum: 0, denied: {} });
const recordOrder = (tally: Tally, order: OrderRequest): void => {
  tally.orders++;
  if (order.type === 'LIMIT') tally.limits++;
  tally.checksum += order.qty + (order.price ?? 0);
};
const recordDenial = (tally: Tally, gate: string): void => {
  tally.denied[gate] = (tally.denied[gate] ?? 0) + 1;
};

interface Chain {
  feed(signal: Signal): void;
  /** Untimed, between batches: whatever keeps the chain's state bounded. */
  settle(): void;
  /** What the baseline saw on the way (shrunk entries, TWAP first slices), for the report. */
  readonly detail?: Record<string, number>;
}

// --- Ours: the stage handlers, chained as the kernel delivers ---------------------------------------

const oursChain = (tally: Tally): Chain => {
  const strategy = createSignalToIntent(S);
  const sizing = createPositionSizing(Z);
  const balancer = createPortfolioBalancer(B, initialEquityUsdt);
  const risk = createRiskGates(R, { filtersOf, takerFeeRate, announceKillSwitch: false });
  const execution = createSmartExecution(A, {
    filtersOf,
    takerFeeRate,
    makerFeeRate,
    takeProfit: config.orders.takeProfit,
  });
  const drop = (): void => undefined;
  // Pre-warm, in the kernel's order per event: candles, the account, regimes, the universe.
  for (const kline of market.klines) {
    void balancer.next(kline, drop);
    void execution.next(kline, drop);
  }
  void sizing.next(snapshot, drop);
  void balancer.next(snapshot, drop);
  void risk.next(snapshot, drop);
  for (const change of regimeChanges) {
    void strategy.next(change, drop);
    void sizing.next(change, drop);
  }
  void strategy.next(universeChanged, drop);

  const sent: OrderRequest[] = [];
  const toVenue = (out: OrderRequest | CancelOrder | OrderDenied): void => {
    if (out.kind === 'order-request') {
      recordOrder(tally, out);
      sent.push(out);
    } else if (out.kind === 'order-denied') recordDenial(tally, out.gate);
  };
  const toExecution = (out: SizingDecision | OrderDenied | KillSwitchTripped): void => {
    if (out.kind === 'sizing-decision') void execution.next(out, toVenue);
    else if (out.kind === 'order-denied') recordDenial(tally, out.gate);
  };
  const toRisk = (out: SizingDecision | OrderDenied): void => {
    if (out.kind === 'sizing-decision') void risk.next(out, toExecution);
    else recordDenial(tally, out.gate);
  };
  const toBalancer = (out: SizingDecision | OrderDenied): void => {
    if (out.kind === 'sizing-decision') void balancer.next(out, toRisk);
    else recordDenial(tally, out.gate);
  };
  const toSizing = (out: TradeIntent | OrderDenied): void => {
    if (out.kind === 'trade-intent') void sizing.next(out, toBalancer);
    else recordDenial(tally, out.gate);
  };
  return {
    feed: (signal) => void strategy.next(signal, toSizing),
    settle: () => {
      // The venue's final word on each entry: AELM's plan ends (a TWAP's later slices are not sent).
      for (const order of sent) void execution.next(unfilledReportOf(order, 'REJECTED'), drop);
      sent.length = 0;
    },
  };
};

// --- Baseline: one hand-written function, same checks, same orders ---------------------------------

/** What the hand-written function keeps per symbol. */
class SymbolState {
  inUniverse = true;
  allowLong = true;
  allowShort = true;
  scale = 1;
  regime = '';
  // The balancer's returns (ring, newest at count − 1).
  readonly returns = new Float64Array(B.correlationWindow);
  count = 0;
  lastClose = Number.NaN;
  lastTs = Number.NaN;
  intervalMs = 60_000;
  // AELM's candle window.
  readonly candleReturns = new Float64Array(A.volatilityWindow);
  readonly volumes = new Float64Array(A.volatilityWindow);
  candles = 0;
  candleClose = Number.NaN;
  // Risk.
  lastEntryTs = Number.NEGATIVE_INFINITY;
  lastExitTs = Number.NEGATIVE_INFINITY;
  committed = false;
  constructor(
    readonly symbol: string,
    readonly filters: SymbolFilters,
  ) {}
}

/** Pearson correlation of two return rings over the returns both have, aligned by time (NaN: too few). */
const pearson = (a: SymbolState, b: SymbolState, minSamples: number): number => {
  const aheadA = Math.max(0, Math.round((a.lastTs - b.lastTs) / a.intervalMs));
  const aheadB = Math.max(0, Math.round((b.lastTs - a.lastTs) / b.intervalMs));
  const av = a.returns;
  const bv = b.returns;
  const na = av.length;
  const nb = bv.length;
  const n = Math.min(a.count - aheadA, b.count - aheadB, na - aheadA, nb - aheadB);
  if (!(n >= minSamples)) return Number.NaN;
  const startA = (((a.count - 1 - aheadA) % na) + na) % na;
  const startB = (((b.count - 1 - aheadB) % nb) + nb) % nb;
  let sa = 0;
  let sb = 0;
  for (let k = 0, ia = startA, ib = startB; k < n; k++) {
    sa += av[ia];
    sb += bv[ib];
    ia = ia === 0 ? na - 1 : ia - 1;
    ib = ib === 0 ? nb - 1 : ib - 1;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let k = 0, ia = startA, ib = startB; k < n; k++) {
    const da = av[ia] - ma;
    const db = bv[ib] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
    ia = ia === 0 ? na - 1 : ia - 1;
    ib = ib === 0 ? nb - 1 : ib - 1;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : Number.NaN;
};

const baselineChain = (tally: Tally): Chain => {
  const states = new Map<string, SymbolState>();
  const stateOf = (symbol: string): SymbolState => {
    let state = states.get(symbol);
    if (state === undefined) {
      state = new SymbolState(symbol, filtersOf());
      states.set(symbol, state);
    }
    return state;
  };
  // Candles: the return ring and the candle window.
  for (const kline of market.klines) {
    const st = stateOf(kline.symbol);
    if (!Number.isNaN(st.lastClose)) {
      st.returns[st.count % st.returns.length] = Math.log(kline.close / st.lastClose);
      st.count++;
    }
    st.lastClose = kline.close;
    st.lastTs = kline.ts;
    st.intervalMs = kline.ts - kline.openTime;
    const w = A.volatilityWindow;
    if (st.candles > 0) st.candleReturns[(st.candles - 1) % w] = Math.log(kline.close / st.candleClose);
    st.volumes[st.candles % w] = kline.volume;
    st.candles++;
    st.candleClose = kline.close;
  }
  // The account: positions with their notional and direction, the limits' inputs.
  const equity = snapshot.equityUsdt;
  const open = snapshot.positions.map((p) => ({
    state: stateOf(p.symbol),
    direction: p.side === 'LONG' ? 1 : -1,
    notional: p.qty * p.markPrice,
  }));
  for (const p of snapshot.positions) stateOf(p.symbol).committed = true;
  for (const e of snapshot.workingEntries) stateOf(e.symbol).committed = true;
  for (const [symbol, ts] of Object.entries(snapshot.lastExitTs)) stateOf(symbol).lastExitTs = ts;
  const committedCount = [...states.values()].filter((st) => st.committed).length;
  let existingGrossUsdt = snapshot.grossExposureUsdt;
  let freeMarginUsdt = snapshot.availableUsdt;
  for (const e of snapshot.workingEntries) {
    existingGrossUsdt += e.notionalUsdt;
    freeMarginUsdt -= e.notionalUsdt / (e.leverage ?? 1) + e.notionalUsdt * takerFeeRate;
  }
  const killSwitch = snapshot.drawdownPct >= R.maxDrawdownPct;
  const dailyLoss =
    snapshot.dayStartEquityUsdt > 0 &&
    ((snapshot.dayStartEquityUsdt - snapshot.equityUsdt) / snapshot.dayStartEquityUsdt) * 100 >=
      R.dailyLossPct;
  // Regimes: which sides may open, at what size.
  for (const change of regimeChanges) {
    const st = stateOf(change.symbol);
    const sides = S.regimeSides[change.regime] ?? 'both';
    st.regime = change.regime;
    st.allowLong = sides === 'both' || sides === 'long';
    st.allowShort = sides === 'both' || sides === 'short';
    st.scale = Z.regimeScale[change.regime] ?? 1;
  }
  // The universe.
  const inUniverse = new Set(universeChanged.members.map((m) => m.symbol));
  for (const st of states.values()) st.inUniverse = inUniverse.has(st.symbol);

  const detail = { pbaShrunk: 0, aelmShrunk: 0, aelmAbstained: 0, twapFirstSlices: 0, takeProfitChecksum: 0 };
  const feeSavingBps = (takerFeeRate - makerFeeRate) * 1e4;
  const minCandles = Math.min(A.minCandles, A.volatilityWindow);
  /** AELM's market estimate of a symbol from its candle window (written into `est`); false: it abstains. */
  const est = { sigmaBps: 0, avgVolume: 0, halfSpreadBps: 0 };
  const estimate = (st: SymbolState): boolean => {
    const w = A.volatilityWindow;
    const n = Math.min(st.candles - 1, w);
    if (n < minCandles) return false;
    const first = st.candles - 1 - n;
    let squares = 0;
    let autocovariance = 0;
    let previous = Number.NaN;
    for (let k = 0; k < n; k++) {
      const r = st.candleReturns[(first + k) % w];
      squares += r * r;
      if (k > 0) autocovariance += r * previous;
      previous = r;
    }
    const sigmaBps = Math.sqrt(squares / n) * 1e4;
    if (Number.isNaN(sigmaBps)) return false;
    const volumeCount = Math.min(st.candles, w);
    let volumeSum = 0;
    for (let k = 0; k < volumeCount; k++) volumeSum += st.volumes[k];
    const avgVolume = volumeSum / volumeCount;
    if (!(avgVolume > 0)) return false;
    let spreadBps = A.spreadBps;
    if (A.spreadModel === 'roll' && n > 1) {
      const covariance = autocovariance / (n - 1);
      if (covariance < 0) spreadBps = Math.max(spreadBps, 2 * Math.sqrt(-covariance) * 1e4);
    }
    est.sigmaBps = sigmaBps;
    est.avgVolume = avgVolume;
    est.halfSpreadBps = spreadBps / 2;
    return true;
  };
  /** One decision: the gate that refused it, or undefined (an order was sent, or the signal was too weak). */
  const decide = (signal: Signal): string | undefined => {
    // Strategy.
    if (signal.action === 'HOLD' || signal.confidence < S.minConfidence) return undefined;
    if (signal.action === 'SELL' && !S.allowShort) return undefined;
    const long = signal.action === 'BUY';
    const st = states.get(signal.symbol);
    if (st === undefined) throw new Error(`no state for ${signal.symbol}`);
    if (!st.inUniverse) return 'universe';
    if (!(long ? st.allowLong : st.allowShort)) return 'regime';
    // Sizing, fixed-fraction on the regime-scaled equity.
    if (st.scale === 0) return 'sizing';
    const price = signal.price;
    const direction = long ? 1 : -1;
    const sizingEquity = st.scale === 1 ? equity : equity * st.scale;
    if (!(sizingEquity > 0)) return 'sizing';
    let qty = (sizingEquity * Z.fraction * Z.leverage) / price;
    const distance = (price * Z.stopLossPct) / 100;
    const takeProfitDistance =
      Z.rewardRisk !== undefined ? Z.rewardRisk * distance : (price * Z.takeProfitPct) / 100;
    const stopRaw = price - direction * distance;
    if (!(stopRaw > 0)) return 'sizing';
    const takeProfitRaw = price + direction * takeProfitDistance;
    const hasTakeProfit = takeProfitDistance > 0 && takeProfitRaw > 0;
    let notional = qty * price;
    // Portfolio balancer: symbol, net and correlated caps.
    const wanted = notional;
    let room = wanted;
    const symbolCap = B.maxSymbolExposure * equity;
    if (room > symbolCap) room = Math.max(0, symbolCap);
    let net = 0;
    let correlatedCount = 0;
    let correlatedUsdt = 0;
    for (let i = 0; i < open.length; i++) {
      const position = open[i];
      net += position.direction * position.notional;
      if (position.state === st) continue;
      const corr = pearson(st, position.state, B.minCorrelationSamples);
      if (Number.isNaN(corr) || Math.abs(corr) < B.correlationThreshold) continue;
      if (Math.sign(corr) * position.direction !== direction) continue;
      correlatedCount++;
      correlatedUsdt += position.notional;
    }
    const netCap = B.maxNetExposure * equity;
    const netRoom = direction > 0 ? netCap - net : netCap + net;
    if (room > netRoom && Math.abs(net + direction * room) > Math.abs(net)) room = Math.max(0, netRoom);
    const correlatedCap = B.maxCorrelatedExposure * equity;
    if (correlatedCount > 0 && correlatedUsdt + room > correlatedCap)
      room = Math.max(0, correlatedCap - correlatedUsdt);
    if (room < wanted) {
      if (!(room > 0)) return 'pba';
      qty = qty * (room / wanted);
      notional = room;
      detail.pbaShrunk++;
    }
    // Risk gates, in order.
    if (killSwitch) return 'kill-switch';
    if (dailyLoss) return 'daily-loss';
    const filters = st.filters;
    let leverage = Z.leverage;
    const leverageLimit = Math.min(R.maxLeverage, filters.maxLeverage);
    if (leverage > leverageLimit) {
      if (!R.clampLeverage) return 'max-leverage';
      leverage = leverageLimit;
    }
    if (st.committed) return 'position-exists';
    if (committedCount >= R.maxOpenPositions) return 'max-open-positions';
    if (existingGrossUsdt + notional > R.maxGrossExposure * equity) return 'max-gross-exposure';
    const ts = signal.ts;
    if (R.cooldownMs !== 0 && ts - Math.max(st.lastEntryTs, st.lastExitTs) < R.cooldownMs) return 'cooldown';
    qty = roundToStep(Math.min(qty, filters.maxQty), filters.stepSize, 'down');
    if (!(qty > 0) || qty < filters.minQty) return 'exchange-filters';
    notional = qty * price;
    if (notional < filters.minNotionalUsdt) return 'exchange-filters';
    const stopPrice = roundToStep(stopRaw, filters.tickSize, 'nearest');
    if (!(stopPrice > 0) || !(Math.abs(price - stopPrice) > 0)) return 'exchange-filters';
    // The take-profit on the tick, as the gate rounds it (it goes out with the stop once the entry is accepted).
    if (hasTakeProfit) detail.takeProfitChecksum += roundToStep(takeProfitRaw, filters.tickSize, 'nearest');
    if (notional / leverage + notional * takerFeeRate > freeMarginUsdt) return 'free-margin';
    st.lastEntryTs = ts;
    // AELM: the estimate from the candle window, the guard, TWAP and the order type.
    let type: 'MARKET' | 'LIMIT' = 'MARKET';
    let childQty = qty;
    if (!estimate(st)) detail.aelmAbstained++;
    else {
      const { sigmaBps, avgVolume, halfSpreadBps } = est;
      const minChildQty = Math.max(
        filters.minQty,
        filters.stepSize,
        roundToStep(filters.minNotionalUsdt / price, filters.stepSize, 'up'),
      );
      const large = qty * price > A.twapAboveUsdt || qty / avgVolume > A.maxParticipation;
      const slices = large ? Math.max(1, Math.min(A.twapSlices, Math.floor(qty / minChildQty + 1e-9))) : 1;
      const k = A.impactCoefficient;
      let totalQty = qty;
      if (k * sigmaBps * Math.sqrt(qty / slices / avgVolume) + halfSpreadBps > A.maxSlippageBps) {
        const within = A.maxSlippageBps - halfSpreadBps;
        const perSqrtQty = (k * sigmaBps) / Math.sqrt(avgVolume);
        const maxQty = !(within > 0)
          ? 0
          : perSqrtQty > 0
            ? (within / perSqrtQty) ** 2
            : Number.POSITIVE_INFINITY;
        const withinQty = roundToStep(Math.min(qty, maxQty * slices), filters.stepSize, 'down');
        if (
          withinQty < A.minFillFraction * qty ||
          roundToStep(withinQty / slices, filters.stepSize, 'down') < minChildQty
        )
          return 'aelm';
        totalQty = withinQty;
        detail.aelmShrunk++;
      }
      if (slices > 1) detail.twapFirstSlices++;
      childQty =
        slices === 1
          ? roundToStep(totalQty, filters.stepSize)
          : roundToStep(totalQty / slices, filters.stepSize, 'down');
      if (A.passive && halfSpreadBps + feeSavingBps > A.urgency * sigmaBps) type = 'LIMIT';
    }
    // The first entry child.
    const side = long ? 'LONG' : 'SHORT';
    const intentId = `${signal.symbol}-${ts}-${side}`;
    const clientOrderId = clientOrderIdFor(intentId, 'ENTRY');
    if (type === 'LIMIT') {
      const halfSpread = est.halfSpreadBps / 1e4;
      recordOrder(tally, {
        kind: 'order-request',
        clientOrderId,
        intentId,
        symbol: signal.symbol,
        ts,
        side: long ? 'BUY' : 'SELL',
        type,
        qty: childQty,
        reduceOnly: false,
        leverage,
        purpose: 'ENTRY',
        positionSide: side,
        reason: 'aelm',
        price: long
          ? roundToStep(price * (1 - halfSpread), filters.tickSize, 'down')
          : roundToStep(price * (1 + halfSpread), filters.tickSize, 'up'),
        postOnly: true,
      });
      return undefined;
    }
    recordOrder(tally, {
      kind: 'order-request',
      clientOrderId,
      intentId,
      symbol: signal.symbol,
      ts,
      side: long ? 'BUY' : 'SELL',
      type,
      qty: childQty,
      reduceOnly: false,
      leverage,
      purpose: 'ENTRY',
      positionSide: side,
      reason: 'aelm',
    });
    return undefined;
  };
  const feed = (signal: Signal): void => {
    const gate = decide(signal);
    if (gate !== undefined) recordDenial(tally, gate);
  };
  return { feed, settle: () => undefined, detail };
};

// --- Timing --------------------------------------------------------------------------------------

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const throughput = (chain: (tally: Tally) => Chain, signals: readonly Signal[]) => {
  const tally = newTally();
  const { feed, settle, detail } = chain(tally);
  // Start each timed run with a clean heap, so one run's garbage is not collected on the other's clock.
  gc();
  let elapsedNs = 0;
  for (let start = 0; start < signals.length; start += BATCH) {
    const end = Math.min(signals.length, start + BATCH);
    const t0 = process.hrtime.bigint();
    for (let i = start; i < end; i++) feed(signals[i]);
    elapsedNs += Number(process.hrtime.bigint() - t0);
    settle();
  }
  const elapsedMs = elapsedNs / 1e6;
  return {
    tally,
    detail,
    elapsedMs,
    decisionsPerSec: Math.round((signals.length / elapsedMs) * 1000),
  };
};

const latency = (chain: (tally: Tally) => Chain, signals: readonly Signal[]) => {
  const { feed, settle } = chain(newTally());
  gc();
  const samplesNs = new Float64Array(signals.length);
  for (let i = 0; i < signals.length; i++) {
    const t0 = process.hrtime.bigint();
    feed(signals[i]);
    samplesNs[i] = Number(process.hrtime.bigint() - t0);
    if (i % BATCH === BATCH - 1) settle();
  }
  samplesNs.sort();
  const at = (q: number) =>
    samplesNs[Math.min(samplesNs.length - 1, Math.floor(q * samplesNs.length))] / 1000;
  return { p50Us: Number(at(0.5).toFixed(3)), p99Us: Number(at(0.99).toFixed(3)) };
};

const agree = (ours: Tally, base: Tally): void => {
  const gates = new Set([...Object.keys(ours.denied), ...Object.keys(base.denied)]);
  const deniedDiffer = [...gates].filter((gate) => ours.denied[gate] !== base.denied[gate]);
  if (
    ours.orders !== base.orders ||
    ours.limits !== base.limits ||
    Math.abs(ours.checksum - base.checksum) > 1e-9 * Math.abs(base.checksum) ||
    deniedDiffer.length > 0
  ) {
    throw new Error(
      `bench/decision-modules.ts: ours and the baseline disagree (orders ${ours.orders} vs ${base.orders}, LIMIT ${ours.limits} vs ${base.limits}, checksum ${ours.checksum} vs ${base.checksum}, denials ${JSON.stringify(ours.denied)} vs ${JSON.stringify(base.denied)}); fix the baseline`,
    );
  }
};

const started = process.hrtime.bigint();
const signals = makeSignals(decisionCount);
// Warm both paths up so the JIT has compiled them before timing.
const warm = signals.slice(0, Math.min(50_000, decisionCount));
agree(throughput(oursChain, warm).tally, throughput(baselineChain, warm).tally);
const rounds = 3;
let oursBest: ReturnType<typeof throughput> | undefined;
let baseBest: ReturnType<typeof throughput> | undefined;
for (let round = 0; round < rounds; round++) {
  const ours = throughput(oursChain, signals);
  const base = throughput(baselineChain, signals);
  agree(ours.tally, base.tally);
  if (oursBest === undefined || ours.decisionsPerSec > oursBest.decisionsPerSec) oursBest = ours;
  if (baseBest === undefined || base.decisionsPerSec > baseBest.decisionsPerSec) baseBest = base;
}
const sample = signals.slice(0, latencySamples);
const oursLatency = latency(oursChain, sample);
const baseLatency = latency(baselineChain, sample);
const ours = oursBest!;
const base = baseBest!;
const silent =
  decisionCount - ours.tally.orders - Object.values(ours.tally.denied).reduce((a, b) => a + b, 0);
const result = {
  bench: 'decision-modules',
  question:
    'cost of one decision (Signal → order requests/denials) with every decision module on vs one hand-written function',
  decisions: decisionCount,
  latencySamples,
  symbols: SYMBOL_COUNT,
  openPositions: positions.length,
  config: 'examples/all-modules.yaml',
  node: process.version,
  src: srcState(),
  outcomes: {
    orders: ours.tally.orders,
    limitOrders: ours.tally.limits,
    marketOrders: ours.tally.orders - ours.tally.limits,
    deniedByGate: ours.tally.denied,
    belowMinConfidence: silent,
    // Counted by the baseline (which agreed with ours on every order and denial).
    shrunkByPba: base.detail?.pbaShrunk,
    shrunkByAelm: base.detail?.aelmShrunk,
    twapFirstSlices: base.detail?.twapFirstSlices,
    aelmAbstained: base.detail?.aelmAbstained,
  },
  ours: { decisionsPerSec: ours.decisionsPerSec, elapsedMs: Math.round(ours.elapsedMs), ...oursLatency },
  baseline: { decisionsPerSec: base.decisionsPerSec, elapsedMs: Math.round(base.elapsedMs), ...baseLatency },
  ratio: Number((base.decisionsPerSec / ours.decisionsPerSec).toFixed(2)),
  ratioP50: Number((oursLatency.p50Us / baseLatency.p50Us).toFixed(2)),
  ratioP99: Number((oursLatency.p99Us / baseLatency.p99Us).toFixed(2)),
  targetP50Us: TARGET_P50_US,
  targetP99Us: TARGET_P99_US,
  meetsTarget: oursLatency.p50Us <= TARGET_P50_US && oursLatency.p99Us <= TARGET_P99_US,
  seconds: Number((Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
console.table({
  'stage handlers (ours)': {
    'decisions/s': ours.decisionsPerSec,
    'ms total': Math.round(ours.elapsedMs),
    'p50 µs': oursLatency.p50Us,
    'p99 µs': oursLatency.p99Us,
    'ours / baseline': result.ratio,
  },
  'hand-written (baseline)': {
    'decisions/s': base.decisionsPerSec,
    'ms total': Math.round(base.elapsedMs),
    'p50 µs': baseLatency.p50Us,
    'p99 µs': baseLatency.p99Us,
    'ours / baseline': 1,
  },
});
console.log(
  `orders ${result.outcomes.orders} (${result.outcomes.limitOrders} post-only LIMIT), denied ${JSON.stringify(result.outcomes.deniedByGate)}, ${silent} below minConfidence; ` +
    `targets p50 ≤ ${TARGET_P50_US} µs, p99 ≤ ${TARGET_P99_US} µs: ${result.meetsTarget ? 'met' : 'NOT met'}`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/decision-modules.json', `${JSON.stringify(result, null, 2)}\n`);
