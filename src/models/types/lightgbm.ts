import { basename, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { Action } from '../../domain/common.js';
import { ModelError } from '../../domain/errors.js';
import { compileLightgbm } from '../lightgbm/lightgbm-predictor.js';
import { readLightgbmText } from '../lightgbm/lightgbm-text.js';
import { registerModelType } from '../model-type.js';
import { xgboostModel } from '../xgboost-model.js';

const lightgbmEntry = z
  .object({
    type: z.literal('lightgbm'),
    /** The LightGBM text model (`model.txt`), relative to the config file. */
    path: z.string().min(1),
    /** Feature names in the model's column order; default: the model's own feature_names. */
    features: z.array(z.string().min(1)).min(1).optional(),
    name: z.string().min(1).optional(),
    weight: z.number().finite().nonnegative().default(1),
    /** Closed candles per symbol before the first vote. */
    warmup: z.number().int().nonnegative().default(0),
    /** Binary: BUY when P(up) ≥ buyThreshold, SELL when ≤ sellThreshold. */
    buyThreshold: z.number().min(0).max(1).default(0.55),
    sellThreshold: z.number().min(0).max(1).default(0.45),
    /** Multiclass: action of each class index. */
    classes: z.array(Action).min(2).default(['SELL', 'HOLD', 'BUY']),
    /** Regression: BUY when the predicted forward return ≥ this, SELL when ≤ −this. */
    returnThreshold: z.number().positive().default(0.001),
    /** Let LightGBM see missing (NaN) features instead of abstaining during warm-up. */
    allowMissing: z.boolean().default(false),
  })
  .strict();
type LightgbmEntry = z.output<typeof lightgbmEntry>;

const nameOf = (entry: LightgbmEntry): string => entry.name ?? basename(entry.path).replace(/\.txt$/i, '');

/**
 * `type: lightgbm` — a LightGBM text model (`booster.save_model('model.txt')`) read straight from
 * `path`. Predictions follow LightGBM exactly (lightgbm-predictor.ts) and become votes the way
 * `type: xgboost` makes them: binary P(up) against the thresholds, multiclass argmax over
 * `classes`, regression as a forward return against `returnThreshold`. Errors name the entry
 * and the file:line (`models[2]: model.txt:41: …`).
 */
export const lightgbmModelType = registerModelType({
  type: 'lightgbm',
  schema: lightgbmEntry,
  nameOf,
  requiredFeatures: (entry) => entry.features ?? [],
  build: (entry, { baseDir, features, where }) => {
    const path = isAbsolute(entry.path) ? entry.path : resolve(baseDir, entry.path);
    try {
      const doc = readLightgbmText(path);
      return xgboostModel(compileLightgbm(doc), {
        name: nameOf(entry),
        features: entry.features ?? [...doc.featureNames],
        warmup: entry.warmup,
        buyThreshold: entry.buyThreshold,
        sellThreshold: entry.sellThreshold,
        classes: entry.classes,
        returnThreshold: entry.returnThreshold,
        allowMissing: entry.allowMissing,
        available: [...features],
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ModelError(`${where}: ${message}`, where);
    }
  },
});
