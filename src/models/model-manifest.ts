import { z } from 'zod';
import { Action } from '../domain/common.js';

/** A registry name: letters, digits, `.`, `_`, `-` (no `/` or `@`, which `name@version` uses). */
export const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected letters, digits, ".", "_" or "-" (at most 64)');

/**
 * `models/<name>/<version>/manifest.json`: what a model is, what it reads, where it came from.
 * `dataSha256` is the SHA-256 of the model file's bytes: loading re-hashes the file and refuses
 * a model whose file changed after import.
 */
export const ModelManifest = z
  .object({
    name: ModelName,
    version: z.number().int().positive(),
    kind: z.enum(['xgboost-json', 'lightgbm-text']),
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
    metrics: z.record(z.string(), z.number()).optional(),
    /** Path the model was imported from. */
    importedFrom: z.string(),
    /** When it was imported (ms since epoch, UTC). */
    createdTs: z.number().int().nonnegative(),
  })
  .strict();
export type ModelManifest = z.infer<typeof ModelManifest>;
