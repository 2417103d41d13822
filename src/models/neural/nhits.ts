import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ModelError } from '../../domain/errors.js';
import type { Prng } from '../../domain/prng.js';
import { type NamedWeight, type NetworkBuilder, parseArchitectureConfig, seededVariable } from './network.js';

/**
 * N-HiTS (Challu, Olivares, Oreshkin, Garza, Mergenthaler-Canseco, Dubrawski, 2022: "N-HiTS: Neural
 * Hierarchical Interpolation for Time Series Forecasting", AAAI-23) in raw tfjs ops.
 *
 * The network is `stacks` stacks of `blocksPerStack` blocks. Block ℓ of stack s (paper §3.1–3.3):
 *
 * 1. **Multi-rate input pooling** (§3.1, eq. 1): `y⁽ᵖ⁾ = MaxPool1d(y, k_s)` with kernel = stride =
 *    `poolKernels[s]`, so early stacks see a coarse, smoothed input and the last one the raw window.
 *    When the window is not a multiple of k the *start* (oldest end) is padded by repeating the
 *    first value, i.e. the oldest pooling window is shorter; the newest values always sit in full
 *    windows. This matches the reference code (neuralforecast flips time before a `ceil_mode` pool,
 *    so its short window is the oldest one too). `maxPoolStart` below.
 * 2. **MLP** (eq. 2): `mlpLayers` fully connected layers of width `hidden` with ReLU on the pooled
 *    input, then two linear heads giving the backcast and forecast coefficients θᵇ, θᶠ.
 * 3. **Hierarchical interpolation** (§3.2, eq. 3): θᶠ has `max(1, ⌈horizon / r_s⌉)` entries, with
 *    the stack's downsample (inverse expressiveness) ratio `r_s = downsample[s]`, and is mapped to
 *    the `horizon` steps by interpolation; θᵇ likewise to the `window` steps (`max(1, ⌈window / r_s⌉)`
 *    entries, the paper's g(θᵇ)). The interpolation is linear in θ, so it is a constant
 *    `[coefficients, length]` matrix built once and applied with one matMul (`interpolationMatrix`:
 *    PyTorch `F.interpolate` semantics, `align_corners=False`, as the reference code uses).
 *    `backcast: 'full'` instead gives θᵇ one entry per window step with no interpolation, as
 *    neuralforecast's `_IdentityBasis` does.
 * 4. **Doubly residual stacking** (§3.3, eq. 4, from N-BEATS): the next block's input is the
 *    residual `y − backcast`, and the forecast is the sum of all blocks' forecasts.
 *
 * Simplifications, each on purpose:
 * - No dropout on θ (the paper's default is 0 too): training must be deterministic.
 * - No naive level: neuralforecast starts the forecast at the window's last value; our inputs are
 *   already differenced to the last close (network.ts), so that level is 0.
 * - The last block has no backcast head: its residual feeds nothing, so those weights could never
 *   receive a gradient (the reference code computes and discards it).
 * - No exogenous inputs and univariate only, like the `Network` contract.
 *
 * Weights: `stack{s}.block{b}.mlp{l}.kernel|bias`, `stack{s}.block{b}.forecast.kernel|bias`,
 * `stack{s}.block{b}.backcast.kernel|bias`; Glorot-uniform kernels from the seeded PRNG, zero biases.
 */

const positiveInt = z.number().int().positive();

export const nhitsConfig = z
  .object({
    /** Stacks, coarsest first; each has its own pool kernel and downsample ratio. */
    stacks: positiveInt.default(3),
    /** Blocks in each stack (they share the stack's kernel and ratio, not their weights). */
    blocksPerStack: positiveInt.default(1),
    /** MaxPool kernel (= stride) of each stack's input; at most the window. Default for window 120. */
    poolKernels: z.array(positiveInt).min(1).default([8, 4, 1]),
    /** Downsample ratio r of each stack: θᶠ has max(1, ⌈horizon / r⌉) entries, θᵇ max(1, ⌈window / r⌉). */
    downsample: z.array(positiveInt).min(1).default([12, 4, 1]),
    /** Hidden fully connected ReLU layers of each block's MLP. */
    mlpLayers: positiveInt.default(2),
    /** Width of those layers. */
    hidden: positiveInt.default(128),
    /** How θ becomes a series: `linear` (the paper's choice) or `nearest` (piecewise constant). */
    interpolation: z.enum(['linear', 'nearest']).default('linear'),
    /** `interpolated`: θᵇ is downsampled like θᶠ (paper); `full`: one θᵇ per window step (neuralforecast). */
    backcast: z.enum(['interpolated', 'full']).default('interpolated'),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const key of ['poolKernels', 'downsample'] as const) {
      if (config[key].length !== config.stacks) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `needs one entry per stack (${config.stacks}), got ${config[key].length}`,
        });
      }
    }
  });
export type NhitsConfig = z.output<typeof nhitsConfig>;

/** Parses an N-HiTS config; the error names the bad key (`nhits config: hidden: …`). */
export const parseNhitsConfig = (raw: unknown, window: number, horizon: number): NhitsConfig => {
  const config = parseArchitectureConfig('nhits', nhitsConfig, raw, window, horizon);
  config.poolKernels.forEach((kernel, s) => {
    if (kernel > window) {
      throw new ModelError(
        `nhits config: poolKernels[${s}]: kernel ${kernel} is larger than the window (${window})`,
        `poolKernels[${s}]`,
      );
    }
  });
  return config;
};

/** Coefficients of a stack with downsample ratio `ratio` for a series of `length` steps: max(1, ⌈length / ratio⌉). */
export const coefficientCount = (length: number, ratio: number): number =>
  Math.max(1, Math.ceil(length / ratio));

/**
 * MaxPool1d with kernel = stride = `kernel` over the time axis of `[batch, length]`, giving
 * `[batch, ⌈length / kernel⌉]`. A short first window is padded by repeating the first value (so it
 * is the max of the values it has). Example: [1, 5, 2, 3], kernel 2 → [5, 3]; [1, 5, 2] → [1, 5].
 */
export const maxPoolStart = (tfjs: typeof tf, x: tf.Tensor2D, kernel: number): tf.Tensor2D =>
  tfjs.tidy(() => {
    if (kernel === 1) return x.clone();
    const [batch, length] = x.shape;
    const pooled = Math.ceil(length / kernel);
    const pad = pooled * kernel - length;
    const padded =
      pad === 0 ? x : tfjs.concat([tfjs.tile(tfjs.slice(x, [0, 0], [batch, 1]), [1, pad]), x], 1);
    return tfjs.max(tfjs.reshape(padded, [batch, pooled, kernel]), 2) as tf.Tensor2D;
  });

/**
 * The `[from, to]` matrix M with `θ · M` = θ (from coefficients) interpolated to `to` points, as
 * PyTorch `F.interpolate(mode, align_corners=False)`: point i samples the coefficients at
 * `(i + ½)·from/to − ½` (clamped to the ends). Linear, 2 → 4: [a, ¾a + ¼b, ¼a + ¾b, b];
 * nearest samples `⌊i·from/to⌋`. Rows are coefficients, columns are points; each column sums to 1.
 */
export const interpolationMatrix = (from: number, to: number, mode: 'linear' | 'nearest'): Float32Array => {
  const matrix = new Float32Array(from * to);
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    if (mode === 'nearest') {
      matrix[Math.min(Math.floor(i * scale), from - 1) * to + i] = 1;
      continue;
    }
    const source = Math.max(0, (i + 0.5) * scale - 0.5);
    const low = Math.min(Math.floor(source), from - 1);
    const high = Math.min(low + 1, from - 1);
    const weight = source - low;
    matrix[low * to + i] += 1 - weight;
    matrix[high * to + i] += weight;
  }
  return matrix;
};

/** A dense layer `x·W + b`. */
interface Dense {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/** One block's weights plus the constant interpolation matrices of its stack. */
interface Block {
  readonly kernel: number;
  readonly mlp: readonly Dense[];
  readonly forecast: Dense;
  /** Absent on the network's last block (its residual is never used). */
  readonly backcast?: Dense;
  /** `undefined` when the coefficients already have one entry per step (the identity). */
  readonly forecastBasis?: tf.Tensor2D;
  readonly backcastBasis?: tf.Tensor2D;
}

/** N-HiTS as a `Network` (see the file header). */
export const buildNhits: NetworkBuilder = (tfjs, spec, rng) => {
  const { window, horizon } = spec;
  const config = parseNhitsConfig(spec.config, window, horizon);
  const weights: NamedWeight[] = [];
  const constants: tf.Tensor[] = [];
  const dense = (name: string, fanIn: number, fanOut: number, random: Prng): Dense => {
    const kernel = seededVariable(tfjs, `${name}.kernel`, [fanIn, fanOut], 'glorot', random);
    const bias = seededVariable(tfjs, `${name}.bias`, [fanOut], 'zeros', random);
    weights.push(kernel, bias);
    return { kernel: kernel.variable, bias: bias.variable };
  };
  const basis = (from: number, to: number): tf.Tensor2D | undefined => {
    if (from === to) return undefined; // both modes give the identity
    const matrix = tfjs.tensor2d(interpolationMatrix(from, to, config.interpolation), [from, to]);
    constants.push(matrix);
    return matrix;
  };

  const blocks: Block[] = [];
  for (let s = 0; s < config.stacks; s++) {
    const kernel = config.poolKernels[s];
    const ratio = config.downsample[s];
    const forecastCoefficients = coefficientCount(horizon, ratio);
    const backcastCoefficients = config.backcast === 'full' ? window : coefficientCount(window, ratio);
    const forecastBasis = basis(forecastCoefficients, horizon);
    const backcastBasis = basis(backcastCoefficients, window);
    for (let b = 0; b < config.blocksPerStack; b++) {
      const name = `stack${s}.block${b}`;
      const last = s === config.stacks - 1 && b === config.blocksPerStack - 1;
      const mlp: Dense[] = [];
      let width = Math.ceil(window / kernel);
      for (let l = 0; l < config.mlpLayers; l++) {
        mlp.push(dense(`${name}.mlp${l}`, width, config.hidden, rng));
        width = config.hidden;
      }
      const forecast = dense(`${name}.forecast`, width, forecastCoefficients, rng);
      const backcast = last ? undefined : dense(`${name}.backcast`, width, backcastCoefficients, rng);
      blocks.push({ kernel, mlp, forecast, backcast, forecastBasis, backcastBasis });
    }
  }

  const forward = (x: tf.Tensor2D): tf.Tensor2D => {
    if (x.rank !== 2 || x.shape[1] !== window) {
      throw new ModelError(`nhits: input must be [batch, ${window}], got [${x.shape.join(', ')}]`);
    }
    return tfjs.tidy(() => {
      let residual: tf.Tensor2D = x;
      let forecast: tf.Tensor2D | undefined;
      for (const block of blocks) {
        let hidden = maxPoolStart(tfjs, residual, block.kernel);
        for (const layer of block.mlp) {
          hidden = tfjs.fused.matMul({
            a: hidden,
            b: layer.kernel,
            bias: layer.bias,
            activation: 'relu',
          }) as tf.Tensor2D;
        }
        const blockForecast = project(tfjs, hidden, block.forecast, block.forecastBasis);
        forecast = forecast === undefined ? blockForecast : tfjs.add(forecast, blockForecast);
        if (block.backcast !== undefined) {
          residual = tfjs.sub(residual, project(tfjs, hidden, block.backcast, block.backcastBasis));
        }
      }
      return forecast as tf.Tensor2D;
    });
  };

  return {
    arch: 'nhits',
    window,
    horizon,
    config: { ...config },
    weights,
    forward,
    dispose: () => {
      for (const weight of weights) weight.variable.dispose();
      for (const constant of constants) constant.dispose();
    },
  };
};

/** θ = h·W + b, then θ interpolated to full length by its basis matrix (none: θ already is). */
const project = (
  tfjs: typeof tf,
  hidden: tf.Tensor2D,
  head: Dense,
  basis: tf.Tensor2D | undefined,
): tf.Tensor2D => {
  const theta = tfjs.fused.matMul({ a: hidden, b: head.kernel, bias: head.bias }) as tf.Tensor2D;
  return basis === undefined ? theta : tfjs.matMul(theta, basis);
};
