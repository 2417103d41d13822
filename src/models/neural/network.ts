import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { ModelError } from '../../domain/errors.js';
import type { Prng } from '../../domain/prng.js';

/**
 * A forecasting network written in tfjs ops: named trainable variables plus a forward pass. Every
 * architecture (N-HiTS, PatchTST) is one of these, so training, saving, loading and the vote
 * adapter are shared (`train.ts`, `io-handler.ts`, `forecaster-model.ts`).
 *
 * Input: a batch of normalized univariate windows `[batch, window]` (oldest first; the adapter
 * makes the series scale-free: log closes minus the last log close, divided by the training
 * scale). Output: the forecast `[batch, horizon]` in the same units (steps 1…horizon ahead).
 */
export interface Network {
  readonly arch: string;
  readonly window: number;
  readonly horizon: number;
  /** The architecture's own hyper-parameters, saved with the weights and given back to `build`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Every trainable variable, in a fixed order, with a unique name (the save format keys by name). */
  readonly weights: readonly NamedWeight[];
  /** The forecast; `training` may switch on layers that behave differently when training. */
  forward(x: tf.Tensor2D, training?: boolean): tf.Tensor2D;
  /** Frees the variables. */
  dispose(): void;
}

export interface NamedWeight {
  readonly name: string;
  readonly variable: tf.Variable;
}

/** Builds an architecture from its config; `rng` seeds the initial weights (same seed ⇒ same weights). */
export type NetworkBuilder = (
  tfjs: typeof tf,
  spec: {
    readonly window: number;
    readonly horizon: number;
    readonly config: Readonly<Record<string, unknown>>;
  },
  rng: Prng,
) => Network;

/**
 * Initial values from our seeded PRNG, never from tfjs's own random ops (their seeds differ by
 * backend): Glorot/Xavier uniform for a `[fanIn, fanOut]` matrix, or zeros/ones.
 */
export const initialValues = (
  shape: readonly number[],
  init: 'glorot' | 'zeros' | 'ones' | { readonly normal: number },
  rng: Prng,
): Float32Array => {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (init === 'zeros') return values;
  if (init === 'ones') return values.fill(1);
  if (init === 'glorot') {
    const fanIn = shape.length >= 2 ? shape[shape.length - 2] : shape[0];
    const fanOut = shape[shape.length - 1];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < size; i++) values[i] = (rng.next() * 2 - 1) * limit;
    return values;
  }
  for (let i = 0; i < size; i++) values[i] = rng.normal() * init.normal;
  return values;
};

/** A named trainable variable with seeded initial values (see `initialValues`). */
export const seededVariable = (
  tfjs: typeof tf,
  name: string,
  shape: readonly number[],
  init: Parameters<typeof initialValues>[1],
  rng: Prng,
): NamedWeight => ({
  name,
  variable: tfjs.variable(
    tfjs.tensor(initialValues(shape, init, rng), [...shape], 'float32'),
    true,
    undefined,
  ),
});

const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(config)'
    : path
        .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`))
        .join('');

/**
 * An architecture's config for a window and horizon, parsed by its schema, or a `ModelError`
 * whose message names each bad key (`nhits config: hidden: …`; an unknown key by its own name) and
 * whose `where` is the first. A builder's config comes from a pipeline file or a saved model alike.
 */
export const parseArchitectureConfig = <S extends z.ZodType>(
  arch: string,
  schema: S,
  raw: unknown,
  window: number,
  horizon: number,
): z.output<S> => {
  if (!Number.isInteger(window) || window < 1) {
    throw new ModelError(`${arch}: window must be a positive integer, got ${window}`, 'window');
  }
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new ModelError(`${arch}: horizon must be a positive integer, got ${horizon}`, 'horizon');
  }
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  // An unknown key is reported at the object's path: name the key itself instead.
  const where = (issue: z.core.$ZodIssue): string =>
    issue.code === 'unrecognized_keys' ? formatPath([...issue.path, issue.keys[0]]) : formatPath(issue.path);
  const issues = parsed.error.issues.map((issue) => `${where(issue)}: ${issue.message}`);
  throw new ModelError(`${arch} config: ${issues.join('; ')}`, where(parsed.error.issues[0]));
};
