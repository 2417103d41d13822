import { ModelError } from '../domain/errors.js';
import type { Model } from '../models/model.js';
import { loadModel } from '../models/registry.js';
import { xgboostModelOf } from '../models/xgboost-model.js';
import { type ModelConfig, modelName } from './config.js';

/**
 * Loads an imported XGBoost model for the pipeline from the registry (`name`, `name@version`) or a
 * path, checks that the pipeline computes every feature the model was trained on, and applies the
 * config's thresholds. Errors name the config entry (`models[2]: …`).
 */
export const loadXgboostModelFromConfig = (
  model: Extract<ModelConfig, { type: 'xgboost' }>,
  root: string,
  features: readonly string[],
  where: string,
): Model => {
  try {
    const loaded = loadModel(model.model, root);
    return xgboostModelOf(loaded, {
      // Votes carry the config's name, so ensemble weights find them.
      name: modelName(model),
      buyThreshold: model.buyThreshold,
      sellThreshold: model.sellThreshold,
      allowMissing: model.allowMissing,
      available: [...features],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelError(`${where}: ${message}`, where);
  }
};
