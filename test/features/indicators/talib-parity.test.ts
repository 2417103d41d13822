// Every feature kind against TA-Lib (the `talib` native binding) over the real AVAXUSDT 1m month
// (40,320 candles): the first value is at TA-Lib's begIndex (= our documented lookback) and every
// later value is within |ours − talib| ≤ 1e-9·max(1, |talib|) — relative 1e-9 for values of
// magnitude ≥ 1, absolute 1e-9 for values near 0 (MACD histogram, log returns, volatility), where a
// relative bound is meaningless. The full month also checks that running sums do not drift away.
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../../src/domain/prng.js';
import { parseFeatureName } from '../../../src/features/feature-names.js';
import { createFeatureEngine } from '../../../src/features/indicators/feature-engine.js';
import { requires } from '../../requirements.js';
import { type CandleColumns, readCandleColumns } from './real-candles.js';

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
}
interface Talib {
  execute(request: Record<string, unknown>): TalibResult;
}
/** The binding, or undefined when it is not installed (an optional dependency that compiles from source). */
const loadTalib = (): Talib | undefined => {
  try {
    return createRequire(import.meta.url)('talib') as Talib;
  } catch {
    return undefined;
  }
};
const loaded = loadTalib();
const hasTalib = requires(
  loaded === undefined
    ? 'needs the talib binding (an optional dependency built from source at npm install: needs python3, make and g++)'
    : undefined,
);
const talib = loaded as Talib;

const candles = readCandleColumns();

/** TA-Lib output `key` placed on the full candle axis (NaN before begIndex), plus begIndex. */
const talibSeries = (request: Record<string, unknown>, key: string, length: number, shift = 0) => {
  const response = talib.execute({ startIdx: 0, endIdx: length - 1 - shift, ...request });
  const series = new Array<number>(length).fill(Number.NaN);
  const values = response.result[key];
  for (let i = 0; i < response.nbElement; i++) series[response.begIndex + shift + i] = values[i];
  return { series, begIndex: response.begIndex + shift };
};

/** Our values of one feature over all candles, through the same engine the operator uses. */
const ourSeries = (name: string, c: CandleColumns): number[] => {
  const state = createFeatureEngine([name]).createState();
  const value = [Number.NaN];
  const series = new Array<number>(c.close.length);
  for (let i = 0; i < c.close.length; i++) {
    state.update(c.high[i], c.low[i], c.close[i], c.volume[i], value);
    series[i] = value[0];
  }
  return series;
};

const referenceOf = (name: string, c: CandleColumns): { series: number[]; begIndex: number } => {
  const n = c.close.length;
  const spec = parseFeatureName(name);
  const [p0, p1, p2] = spec.params;
  const hlc = { high: c.high, low: c.low, close: c.close };
  const single = (fn: string, inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    talibSeries({ name: fn, ...inputs, optInTimePeriod: p0, ...extra }, 'outReal', n);
  switch (spec.kind) {
    case 'ema':
    case 'sma':
    case 'wma':
    case 'rsi':
    case 'roc':
      return single(spec.kind.toUpperCase(), { inReal: c.close });
    case 'atr':
    case 'natr':
    case 'adx':
    case 'plus_di':
    case 'minus_di':
    case 'cci':
    case 'willr':
      return single(spec.kind.toUpperCase(), hlc);
    case 'mfi':
      return single('MFI', { ...hlc, volume: c.volume });
    case 'obv':
      return talibSeries({ name: 'OBV', inReal: c.close, volume: c.volume }, 'outReal', n);
    case 'macd':
    case 'macd_signal':
    case 'macd_hist': {
      const key = { macd: 'outMACD', macd_signal: 'outMACDSignal', macd_hist: 'outMACDHist' }[spec.kind];
      const request = {
        name: 'MACD',
        inReal: c.close,
        optInFastPeriod: p0,
        optInSlowPeriod: p1,
        optInSignalPeriod: p2,
      };
      return talibSeries(request, key, n);
    }
    case 'bb_upper':
    case 'bb_middle':
    case 'bb_lower': {
      const key = {
        bb_upper: 'outRealUpperBand',
        bb_middle: 'outRealMiddleBand',
        bb_lower: 'outRealLowerBand',
      }[spec.kind];
      const request = {
        name: 'BBANDS',
        inReal: c.close,
        optInTimePeriod: p0,
        optInNbDevUp: p1,
        optInNbDevDn: p1,
        optInMAType: 0,
      };
      return talibSeries(request, key, n);
    }
    case 'stoch_k':
    case 'stoch_d': {
      const request = {
        name: 'STOCH',
        ...hlc,
        optInFastK_Period: p0,
        optInSlowK_Period: p1,
        optInSlowK_MAType: 0,
        optInSlowD_Period: p1,
        optInSlowD_MAType: 0,
      };
      return talibSeries(request, spec.kind === 'stoch_k' ? 'outSlowK' : 'outSlowD', n);
    }
    case 'logret': {
      // ln(ROCR(close, N)) with TA-Lib's own LN.
      const ratio = talibSeries({ name: 'ROCR', inReal: c.close, optInTimePeriod: p0 }, 'outReal', n);
      const ratios = ratio.series.slice(ratio.begIndex);
      return talibSeries({ name: 'LN', inReal: ratios }, 'outReal', n, ratio.begIndex);
    }
    case 'rvol': {
      // STDDEV(ln(ROCR(close, 1)), N, 1): population standard deviation of 1-candle log returns.
      const ratio = talibSeries({ name: 'ROCR', inReal: c.close, optInTimePeriod: 1 }, 'outReal', n);
      const logReturns = talibSeries({ name: 'LN', inReal: ratio.series.slice(1) }, 'outReal', n, 1);
      const request = {
        name: 'STDDEV',
        inReal: logReturns.series.slice(1),
        optInTimePeriod: p0,
        optInNbDev: 1,
      };
      return talibSeries(request, 'outReal', n, 1);
    }
    case 'volz': {
      // (v − SMA(v, N)) / STDDEV(v, N, 1), 0 when the deviation is 0.
      const mean = single('SMA', { inReal: c.volume });
      const deviation = single('STDDEV', { inReal: c.volume }, { optInNbDev: 1 });
      const series = c.volume.map((v, i) =>
        deviation.series[i] === 0 ? 0 : (v - mean.series[i]) / deviation.series[i],
      );
      return { series, begIndex: mean.begIndex };
    }
    default:
      throw new Error(`no TA-Lib reference for ${name}`);
  }
};

const FEATURES = [
  'ema_12',
  'ema_26',
  'ema_200',
  'sma_20',
  'sma_200',
  'wma_10',
  'rsi_14',
  'rsi_7',
  'macd_12_26_9',
  'macd_signal_12_26_9',
  'macd_hist_12_26_9',
  'macd_5_35_5',
  'macd_signal_3_10_2',
  'macd_hist_5_35_5',
  'atr_14',
  'atr_1',
  'natr_14',
  'adx_14',
  'adx_5',
  'plus_di_14',
  'minus_di_14',
  'bb_upper_20_2',
  'bb_middle_20_2',
  'bb_lower_20_2',
  'bb_upper_20_2.5',
  'bb_lower_50_1',
  'roc_10',
  'roc_1',
  'cci_20',
  'willr_14',
  'stoch_k_14_3',
  'stoch_d_14_3',
  'stoch_k_5_1',
  'stoch_d_9_4',
  'mfi_14',
  'obv',
  'logret_1',
  'logret_15',
  'rvol_20',
  'volz_20',
];

/** Largest observed |ours − talib| / max(1, |talib|) per feature, printed as the measured numbers. */
const measured: Record<string, number> = {};

const checkParity = (name: string, c: CandleColumns): number => {
  const ours = ourSeries(name, c);
  const reference = referenceOf(name, c);
  const lookback = parseFeatureName(name).lookback;
  assert.is(reference.begIndex, lookback, 'documented lookback = TA-Lib begIndex');
  for (let i = 0; i < lookback; i++) assert.ok(Number.isNaN(ours[i]), `${name} NaN in warm-up at ${i}`);
  let worst = 0;
  for (let i = lookback; i < ours.length; i++) {
    const expected = reference.series[i];
    const diff = Math.abs(ours[i] - expected) / Math.max(1, Math.abs(expected));
    if (!(diff <= 1e-9)) assert.unreachable(`${name} at candle ${i}: ours ${ours[i]}, TA-Lib ${expected}`);
    if (diff > worst) worst = diff;
  }
  return worst;
};

if (hasTalib && candles !== undefined) {
  for (const name of FEATURES) {
    test(`${name} equals TA-Lib over ${candles.close.length} real candles (first value at its lookback)`, () => {
      measured[name] = checkParity(name, candles);
    });
  }
  test('prints the largest differences measured', () => {
    const worst = Math.max(...Object.values(measured));
    console.log(
      JSON.stringify({ parity: 'talib', candles: candles.close.length, worstScaledDiff: worst, measured }),
    );
    assert.ok(worst <= 1e-9);
  });
}

/**
 * A synthetic series that walks into TA-Lib's special cases: long flat stretches (zero ranges, zero
 * changes, zero variance), zero volume, repeated highs/lows (ties), and gaps.
 */
const edgeCases = (): CandleColumns => {
  const prng = createPrng('edge-cases');
  const columns: CandleColumns = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
  let close = 20;
  for (let i = 0; i < 3000; i++) {
    const regime = Math.floor(i / 250) % 4;
    const open = close;
    if (regime === 0)
      close = open; // flat: no change at all
    else if (regime === 1)
      close = Math.max(1, open + (prng.int(3) - 1) * 0.01); // tick steps, ties
    else if (regime === 2) close = open * Math.exp(prng.normal() * 0.02);
    else close = open * (prng.next() < 0.05 ? 1.1 : 1); // rare jumps
    const flat = regime === 0;
    columns.ts.push((i + 1) * 60_000);
    columns.open.push(open);
    columns.high.push(flat ? open : Math.max(open, close) + prng.int(2) * 0.01);
    columns.low.push(flat ? open : Math.min(open, close) - prng.int(2) * 0.01);
    columns.close.push(close);
    columns.volume.push(flat || prng.next() < 0.1 ? 0 : prng.int(5000));
  }
  return columns;
};

if (hasTalib) {
  const edge = edgeCases();
  for (const name of FEATURES) {
    test(`${name} equals TA-Lib on flat stretches, zero volume, ties and jumps`, () => {
      checkParity(name, edge);
    });
  }
}

test.run();
