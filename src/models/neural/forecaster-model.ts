import type * as tf from '@tensorflow/tfjs';
import type { FeatureVector, ModelPrediction } from '../../domain/index.js';
import { abstain, type BatchModel, type BatchPredictor, predictionOf } from '../model.js';
import { type ForecasterTopology, loadForecaster } from './forecaster-file.js';
import type { Network } from './network.js';
import { loadTf } from './tf.js';
import { forecastProbabilities } from './windows.js';

export interface ForecasterModelOptions {
  /** The name its votes carry (the config's, so ensemble weights find them). */
  readonly name: string;
  /** Directory with model.json + weights.bin (a registry version directory). */
  readonly dir: string;
  /** What `checkForecaster(dir)` read (the pipeline checks the files before it starts). */
  readonly topology: ForecasterTopology;
  /** BUY/SELL threshold on the forecast return at the horizon, percent; default: the model's label. */
  readonly thresholdPct?: number;
  /** From the registry manifest: training metrics (the supervisor's accuracy reference) and span. */
  readonly metrics?: Readonly<Record<string, number>>;
  readonly trainingRange?: { readonly from: number; readonly to: number };
}

interface SymbolWindow {
  /** ln close of the last `window` candles, a ring. */
  readonly logClose: Float64Array;
  /** Candles in the ring (≤ window). */
  count: number;
  /** Ring position of the next write. */
  next: number;
}

/**
 * A neural forecaster (N-HiTS, PatchTST) as an ensemble member. It keeps each symbol's last
 * `window` closes; once full, each candle's window goes through the network in one batch (tfjs on
 * WebAssembly answers asynchronously, and the kernel waits for the answer inside the barrier), and
 * the forecast log return at the horizon becomes SELL/HOLD/BUY probabilities (see
 * `forecastProbabilities`): the most probable class is the vote, its probability the confidence.
 * Before its window is full, or after a bad close (which restarts the window), it abstains.
 * The weights load on the first full window, once per run.
 */
export const forecasterModelOf = (options: ForecasterModelOptions): BatchModel => {
  const { topology } = options;
  const thresholdPct = options.thresholdPct ?? topology.thresholdPct;
  return {
    name: options.name,
    features: [],
    warmup: topology.window,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.trainingRange === undefined ? {} : { trainingRange: options.trainingRange }),
    createBatch(): BatchPredictor {
      const windows = new Map<string, SymbolWindow>();
      let loaded: Promise<{ tfjs: typeof tf; network: Network }> | undefined;
      const load = () =>
        (loaded ??= loadTf().then(async (tfjs) => ({
          tfjs,
          network: (await loadForecaster(tfjs, options.dir)).network,
        })));
      return (vectors) => {
        const predictions = new Array<ModelPrediction>(vectors.length);
        const ready: { readonly at: number; readonly inputs: Float32Array }[] = [];
        vectors.forEach((vector, at) => {
          const inputs = pushClose(windows, vector, topology);
          if (inputs === 'bad') predictions[at] = abstain(options.name, vector, 'bad close');
          else if (inputs === undefined) predictions[at] = abstain(options.name, vector, 'warm-up');
          else ready.push({ at, inputs });
        });
        if (ready.length === 0) return predictions;
        return load().then(async ({ tfjs, network }) => {
          const x = new Float32Array(ready.length * topology.window);
          for (let row = 0; row < ready.length; row++) x.set(ready[row].inputs, row * topology.window);
          const output = tfjs.tidy(() => network.forward(tfjs.tensor2d(x, [ready.length, topology.window])));
          const forecast = await output.data();
          output.dispose();
          ready.forEach(({ at }, row) => {
            const vector = vectors[at];
            // The forecast is in units of `scale`; its last step is the return at the horizon.
            const r = forecast[row * topology.horizon + topology.horizon - 1] * topology.scale;
            predictions[at] = voteOf(options.name, vector, r, topology.sigma, thresholdPct);
          });
          return predictions;
        });
      };
    },
  };
};

const voteOf = (
  name: string,
  vector: FeatureVector,
  r: number,
  sigma: number,
  thresholdPct: number,
): ModelPrediction => {
  if (!Number.isFinite(r)) return abstain(name, vector, 'non-finite forecast');
  const p = forecastProbabilities(r, sigma, thresholdPct);
  const action = p.BUY >= p.SELL && p.BUY >= p.HOLD ? 'BUY' : p.SELL >= p.HOLD ? 'SELL' : 'HOLD';
  return predictionOf(name, vector, action, p[action], p);
};

/**
 * Adds the vector's close to its symbol's window; returns the scaled inputs when the window is
 * full, undefined while warming up, 'bad' for a close that is not a positive number.
 */
const pushClose = (
  windows: Map<string, SymbolWindow>,
  vector: FeatureVector,
  topology: ForecasterTopology,
): Float32Array | undefined | 'bad' => {
  const { window, scale } = topology;
  let state = windows.get(vector.symbol);
  if (state === undefined) {
    state = { logClose: new Float64Array(window), count: 0, next: 0 };
    windows.set(vector.symbol, state);
  }
  const close = vector.kline.close;
  if (!(Number.isFinite(close) && close > 0)) {
    state.count = 0;
    state.next = 0;
    return 'bad';
  }
  state.logClose[state.next] = Math.log(close);
  state.next = (state.next + 1) % window;
  if (state.count < window) state.count++;
  if (state.count < window) return undefined;
  // Oldest first: the ring's next write position holds the oldest value.
  const inputs = new Float32Array(window);
  const last = state.logClose[(state.next + window - 1) % window];
  for (let k = 0; k < window; k++) inputs[k] = (state.logClose[(state.next + k) % window] - last) / scale;
  return inputs;
};
