import { type FeatureSpec, parseFeatureNames } from '../feature-names.js';
import { Atr } from './atr.js';
import { Bollinger } from './bollinger.js';
import { Cci } from './cci.js';
import { Dmi } from './dmi.js';
import { Ema } from './ema.js';
import { LogReturn } from './log-return.js';
import { Macd } from './macd.js';
import { Mfi } from './mfi.js';
import { Obv } from './obv.js';
import { RealizedVolatility } from './realized-volatility.js';
import { Roc } from './roc.js';
import { Rsi } from './rsi.js';
import { Sma } from './sma.js';
import { Stochastic } from './stochastic.js';
import type { StreamingIndicator } from './streaming-indicator.js';
import { VolumeZScore } from './volume-z-score.js';
import { WilliamsR } from './williams-r.js';
import { Wma } from './wma.js';

/** One symbol's indicator set: feed it closed candles in time order, read the feature values. */
export interface FeatureState {
  /**
   * Consumes one closed candle and writes every feature's value (NaN during its warm-up) into
   * `values[0 … names.length−1]`.
   */
  update(high: number, low: number, close: number, volume: number, values: number[] | Float64Array): void;
}

/** A compiled feature list: names, lookbacks, and a factory of per-symbol states. */
export interface FeatureEngine {
  /** The feature names, frozen: one shared array for every vector of this engine. */
  readonly names: readonly string[];
  /** TA-Lib lookback per feature (same order as `names`). */
  readonly lookbacks: readonly number[];
  /** Largest lookback: from candle index `maxLookback` on, every feature has a value. */
  readonly maxLookback: number;
  /** Fresh indicator state for one symbol. */
  createState(): FeatureState;
}

const createIndicator = (spec: FeatureSpec): StreamingIndicator => {
  const p = spec.params;
  switch (spec.family) {
    case 'ema':
      return new Ema({ period: p[0] });
    case 'sma':
      return new Sma({ period: p[0] });
    case 'wma':
      return new Wma({ period: p[0] });
    case 'rsi':
      return new Rsi({ period: p[0] });
    case 'macd':
      return new Macd({ fast: p[0], slow: p[1], signal: p[2] });
    case 'atr':
      return new Atr({ period: p[0] });
    case 'dmi':
      return new Dmi({ period: p[0] });
    case 'bb':
      return new Bollinger({ period: p[0], nbdev: p[1] });
    case 'roc':
      return new Roc({ period: p[0] });
    case 'cci':
      return new Cci({ period: p[0] });
    case 'willr':
      return new WilliamsR({ period: p[0] });
    case 'stoch':
      return new Stochastic({ fastK: p[0], slowK: p[1], slowD: p[1] });
    case 'mfi':
      return new Mfi({ period: p[0] });
    case 'obv':
      return new Obv();
    case 'logret':
      return new LogReturn({ period: p[0] });
    case 'rvol':
      return new RealizedVolatility({ period: p[0] });
    case 'volz':
      return new VolumeZScore({ period: p[0] });
  }
};

/** An indicator's `update`, bound to it. */
type Update = StreamingIndicator['update'];

/**
 * Per-symbol state: the distinct indicators, then a flat copy of outputs into the value array.
 * Every indicator's `out` is rebound to a view of one buffer per state (`StreamingIndicator.out`),
 * so the per-candle copy reads one typed array whose checks the compiler hoists out of the loop —
 * reading each indicator's own array re-checked it per feature (~65 instructions per value, ~6 %
 * of a backtest). Each indicator's `update` is bound once too: `indicators[i].update` would be a
 * megamorphic property load per indicator per candle (one class each).
 */
class CompiledFeatureState implements FeatureState {
  private readonly updates: Update[];
  /** Every indicator's outputs, side by side. */
  private readonly outputs: Float64Array;
  /** Position in `outputs` of each feature's value. */
  private readonly outputIndex: Int32Array;
  /**
   * Whether feature i is at `outputs[i]` (the features list every output of their indicators, in
   * the indicators' order, as the default set does): then the copy reads one array, not two.
   */
  private readonly inOrder: boolean;

  constructor(specs: readonly FeatureSpec[], computeKeys: readonly string[]) {
    const indicators = computeKeys.map((key) => createIndicator(specs.find((s) => s.computeKey === key)!));
    this.updates = indicators.map((indicator) => indicator.update.bind(indicator));
    this.outputs = new Float64Array(indicators.reduce((size, indicator) => size + indicator.out.length, 0));
    const offsets: number[] = [];
    let offset = 0;
    for (const indicator of indicators) {
      const view = this.outputs.subarray(offset, offset + indicator.out.length);
      view.set(indicator.out);
      indicator.out = view;
      offsets.push(offset);
      offset += view.length;
    }
    this.outputIndex = Int32Array.from(
      specs,
      (s) => offsets[computeKeys.indexOf(s.computeKey)] + s.outputIndex,
    );
    this.inOrder =
      this.outputIndex.length === this.outputs.length && this.outputIndex.every((at, i) => at === i);
  }

  update(high: number, low: number, close: number, volume: number, values: number[] | Float64Array): void {
    const updates = this.updates;
    for (let i = 0; i < updates.length; i++) updates[i](high, low, close, volume);
    const outputs = this.outputs;
    const outputIndex = this.outputIndex;
    const count = outputIndex.length;
    if (this.inOrder) {
      let i = 0;
      // Four values a step: the compiler re-checks both arrays once per step, not once per value.
      for (; i + 3 < count; i += 4) {
        values[i] = outputs[i];
        values[i + 1] = outputs[i + 1];
        values[i + 2] = outputs[i + 2];
        values[i + 3] = outputs[i + 3];
      }
      for (; i < count; i++) values[i] = outputs[i];
    } else for (let i = 0; i < count; i++) values[i] = outputs[outputIndex[i]];
  }
}

/**
 * Compiles a feature list into an engine. Features of one computation share one indicator
 * instance (`macd_*` with the same parameters, `bb_*` with the same period and width, `adx`/
 * `plus_di`/`minus_di` with the same period, `atr`/`natr`, `stoch_k`/`stoch_d`).
 * Throws `ConfigError` with the path (`features[i]`) on a bad or duplicate name.
 */
export const createFeatureEngine = (names: readonly string[], basePath = 'features'): FeatureEngine => {
  const specs = parseFeatureNames(names, basePath);
  const computeKeys = [...new Set(specs.map((s) => s.computeKey))];
  const lookbacks = Object.freeze(specs.map((s) => s.lookback));
  return {
    names: Object.freeze([...names]),
    lookbacks,
    maxLookback: lookbacks.reduce((max, lookback) => Math.max(max, lookback), 0),
    createState: () => new CompiledFeatureState(specs, computeKeys),
  };
};
