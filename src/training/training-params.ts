import { z } from 'zod';
import { ConfigTime } from '../pipeline/config-time.js';

/**
 * `training.gbdt`: the GBDT trainer's parameters (src/models/gbdt, XGBoost names in the
 * comments). The objective is always multi:softprob with 3 classes (SELL, HOLD, BUY).
 */
export const gbdtTrainingParams = z
  .object({
    /** `num_round`: most boosting rounds (early stopping may keep fewer). */
    rounds: z.number().int().positive().default(200),
    /** `max_depth`. */
    maxDepth: z.number().int().nonnegative().default(4),
    /** `max_leaves` (0 = unlimited). */
    maxLeaves: z.number().int().nonnegative().default(0),
    growPolicy: z.enum(['depthwise', 'lossguide']).default('depthwise'),
    /** `eta`: learning rate. */
    eta: z.number().positive().max(1).default(0.1),
    lambda: z.number().nonnegative().default(1),
    alpha: z.number().nonnegative().default(0),
    /** `min_child_weight`: least hessian per leaf; larger is smoother on small data. */
    minChildWeight: z.number().nonnegative().default(1),
    gamma: z.number().nonnegative().default(0),
    subsample: z.number().positive().max(1).default(0.8),
    colsampleBytree: z.number().positive().max(1).default(0.8),
    /** Stop after this many rounds without a better validation log loss (needs validFraction > 0). */
    earlyStoppingRounds: z.number().int().positive().default(20),
  })
  .strict();
export type GbdtTrainingParams = z.output<typeof gbdtTrainingParams>;

/**
 * Parameters another trainer owns (`training.nhits`, `training.patchtst`: window, horizon, epochs,
 * batchSize, learningRate, …; `training.lightgbm`): passed through to it, and it validates them.
 */
const trainerOwnedParams = z.record(z.string(), z.unknown()).default({});

/**
 * The `training:` section of a pipeline config (`quantum train`): how labels are made, how the
 * walk-forward folds are cut (see src/training/folds.ts) and each trainer's parameters.
 */
export const trainingParams = z
  .object({
    label: z
      .object({
        /** Candles ahead the forward return is measured over. */
        horizon: z.number().int().positive().default(4),
        /** BUY above +thresholdPct %, SELL below −thresholdPct %, else HOLD. */
        thresholdPct: z.number().finite().nonnegative().default(0.3),
      })
      .strict()
      .prefault({}),
    /**
     * Train on the candles of this span only (default: the config's `data.from`/`data.to`), e.g.
     * leave the last weeks out so a backtest over them (`--from`) is out of sample.
     */
    from: ConfigTime.optional(),
    to: ConfigTime.optional(),
    /** Walk-forward folds (the time axis is cut into folds + 1 blocks). */
    folds: z.number().int().positive().max(50).default(4),
    /** Candle steps dropped from training before each test block; default label.horizon. */
    purge: z.number().int().nonnegative().optional(),
    /** Candle steps after each test block that later training sets leave out. */
    embargo: z.number().int().nonnegative().default(0),
    /** Trailing share of every training set held out for early stopping (0 = none). */
    validFraction: z.number().min(0).max(0.5).default(0.1),
    /** Seed of the trainers (row/column sampling, initial weights); default: the config's seed. */
    seed: z.number().int().optional(),
    gbdt: gbdtTrainingParams.prefault({}),
    lightgbm: trainerOwnedParams,
    nhits: trainerOwnedParams,
    patchtst: trainerOwnedParams,
  })
  .strict();
export type TrainingParams = z.output<typeof trainingParams>;
