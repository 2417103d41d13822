import { z } from 'zod';
import { createPrng } from '../domain/prng.js';
import {
  architectureOf,
  loadForecaster,
  loadTf,
  type Network,
  saveForecaster,
  trainNetwork,
  type WindowData,
} from '../models/neural/index.js';
import {
  forecastProbabilities,
  logCloses,
  returnScale,
  windowIsComplete,
  windowsAt,
} from '../models/neural/windows.js';
import {
  CLASS_ACTIONS,
  type FittedModel,
  TooLittleHistory,
  type Trainer,
  type TrainingData,
} from './trainer.js';

/**
 * The config's `training.nhits` / `training.patchtst` section: the window, the optimizer and the
 * architecture's hyper-parameters (`network`, validated by the architecture itself). The forecast
 * horizon is the label's, so a forecaster's vote answers the same question the classifiers do.
 */
export const forecasterTrainingParams = z
  .object({
    window: z.number().int().min(4).optional(),
    epochs: z.number().int().positive().default(30),
    batchSize: z.number().int().positive().default(64),
    learningRate: z.number().positive().default(1e-3),
    /** Early stopping: epochs without a better validation MSE. */
    patience: z.number().int().positive().default(5),
    network: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

type Placed = { readonly series: number; readonly end: number };

/**
 * A `quantum train` trainer for a neural forecaster. Each sample is the window of log closes
 * ending at its candle (windows.ts); the network learns the next `horizon` log returns by MSE
 * (seeded, deterministic), `sigma` is its RMSE at the horizon on the validation slice (the
 * training windows when there is none), and its SELL/HOLD/BUY probabilities come from that error
 * around the forecast (`forecastProbabilities`). Samples without a full window get the training
 * labels' class frequencies.
 */
export const forecasterTrainer = (arch: 'nhits' | 'patchtst', defaultWindow: number): Trainer => ({
  model: arch,
  async load(dir) {
    const tfjs = await loadTf();
    const { network, topology } = await loadForecaster(tfjs, dir);
    // Samples without a full window: no class is favoured (the training prior is not saved).
    const prior = [1 / 3, 1 / 3, 1 / 3];
    return {
      predict: predictorOf(tfjs, network, { ...topology, prior }),
      save: async () => {
        throw new Error(`${dir}: a loaded forecaster is saved already`);
      },
    };
  },
  async fit(data, train, valid, rawParams, seed, progress) {
    const params = forecasterTrainingParams.parse(rawParams);
    const window = params.window ?? defaultWindow;
    const horizon = data.label.horizon;
    const tfjs = await loadTf();
    const logs = data.series.map((s) => logCloses(s.close));
    // The scale only from candles the training samples may see (no look-ahead into later folds).
    const lastSeen = new Map<number, number>();
    for (const i of train) {
      const s = data.samples[i];
      lastSeen.set(s.series, Math.max(lastSeen.get(s.series) ?? 0, s.index + horizon));
    }
    const scale = returnScale(logs.map((log, s) => log.subarray(0, (lastSeen.get(s) ?? -1) + 1)));
    const placed = (indexes: readonly number[], targets: number): Placed[] =>
      indexes
        .map((i) => ({ series: data.samples[i].series, end: data.samples[i].index }))
        .filter(({ series, end }) => windowIsComplete(logs[series], end, window, targets));
    const trainAt = placed(train, horizon);
    const validAt = placed(valid, horizon);
    if (trainAt.length === 0) {
      throw new TooLittleHistory(`no training sample has ${window} candles before it and ${horizon} after`);
    }
    const build = architectureOf(arch);
    if (build === undefined) throw new Error(`${arch}: architecture not registered`);
    const network = build(tfjs, { window, horizon, config: params.network }, createPrng(seed));
    const trainData = windowsAt(logs, trainAt, window, horizon, scale);
    const validData = validAt.length > 0 ? windowsAt(logs, validAt, window, horizon, scale) : undefined;
    const result = await trainNetwork(tfjs, network, trainData, {
      epochs: params.epochs,
      batchSize: params.batchSize,
      learningRate: params.learningRate,
      seed,
      validation: validData,
      patience: validData === undefined ? undefined : params.patience,
      onEpoch: (epoch, loss) =>
        progress((epoch + 1) / params.epochs, `epoch ${epoch + 1}/${params.epochs} mse ${loss.toFixed(4)}`),
    });
    const sigma = horizonRmse(tfjs, network, validData ?? trainData, scale);
    const prior = [0, 0, 0];
    for (const i of train) prior[data.samples[i].label]++;
    const priorSum = Math.max(1, prior[0] + prior[1] + prior[2]);
    const thresholdPct = data.label.thresholdPct;
    const fitted: FittedModel = {
      predict: predictorOf(
        tfjs,
        network,
        { scale, sigma, thresholdPct, prior: prior.map((c) => c / priorSum) },
        logs,
        data,
      ),
      async save(dir) {
        await saveForecaster(tfjs, network, { scale, sigma, thresholdPct }, dir);
        return {
          kind: 'tfjs-forecaster',
          file: 'weights.bin',
          // It reads candle closes, not the pipeline's features.
          features: ['close'],
          objective: 'forecast:mse',
          numClass: 3,
          classes: [...CLASS_ACTIONS],
          warmup: window,
          window,
          training: {
            arch,
            horizon,
            epochs: params.epochs,
            batchSize: params.batchSize,
            learningRate: params.learningRate,
            patience: params.patience,
            network: { ...network.config },
            bestEpoch: result.bestEpoch,
            trainMse: result.losses[result.bestEpoch],
            ...(result.validLosses.length > 0 ? { validMse: result.validLosses[result.bestEpoch] } : {}),
            scale,
            sigma,
          },
        };
      },
    };
    return fitted;
  },
});

/**
 * SELL/HOLD/BUY probabilities of samples from the network's forecast (see the trainer's doc);
 * `logs`/`data` let the training set's log closes be reused instead of recomputed.
 */
const predictorOf =
  (
    tfjs: Awaited<ReturnType<typeof loadTf>>,
    network: Network,
    vote: {
      readonly scale: number;
      readonly sigma: number;
      readonly thresholdPct: number;
      readonly prior: readonly number[];
    },
    logs?: readonly Float64Array[],
    data?: TrainingData,
  ): FittedModel['predict'] =>
  async (target, sampleIndexes) => {
    const { window } = network;
    const out = new Float64Array(sampleIndexes.length * 3);
    const targetLogs =
      target === data && logs !== undefined ? logs : target.series.map((s) => logCloses(s.close));
    const at: Placed[] = [];
    const rows: number[] = [];
    sampleIndexes.forEach((i, row) => {
      const s = target.samples[i];
      if (windowIsComplete(targetLogs[s.series], s.index, window, 0)) {
        at.push({ series: s.series, end: s.index });
        rows.push(row);
      } else for (let c = 0; c < 3; c++) out[row * 3 + c] = vote.prior[c];
    });
    const forecast = forecastAt(tfjs, network, windowsAt(targetLogs, at, window, 0, vote.scale));
    rows.forEach((row, k) => {
      const p = forecastProbabilities(forecast[k] * vote.scale, vote.sigma, vote.thresholdPct);
      CLASS_ACTIONS.forEach((action, c) => {
        out[row * 3 + c] = p[action];
      });
    });
    return out;
  };

/** The network's forecast at the horizon (scaled units) for each window, batched. */
const forecastAt = (
  tfjs: Awaited<ReturnType<typeof loadTf>>,
  network: Network,
  data: WindowData,
): Float32Array => {
  const out = new Float32Array(data.count);
  const batch = 512;
  for (let start = 0; start < data.count; start += batch) {
    const n = Math.min(batch, data.count - start);
    const values = tfjs.tidy(() =>
      network
        .forward(
          tfjs.tensor2d(data.x.subarray(start * network.window, (start + n) * network.window), [
            n,
            network.window,
          ]),
        )
        .dataSync(),
    );
    for (let k = 0; k < n; k++) out[start + k] = values[k * network.horizon + network.horizon - 1];
  }
  return out;
};

/** RMSE of the forecast log return at the horizon (unscaled), the vote's error model. */
const horizonRmse = (
  tfjs: Awaited<ReturnType<typeof loadTf>>,
  network: Network,
  data: WindowData,
  scale: number,
): number => {
  const forecast = forecastAt(tfjs, network, data);
  let sum = 0;
  for (let k = 0; k < data.count; k++) {
    const error = (forecast[k] - data.y[k * network.horizon + network.horizon - 1]) * scale;
    sum += error * error;
  }
  return Math.max(1e-9, Math.sqrt(sum / data.count));
};
