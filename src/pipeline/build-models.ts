import { followLatest, watchForVersions } from '../models/following-model.js';
import type { AnyModel } from '../models/model.js';
import { modelTypeOf } from '../models/model-type.js';
import type { PipelineConfig } from './config.js';

export interface BuildModelsOptions {
  /**
   * Follow registry names to their newest version while running (paper, testnet, live): a model
   * promoted by continuous learning votes from the next candle on, without a restart. Never in a
   * backtest or replay, whose result must not depend on when a model was trained.
   */
  readonly followLatest?: boolean;
  /** Told when a followed model switches version (or refuses a new one). */
  readonly onSwap?: (model: string, event: { from: string; to: string; error?: string }) => void;
}

/** Builds the configured models through their registered types (`src/models/types/`), in config order. */
export const buildModels = (
  config: PipelineConfig,
  baseDir = '.',
  options: BuildModelsOptions = {},
): AnyModel[] =>
  config.models.map((entry, index) => {
    const type = modelTypeOf(entry);
    const context = { baseDir, features: config.features, where: `models[${index}]` };
    const latest = options.followLatest === true ? type.latest?.(entry, context) : undefined;
    if (latest === undefined) return type.build(entry, context);
    const watcher = watchForVersions(latest.nameDir);
    const model = followLatest(latest, {
      changed: watcher.changed,
      onSwap: (event) => options.onSwap?.(model.name, event),
    });
    return model;
  });
