import type { AnyModel } from '../models/model.js';
import { modelTypeOf } from '../models/model-type.js';
import type { PipelineConfig } from './config.js';

/** Builds the configured models through their registered types (`src/models/types/`), in config order. */
export const buildModels = (config: PipelineConfig, baseDir = '.'): AnyModel[] =>
  config.models.map((entry, index) =>
    modelTypeOf(entry).build(entry, { baseDir, features: config.features, where: `models[${index}]` }),
  );
