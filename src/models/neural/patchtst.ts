import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ModelError } from '../../domain/errors.js';
import type { Prng } from '../../domain/prng.js';
import {
  type NamedWeight,
  type Network,
  type NetworkBuilder,
  parseArchitectureConfig,
  seededVariable,
} from './network.js';
import {
  type AttentionWeights,
  gelu,
  layerNorm,
  linear,
  multiHeadSelfAttention,
  patchCount,
  patchify,
  type RevinAffine,
  revinDenormalize,
  revinNormalize,
} from './patchtst-ops.js';

/**
 * PatchTST (Nie, Nguyen, Sinthong, Kalagnanam, ICLR 2023, "A Time Series is Worth 64 Words:
 * Long-term Forecasting with Transformers") in raw tfjs ops, following the official
 * `PatchTST_backbone` (supervised):
 *
 *   x [batch, window] → RevIN → patches [batch, P, patchLen] → linear embedding + learnable
 *   positional embedding [P, dModel] → nLayers × (multi-head self-attention → add & norm →
 *   GELU feed-forward → add & norm) → flatten [P·dModel] → linear → [batch, horizon] → RevIN⁻¹
 *
 * **Channel independence.** PatchTST forecasts each channel of a multivariate series on its own
 * with one shared set of weights. Here every row of `x` is one channel of one series (one symbol's
 * normalized closes), and all rows, in training and in prediction, share every weight: a batch of
 * 222 symbols is 222 independent channels, and no row ever sees another (no op mixes rows).
 *
 * **Normalization: LayerNorm, not the paper's BatchNorm.** The official code's default is
 * BatchNorm over the feature dim; its LayerNorm option is the accepted variant, chosen here
 * because (1) a forecast must not depend on the other rows of the batch or on running
 * statistics: backtest (a batch of many symbols) and live (batch 1) have to give the same
 * numbers for the same window, which BatchNorm in training mode breaks; (2) running statistics
 * are non-trainable state outside the `Network.weights` contract, which saves trainable
 * variables only; (3) training and inference then run the same function.
 *
 * **No dropout** (the paper uses it in the encoder, the FFN and the head): training must be
 * deterministic, so `forward`'s `training` flag changes nothing.
 *
 * Other deliberate details: no residual attention (the official code's `res_attention`, scores
 * added across layers, which the paper does not describe); the head flattens patch-major
 * (`[P, dModel]`, the official code flattens `[dModel, P]`: the same function class, a permuted
 * weight); matrices start Glorot-uniform from our seeded PRNG (PyTorch uses Kaiming-uniform),
 * biases at zero, norms and RevIN at the identity, the positional embedding at N(0, 0.02²)
 * (official: U(−0.02, 0.02)).
 */

/** PatchTST's hyper-parameters; the defaults suit a 30-candle window (10 patches of 6, stride 3). */
export const patchtstConfig = z
  .object({
    /** Length of one patch (one "word"), in candles. */
    patchLen: z.number().int().positive().default(6),
    /** Step between patch starts; ≤ patchLen so no candle is skipped. */
    stride: z.number().int().positive().default(3),
    /** Width of the patch embeddings and of the encoder. */
    dModel: z.number().int().positive().default(32),
    /** Attention heads; must divide dModel. */
    nHeads: z.number().int().positive().default(4),
    /** Transformer encoder layers. */
    nLayers: z.number().int().positive().default(2),
    /** Hidden width of the position-wise feed-forward block. */
    ffDim: z.number().int().positive().default(64),
    /** Reversible instance normalization of each input row (and its inverse on the forecast). */
    revin: z.boolean().default(true),
    /** RevIN's learnable scale and shift (only with `revin`). */
    revinAffine: z.boolean().default(true),
    /** Extend the window by `stride` copies of its last value: one more patch, ending on the newest candle. */
    padEnd: z.boolean().default(true),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.dModel % config.nHeads !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['nHeads'],
        message: `${config.nHeads} does not divide dModel ${config.dModel}; expected a divisor of dModel`,
      });
    }
    if (config.stride > config.patchLen) {
      context.addIssue({
        code: 'custom',
        path: ['stride'],
        message: `${config.stride} is above patchLen ${config.patchLen}, which would skip candles; expected ≤ patchLen`,
      });
    }
  });
export type PatchtstConfig = z.output<typeof patchtstConfig>;

/**
 * Parses a PatchTST config for a window and horizon, or throws a `ModelError` (as `parseNhitsConfig`
 * does: a builder's config comes from a pipeline file or a saved model alike) whose message names
 * each bad key and what was expected, and whose `where` is the first bad key.
 */
export const parsePatchtstConfig = (raw: unknown, window: number, horizon: number): PatchtstConfig => {
  const config = parseArchitectureConfig('patchtst', patchtstConfig, raw, window, horizon);
  if (config.patchLen > window) {
    throw new ModelError(
      `patchtst config: patchLen: ${config.patchLen} is longer than the window (${window}); expected ≤ ${window}`,
      'patchLen',
    );
  }
  return config;
};

/** The variables of one encoder layer. */
interface EncoderLayerWeights {
  readonly attention: AttentionWeights;
  readonly norm1: { readonly gamma: tf.Variable; readonly beta: tf.Variable };
  readonly ff: {
    readonly w1: tf.Variable;
    readonly b1: tf.Variable;
    readonly w2: tf.Variable;
    readonly b2: tf.Variable;
  };
  readonly norm2: { readonly gamma: tf.Variable; readonly beta: tf.Variable };
}

/** Creates every variable in a fixed order from `rng` (same seed ⇒ same bytes), and lists them by name. */
const createWeights = (
  tfjs: typeof tf,
  config: PatchtstConfig,
  numPatches: number,
  horizon: number,
  rng: Prng,
) => {
  const named: NamedWeight[] = [];
  const make = (
    name: string,
    shape: readonly number[],
    init: Parameters<typeof seededVariable>[3],
  ): tf.Variable => {
    const weight = seededVariable(tfjs, name, shape, init, rng);
    named.push(weight);
    return weight.variable;
  };
  const { dModel, ffDim, patchLen } = config;
  const revinAffine: RevinAffine | undefined =
    config.revin && config.revinAffine
      ? { weight: make('revin.weight', [1], 'ones'), bias: make('revin.bias', [1], 'zeros') }
      : undefined;
  const embed = {
    w: make('embed.w', [patchLen, dModel], 'glorot'),
    b: make('embed.b', [dModel], 'zeros'),
    pos: make('embed.pos', [numPatches, dModel], { normal: 0.02 }),
  };
  const layers: EncoderLayerWeights[] = [];
  for (let l = 0; l < config.nLayers; l++) {
    const at = (name: string) => `layer${l}.${name}`;
    layers.push({
      attention: {
        wq: make(at('attn.wq'), [dModel, dModel], 'glorot'),
        bq: make(at('attn.bq'), [dModel], 'zeros'),
        wk: make(at('attn.wk'), [dModel, dModel], 'glorot'),
        bk: make(at('attn.bk'), [dModel], 'zeros'),
        wv: make(at('attn.wv'), [dModel, dModel], 'glorot'),
        bv: make(at('attn.bv'), [dModel], 'zeros'),
        wo: make(at('attn.wo'), [dModel, dModel], 'glorot'),
        bo: make(at('attn.bo'), [dModel], 'zeros'),
      },
      norm1: {
        gamma: make(at('norm1.gamma'), [dModel], 'ones'),
        beta: make(at('norm1.beta'), [dModel], 'zeros'),
      },
      ff: {
        w1: make(at('ff.w1'), [dModel, ffDim], 'glorot'),
        b1: make(at('ff.b1'), [ffDim], 'zeros'),
        w2: make(at('ff.w2'), [ffDim, dModel], 'glorot'),
        b2: make(at('ff.b2'), [dModel], 'zeros'),
      },
      norm2: {
        gamma: make(at('norm2.gamma'), [dModel], 'ones'),
        beta: make(at('norm2.beta'), [dModel], 'zeros'),
      },
    });
  }
  const head = {
    w: make('head.w', [numPatches * dModel, horizon], 'glorot'),
    b: make('head.b', [horizon], 'zeros'),
  };
  return { named, revinAffine, embed, layers, head };
};

/** One post-norm encoder layer (the official default): `z = norm1(z + MHA(z))`, `z = norm2(z + FFN(z))`. */
const encoderLayer = (
  tfjs: typeof tf,
  z: tf.Tensor3D,
  weights: EncoderLayerWeights,
  heads: number,
): tf.Tensor3D => {
  const attended = multiHeadSelfAttention(tfjs, z, weights.attention, heads);
  const afterAttention = layerNorm(tfjs, tfjs.add(z, attended), weights.norm1.gamma, weights.norm1.beta);
  const hidden = gelu(tfjs, linear(tfjs, afterAttention, weights.ff.w1, weights.ff.b1));
  const fed = linear(tfjs, hidden, weights.ff.w2, weights.ff.b2);
  return layerNorm(
    tfjs,
    tfjs.add(afterAttention, fed),
    weights.norm2.gamma,
    weights.norm2.beta,
  ) as tf.Tensor3D;
};

/**
 * Builds a PatchTST network (see the file comment) for `spec.window` → `spec.horizon`. Validates
 * `spec.config` first (a `ModelError` names the bad key, e.g. `nHeads` not dividing `dModel` or
 * `patchLen` longer than the window); `rng` seeds every weight. The returned `config` is the
 * parsed one, defaults filled in, so a saved model rebuilds the same network after a default changes.
 */
export const buildPatchtst: NetworkBuilder = (tfjs, spec, rng): Network => {
  const config = parsePatchtstConfig(spec.config, spec.window, spec.horizon);
  const { window, horizon } = spec;
  const numPatches = patchCount(window, config.patchLen, config.stride, config.padEnd);
  const weights = createWeights(tfjs, config, numPatches, horizon, rng);
  const forward = (x: tf.Tensor2D): tf.Tensor2D =>
    tfjs.tidy(() => {
      if (x.rank !== 2 || x.shape[1] !== window) {
        throw new ModelError(
          `patchtst: input shape [${x.shape}]; expected [batch, ${window}]`,
          'patchtst.forward',
        );
      }
      const batch = x.shape[0];
      const normalized = config.revin ? revinNormalize(tfjs, x, weights.revinAffine) : undefined;
      const patches = patchify(tfjs, normalized?.normalized ?? x, config);
      let z = tfjs.add(
        linear(tfjs, patches, weights.embed.w, weights.embed.b),
        weights.embed.pos,
      ) as tf.Tensor3D;
      for (const layer of weights.layers) z = encoderLayer(tfjs, z, layer, config.nHeads);
      const flat = tfjs.reshape(z, [batch, numPatches * config.dModel]);
      const forecast = linear(tfjs, flat, weights.head.w, weights.head.b) as tf.Tensor2D;
      return normalized === undefined
        ? forecast
        : revinDenormalize(tfjs, forecast, normalized.stats, weights.revinAffine);
    });
  return {
    arch: 'patchtst',
    window,
    horizon,
    config,
    weights: weights.named,
    forward,
    dispose: () => {
      for (const weight of weights.named) weight.variable.dispose();
    },
  };
};
