// Question: what does the rxjs feature operator cost per candle compared with computing the same
// default features in a plain loop? Target: `featureVectors` with DEFAULT_FEATURES ≥ 1 M candles/s
// single-symbol and ≤ 3× slower than the hand-written loop over the same indicator classes.
//
// Runs: (a) `from(klines).pipe(featureVectors())` subscribed synchronously; (b) baseline: one loop
// calling the same indicator classes directly into a reused Float64Array (no rxjs, no vector
// objects); (c) reference: an all-inline loop for EMA12 + RSI14 + ATR14 only (the "62 M/s" kind of
// number, to show what raw arithmetic costs). Prints a JSON line and a table; writes
// bench/results/features.json. Usage: `npx tsx bench/features.ts [candles=200000]`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { from } from 'rxjs';
import type { Kline } from '../src/domain/kline.js';
import { createPrng } from '../src/domain/prng.js';
import { DEFAULT_FEATURES } from '../src/features/feature-names.js';
import { Atr } from '../src/features/indicators/atr.js';
import { Bollinger } from '../src/features/indicators/bollinger.js';
import { Dmi } from '../src/features/indicators/dmi.js';
import { Ema } from '../src/features/indicators/ema.js';
import { LogReturn } from '../src/features/indicators/log-return.js';
import { Macd } from '../src/features/indicators/macd.js';
import { RealizedVolatility } from '../src/features/indicators/realized-volatility.js';
import { Roc } from '../src/features/indicators/roc.js';
import { Rsi } from '../src/features/indicators/rsi.js';
import { VolumeZScore } from '../src/features/indicators/volume-z-score.js';
import { featureVectors } from '../src/operators/feature-vector.js';

const candleCount = Number(process.argv[2] ?? 200_000);
const rounds = 5;

/** A seeded random walk with plausible OHLCV (1m candles of a ~10 USDT coin). */
const makeKlines = (count: number): Kline[] => {
  const prng = createPrng(42);
  const klines: Kline[] = [];
  let close = 10;
  const start = 1_769_904_000_000;
  for (let i = 0; i < count; i++) {
    const open = close;
    close = open * Math.exp(prng.normal() * 0.001);
    const high = Math.max(open, close) * (1 + prng.next() * 0.0005);
    const low = Math.min(open, close) * (1 - prng.next() * 0.0005);
    const volume = Math.round(10_000 + prng.next() * 40_000);
    klines.push({
      kind: 'kline',
      symbol: 'AVAXUSDT',
      interval: '1m',
      openTime: start + i * 60_000,
      ts: start + (i + 1) * 60_000,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: volume * close,
      trades: 100,
      takerBuyVolume: volume / 2,
    });
  }
  return klines;
};

/** Best of `rounds` runs, in candles per second (best = least disturbed by GC and the OS). */
const measure = (run: () => number): { candlesPerSecond: number; checksum: number } => {
  let best = Number.POSITIVE_INFINITY;
  let checksum = 0;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    checksum = run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (seconds < best) best = seconds;
  }
  return { candlesPerSecond: candleCount / best, checksum };
};

const klines = makeKlines(candleCount);

const viaOperator = measure(() => {
  let checksum = 0;
  from(klines)
    .pipe(featureVectors({ features: [...DEFAULT_FEATURES] }))
    .subscribe((vector) => {
      const last = vector.values[vector.values.length - 1];
      if (!Number.isNaN(last)) checksum += last;
    });
  return checksum;
});

const viaLoop = measure(() => {
  // The same 18 features as DEFAULT_FEATURES, same classes, written in the same order.
  const ema12 = new Ema({ period: 12 });
  const ema26 = new Ema({ period: 26 });
  const rsi = new Rsi({ period: 14 });
  const macd = new Macd({ fast: 12, slow: 26, signal: 9 });
  const atr = new Atr({ period: 14 });
  const dmi = new Dmi({ period: 14 });
  const bb = new Bollinger({ period: 20, nbdev: 2 });
  const roc = new Roc({ period: 10 });
  const logret = new LogReturn({ period: 1 });
  const rvol = new RealizedVolatility({ period: 20 });
  const volz = new VolumeZScore({ period: 20 });
  const values = new Float64Array(18);
  let checksum = 0;
  for (let i = 0; i < klines.length; i++) {
    const k = klines[i];
    const h = k.high;
    const l = k.low;
    const c = k.close;
    const v = k.volume;
    ema12.update(h, l, c, v);
    values[0] = ema12.out[0];
    ema26.update(h, l, c, v);
    values[1] = ema26.out[0];
    rsi.update(h, l, c, v);
    values[2] = rsi.out[0];
    macd.update(h, l, c, v);
    values[3] = macd.out[0];
    values[4] = macd.out[1];
    values[5] = macd.out[2];
    atr.update(h, l, c, v);
    values[6] = atr.out[0];
    values[7] = atr.out[1];
    dmi.update(h, l, c, v);
    values[8] = dmi.out[0];
    values[9] = dmi.out[1];
    values[10] = dmi.out[2];
    bb.update(h, l, c, v);
    values[11] = bb.out[0];
    values[12] = bb.out[1];
    values[13] = bb.out[2];
    roc.update(h, l, c, v);
    values[14] = roc.out[0];
    logret.update(h, l, c, v);
    values[15] = logret.out[0];
    rvol.update(h, l, c, v);
    values[16] = rvol.out[0];
    volz.update(h, l, c, v);
    values[17] = volz.out[0];
    const last = values[17];
    if (!Number.isNaN(last)) checksum += last;
  }
  return checksum;
});

const viaInline = measure(() => {
  // EMA12 + RSI14 + ATR14 with TA-Lib's arithmetic, all inline, no objects.
  let ema = 0;
  let seed = 0;
  let gain = 0;
  let loss = 0;
  let atr = 0;
  let prevClose = 0;
  let checksum = 0;
  const k = 2 / 13;
  for (let i = 0; i < klines.length; i++) {
    const kline = klines[i];
    const c = kline.close;
    if (i < 12) {
      seed += c;
      if (i === 11) ema = seed / 12;
    } else ema = (c - ema) * k + ema;
    if (i > 0) {
      const change = c - prevClose;
      const tr = Math.max(
        kline.high - kline.low,
        Math.abs(kline.high - prevClose),
        Math.abs(kline.low - prevClose),
      );
      if (i <= 14) {
        if (change < 0) loss -= change;
        else gain += change;
        atr += tr;
        if (i === 14) {
          gain /= 14;
          loss /= 14;
          atr /= 14;
        }
      } else {
        gain = (gain * 13 + Math.max(change, 0)) / 14;
        loss = (loss * 13 + Math.max(-change, 0)) / 14;
        atr = (atr * 13 + tr) / 14;
      }
      if (i >= 14) checksum += ema + (100 * gain) / (gain + loss) + atr;
    }
    prevClose = c;
  }
  return checksum;
});

const ratio = viaLoop.candlesPerSecond / viaOperator.candlesPerSecond;
const summary = {
  bench: 'features',
  candles: candleCount,
  features: DEFAULT_FEATURES.length,
  operatorCandlesPerSecond: Math.round(viaOperator.candlesPerSecond),
  loopCandlesPerSecond: Math.round(viaLoop.candlesPerSecond),
  inlineEmaRsiAtrCandlesPerSecond: Math.round(viaInline.candlesPerSecond),
  loopOverOperatorRatio: Number(ratio.toFixed(2)),
  targetMet: viaOperator.candlesPerSecond >= 1e6 && ratio <= 3,
  sameChecksum: viaOperator.checksum === viaLoop.checksum,
  node: process.version,
};
console.log(JSON.stringify(summary));
console.table([
  { run: 'hand-written loop, same classes (baseline)', 'candles/s': summary.loopCandlesPerSecond, ratio: 1 },
  {
    run: 'featureVectors operator (rxjs)',
    'candles/s': summary.operatorCandlesPerSecond,
    ratio: Number((1 / ratio).toFixed(3)),
  },
  {
    run: 'inline EMA12+RSI14+ATR14 only (reference)',
    'candles/s': summary.inlineEmaRsiAtrCandlesPerSecond,
    ratio: Number((viaInline.candlesPerSecond / viaLoop.candlesPerSecond).toFixed(2)),
  },
]);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/features.json', `${JSON.stringify(summary, null, 2)}\n`);
