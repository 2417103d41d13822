// Question: how many klines per second can SimExchange.onMarket match while every symbol holds a
// position with a resting bracket (stop-loss + take-profit, liquidation watch, funding), and what
// does that cost compared with a bare loop that reads the same kline fields and compares them with
// the same two levels (the least any matcher must do)?
// Data: seeded synthetic 1m random walks (σ 0.1 %/min, wicks), 20 symbols × 25 000 candles =
// 500 000 klines, interleaved by time as a backtest feeds them. When a bracket fires, the bench
// re-enters that symbol on the next candle (MARKET entry + new bracket), so brackets always rest.
// Prints a JSON line and a table (ratio = baseline / SimExchange); writes bench/results/exchange.json.
// Usage: `node --expose-gc --import tsx bench/exchange.ts [candlesPerSymbol=25000]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createPrng, type Kline, type OrderRequest } from '../src/domain/index.js';
import { SimExchange } from '../src/exchange/sim-exchange.js';

const candlesPerSymbol = Number(process.argv[2] ?? 25_000);
const SYMBOLS = Array.from({ length: 20 }, (_, i) => `SYM${i}USDT`);
const T0 = Date.UTC(2024, 0, 1);
const BRACKET = 0.02;

const makeKlines = (): Kline[] => {
  const prng = createPrng('exchange-bench');
  const prices = SYMBOLS.map(() => 100);
  const klines: Kline[] = [];
  for (let i = 0; i < candlesPerSymbol; i++) {
    for (let s = 0; s < SYMBOLS.length; s++) {
      const open = prices[s];
      const close = open * Math.exp(prng.normal() * 0.001);
      const wick = Math.abs(prng.normal()) * 0.0005;
      klines.push({
        kind: 'kline',
        symbol: SYMBOLS[s],
        interval: '1m',
        openTime: T0 + i * 60_000,
        ts: T0 + (i + 1) * 60_000,
        open,
        high: Math.max(open, close) * (1 + wick),
        low: Math.min(open, close) * (1 - wick),
        close,
        volume: 1_000,
        quoteVolume: 1_000 * close,
        trades: 100,
        takerBuyVolume: 500,
      });
      prices[s] = close;
    }
  }
  return klines;
};

const tick = (price: number): number => Math.round(price * 1e4) / 1e4;

/** Entry + bracket for a symbol at `price`, sent at `ts`. */
const bracketOrders = (symbol: string, price: number, ts: number, n: number): OrderRequest[] => {
  const base = {
    kind: 'order-request',
    intentId: `${symbol}-${n}`,
    symbol,
    ts,
    positionSide: 'LONG',
    qty: 1,
  } as const;
  return [
    {
      ...base,
      clientOrderId: `en-${symbol}-${n}`,
      side: 'BUY',
      type: 'MARKET',
      reduceOnly: false,
      purpose: 'ENTRY',
      leverage: 5,
    },
    {
      ...base,
      clientOrderId: `sl-${symbol}-${n}`,
      side: 'SELL',
      type: 'STOP_MARKET',
      stopPrice: tick(price * (1 - BRACKET)),
      reduceOnly: true,
      purpose: 'STOP_LOSS',
    },
    {
      ...base,
      clientOrderId: `tp-${symbol}-${n}`,
      side: 'SELL',
      type: 'TAKE_PROFIT_MARKET',
      stopPrice: tick(price * (1 + BRACKET)),
      reduceOnly: true,
      purpose: 'TAKE_PROFIT',
    },
  ];
};

const runSim = (klines: readonly Kline[]) => {
  const venue = new SimExchange(
    { initialBalanceUsdt: 1_000_000, slippage: { model: 'volatility' } },
    createPrng(1),
  );
  let events = 0;
  let fills = 0;
  const flat = new Set<string>(SYMBOLS);
  venue.events$.subscribe((event) => {
    events++;
    if (event.kind !== 'fill') return;
    fills++;
    if (event.reduceOnly) flat.add(event.symbol);
  });
  let entries = 0;
  const started = performance.now();
  for (const kline of klines) {
    venue.onMarket(kline);
    if (flat.has(kline.symbol)) {
      flat.delete(kline.symbol);
      for (const order of bracketOrders(kline.symbol, kline.close, kline.ts, entries++))
        venue.createOrder(order);
    }
  }
  const elapsedMs = performance.now() - started;
  venue.close(klines[klines.length - 1].ts);
  return { elapsedMs, klinesPerSec: Math.round(klines.length / (elapsedMs / 1000)), events, fills, entries };
};

/** The floor: read each kline's fields and test them against the symbol's two bracket levels. */
const runBaseline = (klines: readonly Kline[]) => {
  const stops = new Map<string, number>();
  const targets = new Map<string, number>();
  let touches = 0;
  let checksum = 0;
  const started = performance.now();
  for (const kline of klines) {
    const stop = stops.get(kline.symbol);
    const target = targets.get(kline.symbol);
    if (stop === undefined || target === undefined || kline.low <= stop || kline.high >= target) {
      if (stop !== undefined) touches++;
      stops.set(kline.symbol, kline.close * (1 - BRACKET));
      targets.set(kline.symbol, kline.close * (1 + BRACKET));
    }
    checksum += kline.open + kline.close + kline.volume + (kline.ts - kline.openTime) * 1e-9;
  }
  const elapsedMs = performance.now() - started;
  return { elapsedMs, klinesPerSec: Math.round(klines.length / (elapsedMs / 1000)), touches, checksum };
};

const gc = (globalThis as { gc?: () => void }).gc;
const klines = makeKlines();
let sim: ReturnType<typeof runSim> | undefined;
let loop: ReturnType<typeof runBaseline> | undefined;
// Best of three: the first runs pay for JIT warm-up.
for (let run = 0; run < 3; run++) {
  gc?.();
  const s = runSim(klines);
  if (sim === undefined || s.klinesPerSec > sim.klinesPerSec) sim = s;
  gc?.();
  const b = runBaseline(klines);
  if (loop === undefined || b.klinesPerSec > loop.klinesPerSec) loop = b;
}
if (sim === undefined || loop === undefined) throw new Error('bench/exchange.ts: no run completed');
const result = {
  bench: 'exchange',
  question:
    'SimExchange.onMarket klines/s with a resting bracket per symbol vs a bare loop over the same fields',
  klines: klines.length,
  symbols: SYMBOLS.length,
  node: process.version,
  sim: {
    klinesPerSec: sim.klinesPerSec,
    elapsedMs: Math.round(sim.elapsedMs),
    events: sim.events,
    fills: sim.fills,
    entries: sim.entries,
  },
  baseline: { klinesPerSec: loop.klinesPerSec, elapsedMs: Math.round(loop.elapsedMs), touches: loop.touches },
  ratioBaselineOverSim: Number((loop.klinesPerSec / sim.klinesPerSec).toFixed(2)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
console.table({
  'SimExchange.onMarket': {
    'klines/s': sim.klinesPerSec,
    'ms total': Math.round(sim.elapsedMs),
    'events out': sim.events,
    ratio: 1,
  },
  'bare loop (baseline)': {
    'klines/s': loop.klinesPerSec,
    'ms total': Math.round(loop.elapsedMs),
    'events out': 0,
    ratio: result.ratioBaselineOverSim,
  },
});
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/exchange.json', `${JSON.stringify(result, null, 2)}\n`);
