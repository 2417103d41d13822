import { z } from 'zod';
import { ModelError } from '../../domain/errors.js';
import type { AnyModel } from '../model.js';
import { type ModelBuildContext, registerModelType, registryLatest, registryRootOf } from '../model-type.js';
import { loadModel } from '../registry.js';
import { xgboostModelOf } from '../xgboost-model.js';

const xgboostEntry = z
  .object({
    type: z.literal('xgboost'),
    /** Registry reference `name`, `name@version`, or a path to a model directory / JSON file. */
    model: z.string().min(1),
    name: z.string().min(1).optional(),
    weight: z.number().finite().nonnegative().default(1),
    /**
     * Registry root: when absent, ./models of the working directory (where `quantum models import`
     * puts models); when given, relative to the config file.
     */
    root: z.string().min(1).optional(),
    /** Binary classifiers: BUY when P(up) ≥ buyThreshold, SELL when ≤ sellThreshold. */
    buyThreshold: z.number().min(0).max(1).default(0.55),
    sellThreshold: z.number().min(0).max(1).default(0.45),
    /** Let XGBoost see missing (NaN) features instead of abstaining during warm-up. */
    allowMissing: z.boolean().default(false),
  })
  .strict();

const nameOf = (entry: z.output<typeof xgboostEntry>): string =>
  entry.name ?? entry.model.replace(/@.*$/, '');

/**
 * `type: xgboost` — a model trained elsewhere (XGBoost JSON) and imported into the registry
 * (`quantum models import`). Its features are the ones it was trained on, known once it is loaded:
 * the build checks that the pipeline computes each of them. Errors name the entry (`models[2]: …`).
 */
const buildXgboost = (
  entry: z.output<typeof xgboostEntry>,
  { baseDir, features, where }: ModelBuildContext,
): AnyModel => {
  const root = registryRootOf(entry.root, baseDir);
  try {
    return xgboostModelOf(loadModel(entry.model, root), {
      // Votes carry the config's name, so ensemble weights find them.
      name: nameOf(entry),
      buyThreshold: entry.buyThreshold,
      sellThreshold: entry.sellThreshold,
      allowMissing: entry.allowMissing,
      available: [...features],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelError(`${where}: ${message}`, where);
  }
};

export const xgboostModelType = registerModelType({
  type: 'xgboost',
  schema: xgboostEntry,
  nameOf,
  check: (entry) =>
    entry.name === undefined && /[/\\]|\.json$/i.test(entry.model)
      ? [
          {
            path: ['name'],
            message: `a model given by path ("${entry.model}") needs a name for its votes; add name: …`,
          },
        ]
      : [],
  build: buildXgboost,
  latest: registryLatest(nameOf, buildXgboost),
});
