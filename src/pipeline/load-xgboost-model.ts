import { ConfigError } from '../domain/errors.js';
import type { Model } from '../models/model.js';
import type { ModelConfig } from './config.js';

/** Loads an imported XGBoost model for the pipeline (wired to the registry below). */
export const loadXgboostModelFromConfig = (
  model: Extract<ModelConfig, { type: 'xgboost' }>,
  _root: string,
  _features: readonly string[],
  where: string,
): Model => {
  throw new ConfigError(`${where}: xgboost model "${model.model}" cannot be loaded yet`, where);
};
