import type { Prng } from '../../domain/prng.js';
import type { GbdtObjective } from './objectives.js';
import type { GbdtParams } from './train.js';

/**
 * A seeded synthetic libsvm data set for tests and benches: 8 features (`featureCount`), ~10 % of
 * the entries absent (missing), labels from a noisy non-linear rule of the features — binary 0/1,
 * three classes 0/1/2, or a real value — so the trees have interactions and missing values to learn.
 */
export const syntheticLibsvm = (
  objective: GbdtObjective,
  rowCount: number,
  prng: Prng,
  featureCount = 8,
): string => {
  const lines: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const row: number[] = [];
    for (let f = 0; f < featureCount; f++)
      row.push(f === featureCount - 1 ? prng.int(5) : prng.normal() * (1 + f / 4));
    const missing = row.map(() => prng.next() < 0.1);
    // A missing x0 carries signal of its own, so the default direction matters.
    const x0 = missing[0] ? 1.5 : row[0];
    const score =
      x0 +
      0.8 * Math.sin(row[1]) * row[2] +
      0.3 * row[3 % featureCount] * (row[featureCount - 1] - 2) +
      prng.normal() * 0.7;
    const label =
      objective === 'binary:logistic'
        ? score > 0.2
          ? 1
          : 0
        : objective === 'multi:softprob'
          ? score < -0.6
            ? 0
            : score < 0.8
              ? 1
              : 2
          : Number(score.toFixed(6));
    const cells = row.flatMap((value, f) => (missing[f] ? [] : [`${f}:${Number(value.toPrecision(9))}`]));
    lines.push(`${label} ${cells.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
};

/**
 * The XGBoost CLI config that trains with the same parameters (`tree_method=hist`,
 * single-threaded) on `train.libsvm`, evaluating on `valid.libsvm`, writing `model_out`.
 */
export const xgboostCliConf = (params: GbdtParams, modelOut = 'cli.json', threads = 1): string => {
  const lines = [
    'booster = gbtree',
    'tree_method = hist',
    `objective = ${params.objective}`,
    `num_round = ${params.rounds}`,
    `eta = ${params.eta ?? 0.3}`,
    `max_depth = ${params.maxDepth ?? 6}`,
    `max_leaves = ${params.maxLeaves ?? 0}`,
    `grow_policy = ${params.growPolicy ?? 'depthwise'}`,
    `lambda = ${params.lambda ?? 1}`,
    `alpha = ${params.alpha ?? 0}`,
    `min_child_weight = ${params.minChildWeight ?? 1}`,
    `gamma = ${params.gamma ?? 0}`,
    `subsample = ${params.subsample ?? 1}`,
    `colsample_bytree = ${params.colsampleBytree ?? 1}`,
    `base_score = ${params.baseScore ?? 0.5}`,
    `seed = ${params.seed ?? 0}`,
    `nthread = ${threads}`,
    'data = "train.libsvm?format=libsvm"',
    'eval[valid] = "valid.libsvm?format=libsvm"',
    `model_out = "${modelOut}"`,
  ];
  if (params.objective === 'multi:softprob') lines.push(`num_class = ${params.numClass}`);
  return `${lines.join('\n')}\n`;
};
