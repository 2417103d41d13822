import type * as tf from '@tensorflow/tfjs';
import { createPrng } from '../../domain/prng.js';
import type { Network } from './network.js';

/** Training pairs for a forecaster: `count` windows `x` (count × window) and targets `y` (count × horizon), row-major. */
export interface WindowData {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly count: number;
}

export interface TrainNetworkOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Seeds the order of the windows in every epoch (weights are seeded when the network is built). */
  readonly seed: number;
  /** Held-out windows: the weights of the epoch with the lowest validation MSE are kept. */
  readonly validation?: WindowData;
  /** Stop after this many epochs without a better validation MSE (needs `validation`). */
  readonly patience?: number;
  /** Called after every epoch (e.g. a progress bar). */
  readonly onEpoch?: (epoch: number, trainLoss: number, validLoss: number | undefined) => void;
}

export interface TrainNetworkResult {
  /** Mean training MSE of each epoch. */
  readonly losses: readonly number[];
  /** Validation MSE after each epoch (when validation data was given). */
  readonly validLosses: readonly number[];
  /** The epoch whose weights the network has now (0-based). */
  readonly bestEpoch: number;
}

/**
 * Mean squared error of the network on `data`, batched so memory stays flat.
 */
export const evaluateMse = (tfjs: typeof tf, network: Network, data: WindowData, batchSize = 256): number => {
  if (data.count === 0) return Number.NaN;
  let sum = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    sum += tfjs.tidy(() => {
      const x = tfjs.tensor2d(data.x.subarray(start * network.window, (start + n) * network.window), [
        n,
        network.window,
      ]);
      const y = tfjs.tensor2d(data.y.subarray(start * network.horizon, (start + n) * network.horizon), [
        n,
        network.horizon,
      ]);
      return tfjs.sum(tfjs.squaredDifference(network.forward(x), y)).dataSync()[0];
    });
  }
  return sum / (data.count * network.horizon);
};

/**
 * Trains a forecaster with Adam on the mean squared error, mini-batch by mini-batch. Deterministic:
 * the weights start from the network's seeded values, the windows are shuffled by a seeded PRNG,
 * there is no dropout, and the backend computes the same float32 arithmetic every run — so the same
 * data, options and seed give the same weights (tested). With `validation`, the best epoch's
 * weights are kept (early stopping with `patience`).
 */
export const trainNetwork = async (
  tfjs: typeof tf,
  network: Network,
  data: WindowData,
  options: TrainNetworkOptions,
): Promise<TrainNetworkResult> => {
  if (data.count === 0) throw new Error('trainNetwork: no training windows');
  const { window, horizon } = network;
  const rng = createPrng(options.seed);
  const optimizer = tfjs.train.adam(options.learningRate);
  const variables = network.weights.map((w) => w.variable);
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  const batchSize = Math.max(1, Math.min(options.batchSize, data.count));
  const xBatch = new Float32Array(batchSize * window);
  const yBatch = new Float32Array(batchSize * horizon);
  const losses: number[] = [];
  const validLosses: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | undefined;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      // Fisher–Yates with the seeded PRNG: a new order every epoch, the same every run.
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      let lossSum = 0;
      for (let start = 0; start < data.count; start += batchSize) {
        const n = Math.min(batchSize, data.count - start);
        for (let b = 0; b < n; b++) {
          const row = order[start + b];
          xBatch.set(data.x.subarray(row * window, (row + 1) * window), b * window);
          yBatch.set(data.y.subarray(row * horizon, (row + 1) * horizon), b * horizon);
        }
        const x = tfjs.tensor2d(xBatch.subarray(0, n * window), [n, window]);
        const y = tfjs.tensor2d(yBatch.subarray(0, n * horizon), [n, horizon]);
        const loss = optimizer.minimize(
          () => tfjs.mean(tfjs.squaredDifference(network.forward(x, true), y)) as tf.Scalar,
          true,
          variables,
        );
        x.dispose();
        y.dispose();
        lossSum += (loss?.dataSync()[0] ?? Number.NaN) * n;
        loss?.dispose();
      }
      losses.push(lossSum / data.count);
      const validLoss =
        options.validation === undefined ? undefined : evaluateMse(tfjs, network, options.validation);
      if (validLoss !== undefined) {
        validLosses.push(validLoss);
        if (validLoss < best) {
          best = validLoss;
          bestEpoch = epoch;
          for (const t of bestWeights ?? []) t.dispose();
          bestWeights = variables.map((v) => v.clone());
        } else if (options.patience !== undefined && epoch - bestEpoch >= options.patience) {
          options.onEpoch?.(epoch, losses[epoch], validLoss);
          break;
        }
      } else bestEpoch = epoch;
      options.onEpoch?.(epoch, losses[epoch], validLoss);
      // Let the event loop breathe between epochs (progress output, signals).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (bestWeights !== undefined) {
      for (let i = 0; i < variables.length; i++) variables[i].assign(bestWeights[i]);
    }
  } finally {
    for (const t of bestWeights ?? []) t.dispose();
    optimizer.dispose();
  }
  return { losses, validLosses, bestEpoch };
};
