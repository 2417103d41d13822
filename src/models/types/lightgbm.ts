import { basename, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { Action } from '../../domain/common.js';
import { ModelError } from '../../domain/errors.js';
import { compileLightgbm } from '../lightgbm/lightgbm-predictor.js';
import { readLightgbmText } from '../lightgbm/lightgbm-text.js';
import type { AnyModel } from '../model.js';
import { type ModelBuildContext, registerModelType, registryLatest, registryRootOf } from '../model-type.js';
import { loadModel } from '../registry.js';
import { xgboostModel, xgboostModelOf } from '../xgboost-model.js';

const lightgbmEntry = z
  .object({
    type: z.literal('lightgbm'),
    /** The LightGBM text model (`model.txt`), relative to the config file. Exactly one of path and model. */
    path: z.string().min(1).optional(),
    /**
     * Registry reference `name` (latest version) or `name@version` of a LightGBM model (`quantum
     * train --model lightgbm`, `quantum models import model.txt`); its manifest gives the
     * features, warm-up and classes.
     */
    model: z.string().min(1).optional(),
    /** Registry root for `model`: when absent ./models of the working directory; else relative to the config file. */
    root: z.string().min(1).optional(),
    /** Feature names in the model's column order; default: the model's own feature_names. */
    features: z.array(z.string().min(1)).min(1).optional(),
    name: z.string().min(1).optional(),
    weight: z.number().finite().nonnegative().default(1),
    /** Closed candles per symbol before the first vote; default 0 (`path`) or the manifest's (`model`). */
    warmup: z.number().int().nonnegative().optional(),
    /** Binary: BUY when P(up) ≥ buyThreshold, SELL when ≤ sellThreshold. */
    buyThreshold: z.number().min(0).max(1).default(0.55),
    sellThreshold: z.number().min(0).max(1).default(0.45),
    /** Multiclass: action of each class index; default SELL, HOLD, BUY (`path`) or the manifest's (`model`). */
    classes: z.array(Action).min(2).optional(),
    /** Regression: BUY when the predicted forward return ≥ this, SELL when ≤ −this. */
    returnThreshold: z.number().positive().default(0.001),
    /** Let LightGBM see missing (NaN) features instead of abstaining during warm-up. */
    allowMissing: z.boolean().default(false),
  })
  .strict();
type LightgbmEntry = z.output<typeof lightgbmEntry>;

const nameOf = (entry: LightgbmEntry): string =>
  entry.name ??
  (entry.path === undefined
    ? (entry.model ?? '').replace(/@.*$/, '')
    : basename(entry.path).replace(/\.txt$/i, ''));

/** Exactly one source (path or model); a registry model given by path needs a name for its votes. */
const check = (entry: LightgbmEntry) => {
  if ((entry.path === undefined) === (entry.model === undefined)) {
    return [
      {
        path: [entry.path === undefined ? 'model' : 'path'],
        message:
          entry.path === undefined
            ? 'give the model: path (a model.txt) or model (a registry name[@version])'
            : 'give either path or model, not both',
      },
    ];
  }
  if (entry.path !== undefined && entry.root !== undefined)
    return [{ path: ['root'], message: 'root applies to model (a registry reference), not to path' }];
  if (entry.model !== undefined && entry.name === undefined && /[/\\]|\.txt$/i.test(entry.model)) {
    return [
      {
        path: ['name'],
        message: `a model given by path ("${entry.model}") needs a name for its votes; add name: …`,
      },
    ];
  }
  return [];
};

/**
 * `type: lightgbm` — a LightGBM text model (`booster.save_model('model.txt')`, or our trainer's
 * `quantum train --model lightgbm`) read from `path` or loaded from the registry by `model:
 * name[@version]` (exactly one of the two). Predictions follow LightGBM exactly
 * (lightgbm-predictor.ts) and become votes the way `type: xgboost` makes them: binary P(up)
 * against the thresholds, multiclass argmax over `classes`, regression as a forward return against
 * `returnThreshold`. Errors name the entry and the file:line (`models[2]: model.txt:41: …`).
 */
export const lightgbmModelType = registerModelType({
  type: 'lightgbm',
  schema: lightgbmEntry,
  nameOf,
  check,
  requiredFeatures: (entry) => entry.features ?? [],
  build: (entry, context) => buildLightgbm(entry, context),
  // A registry name without @version follows its newest version in a live session.
  latest: (entry, context) =>
    entry.model === undefined
      ? undefined
      : registryLatest((e: LightgbmEntry & { model: string }) => nameOf(e), buildLightgbm)(
          { ...entry, model: entry.model },
          context,
        ),
});

function buildLightgbm(entry: LightgbmEntry, { baseDir, features, where }: ModelBuildContext): AnyModel {
  const votes = {
    name: nameOf(entry),
    buyThreshold: entry.buyThreshold,
    sellThreshold: entry.sellThreshold,
    returnThreshold: entry.returnThreshold,
    allowMissing: entry.allowMissing,
    available: [...features],
  };
  try {
    if (entry.path === undefined) {
      const loaded = loadModel(entry.model ?? '', registryRootOf(entry.root, baseDir));
      if (loaded.manifest.kind !== 'lightgbm-text') {
        throw new ModelError(
          `${loaded.modelPath} is a ${loaded.manifest.kind} model, not LightGBM text` +
            (loaded.manifest.kind === 'xgboost-json' ? '; use type: xgboost for it' : ''),
          loaded.modelPath,
        );
      }
      // The manifest's features, warm-up and classes unless the entry overrides them.
      return xgboostModelOf(loaded, {
        ...votes,
        ...(entry.features === undefined ? {} : { features: entry.features }),
        ...(entry.warmup === undefined ? {} : { warmup: entry.warmup }),
        ...(entry.classes === undefined ? {} : { classes: entry.classes }),
      });
    }
    const path = isAbsolute(entry.path) ? entry.path : resolve(baseDir, entry.path);
    const doc = readLightgbmText(path);
    return xgboostModel(compileLightgbm(doc), {
      ...votes,
      features: entry.features ?? [...doc.featureNames],
      warmup: entry.warmup ?? 0,
      classes: entry.classes ?? ['SELL', 'HOLD', 'BUY'],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelError(`${where}: ${message}`, where);
  }
}
