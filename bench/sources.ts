// Question: how fast do we parse a Binance CSV vs a bare split loop? Our `parseKlineCsv` (header
// detection, µs/ms per value, every bad-input check, sequence/gap checks, domain Kline objects)
// against the least any parser must do: split each line on ',' and build the same Kline with
// Number() and no checks. Two more sources a backtest reads, each with its floor in the same run:
// the k-way `klineReplay` merge vs a plain loop over the already merged array (its floor), and the
// seeded `syntheticMarket` vs a bare random walk building the same objects (one normal per candle).
// Data: AVAXUSDT + LINKUSDT 1m Feb 2026 (80,640 rows) from ../shared/data/klines when present,
// else the same count of synthetic rows written as CSV. Text is in memory: I/O is not measured.
// Prints a JSON line and a table (ratio = baseline / ours); writes bench/results/sources.json.
// Usage: `node --expose-gc --import tsx bench/sources.ts [syntheticCandlesPerSymbol=200000]`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrng, type Kline } from '../src/domain/index.js';
import { parseKlineCsv } from '../src/streams/kline-csv.js';
import { klineReplay } from '../src/streams/merge-by-event-time.js';
import { syntheticMarket } from '../src/streams/synthetic-market.js';

const candlesPerSymbol = Number(process.argv[2] ?? 200_000);
const DATA = '../shared/data/klines';
const REAL_FILES = ['AVAXUSDT-1m-2026-02.csv', 'LINKUSDT-1m-2026-02.csv'];
const RUNS = 5;
const gc = (globalThis as { gc?: () => void }).gc;

interface CsvInput {
  readonly name: string;
  readonly text: string;
  readonly rows: number;
}

const csvInputs = (): CsvInput[] => {
  if (REAL_FILES.every((f) => existsSync(`${DATA}/${f}`))) {
    return REAL_FILES.map((name) => {
      const text = readFileSync(`${DATA}/${name}`, 'utf8');
      return { name, text, rows: text.trimEnd().split('\n').length - 1 };
    });
  }
  return syntheticMarket({ count: 40_320 })
    .slice(0, 2)
    .map((series) => {
      const lines = series.map((k) =>
        [
          k.openTime,
          k.open,
          k.high,
          k.low,
          k.close,
          k.volume,
          k.ts - 1,
          k.quoteVolume,
          k.trades,
          k.takerBuyVolume,
          0,
          0,
        ].join(','),
      );
      return { name: `${series[0].symbol}-1m-synthetic.csv`, text: lines.join('\n'), rows: lines.length };
    });
};

/** The floor: split and Number() into the same Kline objects, no checks, symbol/interval given. */
const bareParse = (text: string, symbol: string): Kline[] => {
  const klines: Kline[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].split(',');
    if (f.length < 12) continue;
    const openTime = Number(f[0]);
    klines.push({
      kind: 'kline',
      symbol,
      interval: '1m',
      openTime,
      ts: openTime + 60_000,
      open: Number(f[1]),
      high: Number(f[2]),
      low: Number(f[3]),
      close: Number(f[4]),
      volume: Number(f[5]),
      quoteVolume: Number(f[7]),
      trades: Number(f[8]),
      takerBuyVolume: Number(f[9]),
    });
  }
  return klines;
};

/** Best (highest) rate of RUNS timed runs; the first runs pay for JIT warm-up. */
const bestRate = (units: number, run: () => number): { perSec: number; ms: number; check: number } => {
  let best = { perSec: 0, ms: 0, check: 0 };
  for (let r = 0; r < RUNS; r++) {
    gc?.();
    const started = performance.now();
    const check = run();
    const ms = performance.now() - started;
    const perSec = Math.round(units / (ms / 1000));
    if (perSec > best.perSec) best = { perSec, ms: Math.round(ms * 10) / 10, check };
  }
  return best;
};

const inputs = csvInputs();
const csvRows = inputs.reduce((sum, input) => sum + input.rows, 0);
const ours = bestRate(csvRows, () => {
  let n = 0;
  for (const input of inputs) n += parseKlineCsv(input.text, input.name).klines.length;
  return n;
});
const bare = bestRate(csvRows, () => {
  let n = 0;
  for (const input of inputs) n += bareParse(input.text, input.name.split('-')[0]).length;
  return n;
});
if (ours.check !== bare.check)
  throw new Error(`bench/sources.ts: parsers disagree (${ours.check} vs ${bare.check} rows)`);

const series = syntheticMarket({ count: candlesPerSymbol, seed: 1 });
const mergedEvents = series.reduce((sum, s) => sum + s.length, 0);
const flat: Kline[] = [];
klineReplay(series).subscribe((k) => flat.push(k));
const merge = bestRate(mergedEvents, () => {
  let sum = 0;
  klineReplay(series).subscribe((k) => {
    sum += k.close;
  });
  return sum;
});
const flatLoop = bestRate(mergedEvents, () => {
  let sum = 0;
  for (let i = 0; i < flat.length; i++) sum += flat[i].close;
  return sum;
});

const synthetic = bestRate(mergedEvents, () => syntheticMarket({ count: candlesPerSymbol, seed: 2 }).length);
const walk = bestRate(mergedEvents, () => {
  const prng = createPrng(2);
  const out: Kline[][] = [];
  for (let s = 0; s < 3; s++) {
    let price = 100;
    const klines: Kline[] = new Array(candlesPerSymbol);
    for (let t = 0; t < candlesPerSymbol; t++) {
      const close = price * Math.exp(0.001 * prng.normal());
      klines[t] = {
        kind: 'kline',
        symbol: 'BTCUSDT',
        interval: '1m',
        openTime: t * 60_000,
        ts: (t + 1) * 60_000,
        open: price,
        high: Math.max(price, close),
        low: Math.min(price, close),
        close,
        volume: 1,
        quoteVolume: close,
        trades: 1,
        takerBuyVolume: 0,
      };
      price = close;
    }
    out.push(klines);
  }
  return out.length;
});

const ratio = (baseline: number, measured: number): number => Number((baseline / measured).toFixed(2));
const result = {
  bench: 'sources',
  question:
    'how fast do we parse a Binance CSV vs a bare split loop? (plus merge and synthetic vs their floors)',
  node: process.version,
  csv: {
    files: inputs.map((i) => i.name),
    rows: csvRows,
    oursRowsPerSec: ours.perSec,
    oursMs: ours.ms,
    bareRowsPerSec: bare.perSec,
    bareMs: bare.ms,
    ratioBareOverOurs: ratio(bare.perSec, ours.perSec),
  },
  merge: {
    symbols: series.length,
    events: mergedEvents,
    klineReplayEventsPerSec: merge.perSec,
    flatLoopEventsPerSec: flatLoop.perSec,
    ratioFlatOverReplay: ratio(flatLoop.perSec, merge.perSec),
  },
  synthetic: {
    candles: mergedEvents,
    syntheticMarketCandlesPerSec: synthetic.perSec,
    bareRandomWalkCandlesPerSec: walk.perSec,
    ratioWalkOverSynthetic: ratio(walk.perSec, synthetic.perSec),
  },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
console.table({
  'parseKlineCsv (ours)': { 'per sec': ours.perSec, ms: ours.ms, ratio: 1 },
  'split + Number (baseline)': { 'per sec': bare.perSec, ms: bare.ms, ratio: result.csv.ratioBareOverOurs },
  'klineReplay merge (ours)': { 'per sec': merge.perSec, ms: merge.ms, ratio: 1 },
  'loop over merged array (floor)': {
    'per sec': flatLoop.perSec,
    ms: flatLoop.ms,
    ratio: result.merge.ratioFlatOverReplay,
  },
  'syntheticMarket (ours)': { 'per sec': synthetic.perSec, ms: synthetic.ms, ratio: 1 },
  'bare random walk (floor)': {
    'per sec': walk.perSec,
    ms: walk.ms,
    ratio: result.synthetic.ratioWalkOverSynthetic,
  },
});
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/sources.json', `${JSON.stringify(result, null, 2)}\n`);
