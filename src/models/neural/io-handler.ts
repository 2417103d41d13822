import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ModelError } from '../../domain/errors.js';

/**
 * A tfjs `IOHandler` on plain files, in tfjs's own layout: `model.json` (the topology and the
 * weights manifest) next to `weights.bin` (every weight's float32 values, concatenated in manifest
 * order). tfjs-node's `file://` handler would do the same, but it is optional here; this one needs
 * no native code. Loading checks everything it can before a tensor is made — JSON shape, weight
 * specs, and that `weights.bin` holds exactly the bytes the specs need — and names the file.
 */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const WeightSpec = z
  .object({
    name: z.string().min(1),
    shape: z.array(z.number().int().nonnegative()),
    dtype: z.literal('float32'),
  })
  .passthrough();

const ModelJson = z
  .object({
    format: z.string(),
    generatedBy: z.string().optional(),
    modelTopology: z.record(z.string(), z.unknown()),
    weightsManifest: z
      .array(z.object({ paths: z.array(z.literal(WEIGHTS_BIN)).length(1), weights: z.array(WeightSpec) }))
      .length(1),
  })
  .passthrough();

const bytesOf = (specs: readonly z.infer<typeof WeightSpec>[]): number =>
  specs.reduce((sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1), 0);

/** The parsed, size-checked `model.json` of a directory, read synchronously (for config checks). */
export const readModelJson = (dir: string): z.infer<typeof ModelJson> => {
  const path = join(dir, MODEL_JSON);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelError(`${path}: cannot read the model: ${(error as Error).message}`, path);
  }
  const parsed = ModelJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelError(
      `${path}: not a forecaster model.json (${issue.path.join('.') || '(root)'}: ${issue.message})`,
      path,
    );
  }
  return parsed.data;
};

/** `weights.bin` of a directory, checked against the manifest's specs (a truncated file is refused). */
export const readWeights = (dir: string, specs: readonly z.infer<typeof WeightSpec>[]): ArrayBuffer => {
  const path = join(dir, WEIGHTS_BIN);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ModelError(`${path}: cannot read the weights: ${(error as Error).message}`, path);
  }
  const expected = bytesOf(specs);
  if (bytes.byteLength !== expected) {
    throw new ModelError(
      `${path}: ${bytes.byteLength} bytes but the manifest's ${specs.length} weights need ${expected} (truncated or from another model)`,
      path,
    );
  }
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

/** The handler: `tf.io.IOHandler` save/load on `dir` (which must exist for save). */
export const fileIOHandler = (dir: string): Required<Pick<tf.io.IOHandler, 'save' | 'load'>> => ({
  async save(artifacts) {
    if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
      throw new Error('fileIOHandler: nothing to save (no weights)');
    }
    const data = Array.isArray(artifacts.weightData)
      ? Buffer.concat(artifacts.weightData.map((b) => Buffer.from(b)))
      : Buffer.from(artifacts.weightData as ArrayBuffer);
    const modelJson = {
      format: artifacts.format ?? 'quantum-forecaster',
      generatedBy: artifacts.generatedBy,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    };
    writeFileSync(join(dir, WEIGHTS_BIN), data);
    writeFileSync(join(dir, MODEL_JSON), `${JSON.stringify(modelJson, null, 2)}\n`);
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(0),
        modelTopologyType: 'JSON',
        weightDataBytes: data.byteLength,
      },
    };
  },
  async load() {
    const json = readModelJson(dir);
    const specs = json.weightsManifest[0].weights;
    return {
      format: json.format,
      generatedBy: json.generatedBy,
      modelTopology: json.modelTopology,
      weightSpecs: specs as tf.io.WeightsManifestEntry[],
      weightData: readWeights(dir, specs),
    };
  },
});
