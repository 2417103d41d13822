import { isAbsolute, resolve } from 'node:path';
import type { Model } from '../models/model.js';
import { emaTrendRsiModel, macdAdxModel } from '../models/rule-models.js';
import type { ModelConfig, PipelineConfig } from './config.js';
import { loadXgboostModelFromConfig } from './load-xgboost-model.js';

/** Builds the configured models (rule models in code, imported models from the registry), in config order. */
export const buildModels = (config: PipelineConfig, baseDir = '.'): Model[] =>
  config.models.map((model: ModelConfig, index) => {
    switch (model.type) {
      case 'ema-rsi':
        return emaTrendRsiModel(model.params);
      case 'macd-adx':
        return macdAdxModel(model.params);
      default: {
        const root = isAbsolute(model.root) ? model.root : resolve(baseDir, model.root);
        return loadXgboostModelFromConfig(model, root, config.features, `models[${index}]`);
      }
    }
  });
