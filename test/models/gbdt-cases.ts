// The parity cases shared by test/models/gbdt-parity.test.ts and scripts/make-gbdt-fixtures.ts:
// one per objective, parameters the real XGBoost CLI trains with too.
import type { GbdtParams } from '../../src/models/gbdt/index.js';

export interface ParityCase {
  readonly name: 'binary' | 'multi' | 'reg' | 'leafwise';
  readonly params: GbdtParams;
}

export const PARITY_CASES: readonly ParityCase[] = [
  { name: 'binary', params: { objective: 'binary:logistic', rounds: 60, eta: 0.1, maxDepth: 4, seed: 7 } },
  {
    name: 'multi',
    params: { objective: 'multi:softprob', numClass: 3, rounds: 40, eta: 0.1, maxDepth: 4, seed: 7 },
  },
  { name: 'reg', params: { objective: 'reg:squarederror', rounds: 60, eta: 0.1, maxDepth: 4, seed: 7 } },
  // Leaf-wise growth with every regulariser and seeded row/column sampling (the CLI samples with
  // its own generator, so only the metric, not the trees, can be compared).
  {
    name: 'leafwise',
    params: {
      objective: 'binary:logistic',
      rounds: 60,
      eta: 0.1,
      growPolicy: 'lossguide',
      maxDepth: 0,
      maxLeaves: 12,
      lambda: 2,
      alpha: 0.1,
      gamma: 0.2,
      minChildWeight: 2,
      subsample: 0.8,
      colsampleBytree: 0.75,
      seed: 7,
    },
  },
];
