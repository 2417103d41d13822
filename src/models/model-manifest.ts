import { z } from 'zod';
import { Action } from '../domain/common.js';

/** A registry name: letters, digits, `.`, `_`, `-` (no `/` or `@`, which `name@version` uses). */
export const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected letters, digits, ".", "_" or "-" (at most 64)');

/**
 * A feature's training distribution: `edges` are the inner bin edges (ascending; bin i holds
 * values ≤ edges[i] and > edges[i-1]), `fractions` the share of training rows per bin (one more
 * than `edges`), `missing` the share of NaN rows. PSI compares live rows against it.
 */
export const FeatureStats = z
  .object({
    edges: z.array(z.number()),
    fractions: z.array(z.number().min(0).max(1)).min(1),
    missing: z.number().min(0).max(1).default(0),
  })
  .strict()
  .refine(
    (stats) => stats.fractions.length === stats.edges.length + 1,
    'fractions needs one more entry than edges',
  );
export type FeatureStats = z.infer<typeof FeatureStats>;

/**
 * `models/<name>/<version>/manifest.json`: what a model is, what it reads, where it came from.
 * `dataSha256` is the SHA-256 of the model file's bytes: loading re-hashes the file and refuses
 * a model whose file changed after import.
 */
export const ModelManifest = z
  .object({
    name: ModelName,
    version: z.number().int().positive(),
    kind: z.enum(['xgboost-json', 'lightgbm-text', 'tfjs-forecaster']),
    /** Model file name inside the version directory. */
    file: z.string().min(1),
    /** Input feature names, in the model's feature index order. */
    features: z.array(z.string().min(1)).min(1),
    objective: z.string(),
    /** `num_class` (0 for binary and regression). */
    numClass: z.number().int().nonnegative(),
    /** Action of each class index, for multiclass models (default SELL, HOLD, BUY). */
    classes: z.array(Action).optional(),
    /** Closed candles the model needs before its first vote. */
    warmup: z.number().int().nonnegative(),
    /** How the training label was made (e.g. forward return over `horizon` candles > `thresholdPct`). */
    label: z.object({ horizon: z.number().int().positive(), thresholdPct: z.number().optional() }).optional(),
    trainingRange: z.object({ from: z.number(), to: z.number() }).optional(),
    dataSha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** SHA-256 of the training data (candles or rows) the model was trained on, when trained here. */
    trainingDataSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** Candles per input window (forecasters: N-HiTS 120, PatchTST 30). */
    window: z.number().int().positive().optional(),
    /** Training distribution of each input feature, the supervisor's PSI reference. */
    featureStats: z.record(z.string(), FeatureStats).optional(),
    /** Out-of-sample metrics of each walk-forward fold, in time order. */
    folds: z.array(z.record(z.string(), z.number())).optional(),
    /** How it was trained: the trainer's parameters (objective, rounds, architecture, …). */
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    /** Path the model was imported from. */
    importedFrom: z.string(),
    /** When it was imported (ms since epoch, UTC). */
    createdTs: z.number().int().nonnegative(),
  })
  .strict();
export type ModelManifest = z.infer<typeof ModelManifest>;
