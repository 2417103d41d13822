import { type FSWatcher, watch } from 'node:fs';
import type { FeatureVector } from '../domain/index.js';
import {
  type AnyModel,
  type BatchModel,
  type BatchPredictor,
  isBatchModel,
  type Predictor,
} from './model.js';

/** Where a model follows its registry name from: the newest version directory, and how to build one. */
export interface LatestVersion {
  /** The newest version directory of the name (the champion: continuous learning promotes by adding one). */
  readonly current: () => string;
  /** The model of a version directory (checked like any configured model: a bad one throws). */
  readonly build: (dir: string) => AnyModel;
  /** The `<root>/<name>` directory to watch for new versions. */
  readonly nameDir: string;
}

export interface FollowOptions {
  /** Whether a new version may have appeared since the last call (reads and clears a flag). */
  readonly changed: () => boolean;
  /** Called after a swap, or with the error when the new version was refused (the old one keeps voting). */
  readonly onSwap?: (event: { readonly from: string; readonly to: string; readonly error?: string }) => void;
}

/**
 * A model that follows its registry name in a running pipeline (paper, testnet, live): when a new
 * version appears (continuous learning promoted a challenger), the next candle is predicted by
 * the new version — no restart. The new version is checked first (a corrupt file or a different
 * feature list is refused and the champion keeps voting), then replays each symbol's last
 * `warmup` vectors so a windowed model (N-HiTS, PatchTST) answers at once instead of warming up
 * again. Backtests and replays never follow (a model changing mid-run would break determinism).
 */
export const followLatest = (latest: LatestVersion, options: FollowOptions): BatchModel => {
  const first = latest.build(latest.current());
  return {
    name: first.name,
    features: first.features,
    warmup: first.warmup,
    featureStats: first.featureStats,
    metrics: first.metrics,
    createBatch(): BatchPredictor {
      let dir = latest.current();
      let model = first;
      let predict = predictorOf(model);
      const recent = new Map<string, FeatureVector[]>();
      const remember = (vector: FeatureVector, keep: number): void => {
        const list = recent.get(vector.symbol) ?? [];
        if (list.length === 0) recent.set(vector.symbol, list);
        list.push(vector);
        if (list.length > keep) list.shift();
      };
      const swap = async (): Promise<void> => {
        let next: string;
        let candidate: AnyModel;
        try {
          next = latest.current();
        } catch (error) {
          options.onSwap?.({ from: dir, to: '(unreadable registry)', error: (error as Error).message });
          return;
        }
        if (next === dir) return;
        try {
          candidate = latest.build(next);
          if (candidate.features.join(',') !== model.features.join(',')) {
            throw new Error(
              `reads features ${candidate.features.join(',')}, the running one ${model.features.join(',')}`,
            );
          }
        } catch (error) {
          options.onSwap?.({ from: dir, to: next, error: (error as Error).message });
          dir = next; // refused once; a later version is tried again
          return;
        }
        const candidatePredict = predictorOf(candidate);
        // Warm the new version up on what the old one saw, symbol by symbol, in time order.
        for (const vectors of recent.values()) for (const vector of vectors) await candidatePredict([vector]);
        options.onSwap?.({ from: dir, to: next });
        dir = next;
        model = candidate;
        predict = candidatePredict;
      };
      const answer = (vectors: readonly FeatureVector[]) => {
        const keep = Math.max(model.warmup, 1);
        for (const vector of vectors) remember(vector, keep);
        return predict(vectors);
      };
      // A synchronous model stays synchronous on every candle without a new version (the hot path).
      return (vectors) => (options.changed() ? swap().then(() => answer(vectors)) : answer(vectors));
    },
  };
};

const predictorOf = (model: AnyModel): BatchPredictor => {
  if (isBatchModel(model)) return model.createBatch();
  const one: Predictor = model.create();
  return (vectors) => vectors.map((vector) => one(vector));
};

/**
 * A flag set when anything changes inside `nameDir` (a version directory renamed in), for
 * `FollowOptions.changed`. The watcher does not keep the process alive.
 */
export const watchForVersions = (
  nameDir: string,
): { readonly changed: () => boolean; readonly close: () => void } => {
  let dirty = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(nameDir, { persistent: false }, () => {
      dirty = true;
    });
  } catch {
    // No such directory yet: nothing to follow until the pipeline restarts.
  }
  return {
    changed: () => {
      const was = dirty;
      dirty = false;
      return was;
    },
    close: () => watcher?.close(),
  };
};
