import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ModelError } from '../../domain/errors.js';
import { createPrng } from '../../domain/prng.js';
import { architectureNames, architectureOf } from './architectures.js';
import { fileIOHandler, MODEL_JSON, readModelJson, readWeights } from './io-handler.js';
import type { Network } from './network.js';

/**
 * A saved forecaster: the network (architecture, window, horizon, hyper-parameters, weights) plus
 * what turns its output into a vote — `scale` (the training data's one-candle log-return standard
 * deviation, see windows.ts), `sigma` (out-of-sample RMSE of the log return at the horizon) and the
 * label's `thresholdPct`. Stored in `model.json`'s `modelTopology`, so the directory is a plain
 * tfjs artifact set.
 */
export const ForecasterTopology = z
  .object({
    arch: z.string().min(1),
    window: z.number().int().positive(),
    horizon: z.number().int().positive(),
    config: z.record(z.string(), z.unknown()),
    scale: z.number().positive(),
    sigma: z.number().positive(),
    thresholdPct: z.number().nonnegative(),
  })
  .strict();
export type ForecasterTopology = z.infer<typeof ForecasterTopology>;

export const FORECASTER_FORMAT = 'quantum-forecaster';

/** Writes `network` and its vote parameters into `dir` (model.json + weights.bin). */
export const saveForecaster = async (
  tfjs: typeof tf,
  network: Network,
  vote: Pick<ForecasterTopology, 'scale' | 'sigma' | 'thresholdPct'>,
  dir: string,
): Promise<void> => {
  const topology: ForecasterTopology = {
    arch: network.arch,
    window: network.window,
    horizon: network.horizon,
    config: { ...network.config },
    ...vote,
  };
  const { data, specs } = await tfjs.io.encodeWeights(
    network.weights.map((w) => ({ name: w.name, tensor: w.variable })),
  );
  await fileIOHandler(dir).save({
    format: FORECASTER_FORMAT,
    generatedBy: `@tensorflow/tfjs ${tfjs.version.tfjs}`,
    modelTopology: topology as unknown as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: data,
  });
};

/**
 * Checks a saved forecaster without tfjs (synchronously, so a pipeline refuses a bad model before
 * it starts): a readable model.json of our format, a known architecture whose config it accepts
 * (built on a throwaway basis only when loading), weight names matching, weights.bin of the right
 * size. Errors name the file.
 */
export const checkForecaster = (dir: string): ForecasterTopology => {
  const json = readModelJson(dir);
  const path = `${dir}/${MODEL_JSON}`;
  if (json.format !== FORECASTER_FORMAT) {
    throw new ModelError(`${path}: format "${json.format}", expected "${FORECASTER_FORMAT}"`, path);
  }
  const parsed = ForecasterTopology.safeParse(json.modelTopology);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelError(`${path}: modelTopology.${issue.path.join('.')}: ${issue.message}`, path);
  }
  if (architectureOf(parsed.data.arch) === undefined) {
    throw new ModelError(
      `${path}: unknown architecture "${parsed.data.arch}" (known: ${architectureNames().join(', ')})`,
      path,
    );
  }
  readWeights(dir, json.weightsManifest[0].weights);
  return parsed.data;
};

/**
 * Loads a saved forecaster: rebuilds its architecture from the saved config, then assigns every
 * saved weight by name (shape checked). The result predicts exactly what the saved one did.
 */
export const loadForecaster = async (
  tfjs: typeof tf,
  dir: string,
): Promise<{ readonly network: Network; readonly topology: ForecasterTopology }> => {
  const topology = checkForecaster(dir);
  const path = `${dir}/${MODEL_JSON}`;
  const artifacts = await fileIOHandler(dir).load();
  const build = architectureOf(topology.arch) as NonNullable<ReturnType<typeof architectureOf>>;
  let network: Network;
  try {
    // The seed does not matter: every weight is overwritten below.
    network = build(tfjs, topology, createPrng(0));
  } catch (error) {
    throw new ModelError(`${path}: ${(error as Error).message}`, path);
  }
  const saved = tfjs.io.decodeWeights(
    artifacts.weightData as ArrayBuffer,
    artifacts.weightSpecs as tf.io.WeightsManifestEntry[],
  );
  try {
    for (const { name, variable } of network.weights) {
      const tensor = saved[name];
      if (tensor === undefined) throw new ModelError(`${path}: weight ${name} is missing`, path);
      if (tensor.shape.join('x') !== variable.shape.join('x')) {
        throw new ModelError(
          `${path}: weight ${name} has shape [${tensor.shape}] but the architecture needs [${variable.shape}]`,
          path,
        );
      }
      variable.assign(tensor);
    }
    const extra = Object.keys(saved).filter((name) => !network.weights.some((w) => w.name === name));
    if (extra.length > 0) throw new ModelError(`${path}: unknown weights ${extra.join(', ')}`, path);
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    for (const tensor of Object.values(saved)) tensor.dispose();
  }
  return { network, topology };
};
