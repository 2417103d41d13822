import { z } from 'zod';
import { registerModelType } from '../model-type.js';
import { emaTrendRsiModel, emaTrendRsiParams } from '../rule-models.js';

/** `type: ema-rsi` — EMA trend with an RSI band (see `emaTrendRsiModel`); votes under `params.name`. */
export const emaRsiModelType = registerModelType({
  type: 'ema-rsi',
  schema: z
    .object({
      type: z.literal('ema-rsi'),
      weight: z.number().finite().nonnegative().default(1),
      params: emaTrendRsiParams.prefault({}),
    })
    .strict(),
  nameOf: (entry) => entry.params.name,
  requiredFeatures: (entry) => [entry.params.fast, entry.params.slow, entry.params.rsi],
  build: (entry) => emaTrendRsiModel(entry.params),
});
