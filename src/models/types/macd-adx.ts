import { z } from 'zod';
import { registerModelType } from '../model-type.js';
import { macdAdxModel, macdAdxParams } from '../rule-models.js';

/** `type: macd-adx` — MACD histogram when ADX trends (see `macdAdxModel`); votes under `params.name`. */
export const macdAdxModelType = registerModelType({
  type: 'macd-adx',
  schema: z
    .object({
      type: z.literal('macd-adx'),
      weight: z.number().finite().nonnegative().default(1),
      params: macdAdxParams.prefault({}),
    })
    .strict(),
  nameOf: (entry) => entry.params.name,
  requiredFeatures: (entry) => [
    entry.params.macdHist,
    entry.params.adx,
    entry.params.plusDi,
    entry.params.minusDi,
  ],
  build: (entry) => macdAdxModel(entry.params),
});
