// Tiny builders for test data: every field has a plain default, a test overrides only what it
// is about (`kline({ close: 101 })`). Shared by every test under test/.
import type {
  ExecutionResult,
  FeatureVector,
  Fill,
  Kline,
  ModelPrediction,
  PortfolioSnapshot,
  Position,
  Signal,
  SizingDecision,
  TradeIntent,
} from '../src/domain/index.js';

/** A closed 1m candle; high/low default to the max/min of open and close. */
export const kline = (overrides: Partial<Kline> = {}): Kline => {
  const ts = overrides.ts ?? 60_000;
  const close = overrides.close ?? 100;
  const open = overrides.open ?? close;
  return {
    kind: 'kline',
    symbol: 'BTCUSDT',
    interval: '1m',
    openTime: ts - 60_000,
    ts,
    open,
    high: Math.max(open, close),
    low: Math.min(open, close),
    close,
    volume: 10,
    quoteVolume: 10 * close,
    trades: 5,
    takerBuyVolume: 5,
    ...overrides,
  };
};

/** A feature vector with the given named features (NaN = warming up) on `kline(klineOverrides)`. */
export const vector = (
  features: Record<string, number>,
  klineOverrides: Partial<Kline> = {},
  names: readonly string[] = Object.keys(features),
): FeatureVector => {
  const candle = kline(klineOverrides);
  return {
    kind: 'feature-vector',
    symbol: candle.symbol,
    ts: candle.ts,
    kline: candle,
    names,
    values: names.map((name) => features[name] ?? Number.NaN),
  };
};

export const prediction = (overrides: Partial<ModelPrediction> = {}): ModelPrediction => ({
  kind: 'model-prediction',
  symbol: 'BTCUSDT',
  ts: 60_000,
  model: 'm',
  action: 'BUY',
  confidence: 0.8,
  ...overrides,
});

export const signal = (overrides: Partial<Signal> = {}): Signal => ({
  kind: 'signal',
  symbol: 'BTCUSDT',
  ts: 60_000,
  action: 'BUY',
  confidence: 0.8,
  votes: [],
  price: 100,
  ...overrides,
});

export const intent = (overrides: Partial<TradeIntent> = {}): TradeIntent => ({
  kind: 'trade-intent',
  id: `${overrides.symbol ?? 'BTCUSDT'}-${overrides.ts ?? 60_000}-${overrides.side ?? 'LONG'}`,
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'LONG',
  price: 100,
  confidence: 0.8,
  strategy: 'test',
  reason: 'test',
  ...overrides,
});

export const sizing = (overrides: Partial<SizingDecision> = {}): SizingDecision => ({
  kind: 'sizing-decision',
  intentId: `${overrides.symbol ?? 'BTCUSDT'}-${overrides.ts ?? 60_000}-${overrides.side ?? 'LONG'}`,
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'LONG',
  price: 100,
  qty: 10,
  notionalUsdt: 1000,
  leverage: 3,
  stopPrice: 98,
  takeProfitPrice: 104,
  riskPerUnit: 2,
  method: 'fixed-fraction',
  ...overrides,
});

export const position = (overrides: Partial<Position> = {}): Position => ({
  symbol: 'BTCUSDT',
  side: 'LONG',
  qty: 10,
  entryPrice: 100,
  leverage: 3,
  marginUsdt: 333.33,
  liquidationPrice: 67,
  markPrice: 100,
  unrealizedPnlUsdt: 0,
  openedTs: 0,
  intentId: 'BTCUSDT-0-LONG',
  ...overrides,
});

/** Account state; equity-derived fields follow `equityUsdt` unless overridden. */
export const snapshot = (overrides: Partial<PortfolioSnapshot> = {}): PortfolioSnapshot => {
  const equityUsdt = overrides.equityUsdt ?? 10_000;
  return {
    kind: 'portfolio-snapshot',
    ts: 60_000,
    walletUsdt: equityUsdt,
    unrealizedPnlUsdt: 0,
    equityUsdt,
    usedMarginUsdt: 0,
    availableUsdt: equityUsdt,
    grossExposureUsdt: 0,
    netExposureUsdt: 0,
    realizedPnlUsdt: 0,
    feesUsdt: 0,
    fundingUsdt: 0,
    peakEquityUsdt: equityUsdt,
    drawdownPct: 0,
    dayStartEquityUsdt: equityUsdt,
    positions: [],
    lastExitTs: {},
    workingEntries: [],
    ...overrides,
  };
};

export const fill = (overrides: Partial<Fill> = {}): Fill => ({
  kind: 'fill',
  clientOrderId: 'c',
  intentId: 'BTCUSDT-60000-LONG',
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'BUY',
  positionSide: 'LONG',
  purpose: 'ENTRY',
  qty: 10,
  price: 100,
  feeUsdt: 0.4,
  liquidity: 'TAKER',
  slippageUsdt: 0,
  reduceOnly: false,
  ...overrides,
});

export const execution = (overrides: Partial<ExecutionResult> = {}): ExecutionResult => ({
  kind: 'execution-result',
  clientOrderId: 'c',
  intentId: 'BTCUSDT-60000-LONG',
  symbol: 'BTCUSDT',
  ts: 60_000,
  side: 'SELL',
  type: 'STOP_MARKET',
  purpose: 'STOP_LOSS',
  status: 'NEW',
  qty: 10,
  filledQty: 0,
  avgPrice: 0,
  feeUsdt: 0,
  fills: [],
  ...overrides,
});
