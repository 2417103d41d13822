import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ModelError } from '../domain/errors.js';

/**
 * Reads XGBoost's JSON model format (`booster.save_model('m.json')`, or the CLI with a
 * `model_out` ending in `.json`; written by XGBoost ≥ 1.0, checked against 1.7.4) into a
 * validated, plain description of the forest. Compiling it into a fast predictor is
 * `compileXgboost` (xgboost-predictor.ts); this file only answers "is this a model we can run
 * exactly, and what is in it".
 *
 * Layout (1.7): `learner.learner_model_param` {base_score, num_class, num_feature} as strings,
 * `learner.objective.name`, `learner.gradient_booster` {name:'gbtree', model:{trees, tree_info}}
 * (dart: `{name:'dart', gbtree:{model}, weight_drop}`), each tree a struct of parallel arrays
 * indexed by node id. A leaf's value is its `split_conditions` entry (already scaled by eta);
 * `base_weights` are the unscaled weights and are not used for prediction.
 */

/** Objectives we can reproduce exactly, by the transform they apply to the summed margin. */
export const XGBOOST_OBJECTIVES = {
  'binary:logistic': 'sigmoid',
  'reg:logistic': 'sigmoid',
  'binary:logitraw': 'logit-identity',
  'binary:hinge': 'hinge',
  'multi:softprob': 'softmax',
  'multi:softmax': 'softmax',
  'reg:squarederror': 'identity',
  'reg:linear': 'identity',
  'reg:squaredlogerror': 'identity',
  'reg:pseudohubererror': 'identity',
  'reg:absoluteerror': 'identity',
  'count:poisson': 'exp',
  'reg:gamma': 'exp',
  'reg:tweedie': 'exp',
} as const;
export type XgboostObjective = keyof typeof XGBOOST_OBJECTIVES;

/** One tree as parallel arrays indexed by node id (−1 child = leaf). */
export interface XgboostTree {
  readonly leftChildren: Int32Array;
  readonly rightChildren: Int32Array;
  readonly splitIndices: Int32Array;
  /** Threshold of a split node, value of a leaf; float32 exactly as XGBoost holds it. */
  readonly splitConditions: Float32Array;
  readonly defaultLeft: Uint8Array;
}

/** A validated XGBoost model: everything prediction needs, nothing else. */
export interface XgboostModelDoc {
  readonly objective: XgboostObjective;
  /** Number of output groups: `num_class` for multiclass, else 1. */
  readonly numGroup: number;
  readonly numClass: number;
  readonly numFeature: number;
  /** `base_score` as stored (probability space for logistic objectives), float32. */
  readonly baseScore: number;
  /** XGBoost's own feature names (Python sets them from a DataFrame); empty when absent. */
  readonly featureNames: readonly string[];
  readonly trees: readonly XgboostTree[];
  /** Output group of each tree (class index for multiclass). */
  readonly treeGroups: Int32Array;
  /** Per-tree weight: 1 for gbtree, `weight_drop` for dart. */
  readonly treeWeights: Float32Array;
  readonly maxDepth: number;
  readonly version: readonly number[];
}

/** XGBoost writes most scalars as strings (`"5E-1"`); 3.x may write `"[5E-1]"`. */
const numeric = z
  .union([z.number(), z.string()])
  .transform((value) => (typeof value === 'number' ? value : Number(value.replace(/^\[|\]$/g, ''))))
  .refine(Number.isFinite, 'expected a finite number (a numeric string such as "5E-1")');
const intArray = z.array(z.number().int());
const flagArray = z.array(z.union([z.number().int().min(0).max(1), z.boolean()]));

const treeSchema = z.object({
  left_children: intArray,
  right_children: intArray,
  split_indices: intArray,
  split_conditions: z.array(z.number()),
  default_left: flagArray,
  split_type: intArray.optional(),
  tree_param: z.object({ num_nodes: numeric, size_leaf_vector: numeric.optional() }),
});
type RawTree = z.infer<typeof treeSchema>;
const forestSchema = z.object({ trees: z.array(treeSchema), tree_info: intArray });

const documentSchema = z.object({
  version: z.array(z.number()).optional(),
  learner: z.object({
    feature_names: z.array(z.string()).optional(),
    learner_model_param: z.object({ base_score: numeric, num_class: numeric, num_feature: numeric }),
    objective: z.object({ name: z.string() }),
    gradient_booster: z.discriminatedUnion('name', [
      z.object({ name: z.literal('gbtree'), model: forestSchema }),
      z.object({
        name: z.literal('dart'),
        gbtree: z.object({ model: forestSchema }),
        weight_drop: z.array(z.number()),
      }),
    ]),
  }),
});

const fail = (where: string, what: string): never => {
  throw new ModelError(
    `${where}: ${what}. The XGBoost JSON model is corrupt or not supported; re-export it with ` +
      `booster.save_model('model.json') (XGBoost ≥ 1.0, gbtree or dart booster).`,
    where,
  );
};

/** Copies a tree into typed arrays and checks it is a real tree (no cycles, indices in range). */
const compileTree = (
  raw: RawTree,
  index: number,
  numFeature: number,
  where: string,
): [XgboostTree, number] => {
  const at = `${where}: trees[${index}]`;
  const nodeCount = raw.tree_param.num_nodes;
  const arrays = [
    raw.left_children,
    raw.right_children,
    raw.split_indices,
    raw.split_conditions,
    raw.default_left,
  ];
  if (nodeCount < 1 || arrays.some((a) => a.length !== nodeCount)) {
    fail(
      at,
      `node arrays must all have num_nodes = ${nodeCount} entries (got ${arrays.map((a) => a.length)})`,
    );
  }
  if ((raw.tree_param.size_leaf_vector ?? 0) > 1)
    fail(at, 'vector-leaf (multi-target) trees are not supported');
  if (raw.split_type?.some((t) => t !== 0)) fail(at, 'categorical splits are not supported');
  const tree: XgboostTree = {
    leftChildren: Int32Array.from(raw.left_children),
    rightChildren: Int32Array.from(raw.right_children),
    splitIndices: Int32Array.from(raw.split_indices),
    splitConditions: Float32Array.from(raw.split_conditions),
    defaultLeft: Uint8Array.from(raw.default_left, (flag) => (flag === true || flag === 1 ? 1 : 0)),
  };
  // Walk from the root: every reachable node is reached once (so a walk always ends) and every
  // split points at real nodes and a real feature.
  const seen = new Uint8Array(nodeCount);
  const stack = [0, 0];
  let maxDepth = 0;
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const node = stack.pop() as number;
    if (seen[node] === 1) fail(at, `node ${node} is reached twice (cycle)`);
    seen[node] = 1;
    maxDepth = Math.max(maxDepth, depth);
    const left = tree.leftChildren[node];
    const right = tree.rightChildren[node];
    if (!Number.isFinite(tree.splitConditions[node])) fail(at, `split_conditions[${node}] is not finite`);
    if (left === -1 && right === -1) continue;
    if (left < 0 || left >= nodeCount || right < 0 || right >= nodeCount) {
      fail(at, `node ${node} has children ${left}/${right}, outside 0…${nodeCount - 1}`);
    }
    const feature = tree.splitIndices[node];
    if (feature < 0 || feature >= numFeature) {
      fail(at, `split_indices[${node}] = ${feature} is outside the ${numFeature} features (num_feature)`);
    }
    stack.push(left, depth + 1, right, depth + 1);
  }
  return [tree, maxDepth];
};

/**
 * Parses and validates the text of an XGBoost JSON model.
 * @param text the file content
 * @param where the file name, used in every error message
 * @throws ModelError naming the file and what is wrong (not JSON, truncated, wrong structure,
 *   unknown objective, a tree that is not a tree)
 */
export const parseXgboostJson = (text: string, where: string): XgboostModelDoc => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(where, `not valid JSON (truncated or corrupt file?): ${(error as Error).message}`);
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    return fail(where, `not an XGBoost JSON model (${issues.join('; ')})`);
  }
  const learner = parsed.data.learner;
  const objectiveName = learner.objective.name;
  if (!Object.hasOwn(XGBOOST_OBJECTIVES, objectiveName)) {
    fail(
      where,
      `objective "${objectiveName}" is not supported; supported: ${Object.keys(XGBOOST_OBJECTIVES).join(', ')}`,
    );
  }
  const objective = objectiveName as XgboostObjective;
  const params = learner.learner_model_param;
  const numClass = params.num_class;
  const numFeature = params.num_feature;
  const numGroup = Math.max(1, numClass);
  if (!Number.isInteger(numFeature) || numFeature < 1) fail(where, `num_feature = ${numFeature} must be ≥ 1`);
  if (XGBOOST_OBJECTIVES[objective] === 'softmax' && numClass < 2)
    fail(where, `${objective} needs num_class ≥ 2`);
  const booster = learner.gradient_booster;
  const forest = booster.name === 'gbtree' ? booster.model : booster.gbtree.model;
  const trees: XgboostTree[] = [];
  let maxDepth = 0;
  forest.trees.forEach((raw, index) => {
    const [tree, depth] = compileTree(raw, index, numFeature, where);
    trees.push(tree);
    maxDepth = Math.max(maxDepth, depth);
  });
  if (forest.tree_info.length !== trees.length) {
    fail(where, `tree_info has ${forest.tree_info.length} entries for ${trees.length} trees`);
  }
  const badGroup = forest.tree_info.findIndex((group) => group < 0 || group >= numGroup);
  if (badGroup >= 0)
    fail(where, `tree_info[${badGroup}] = ${forest.tree_info[badGroup]} is outside 0…${numGroup - 1}`);
  const weights = booster.name === 'dart' ? booster.weight_drop : trees.map(() => 1);
  if (weights.length !== trees.length)
    fail(where, `weight_drop has ${weights.length} entries for ${trees.length} trees`);
  return {
    objective,
    numGroup,
    numClass,
    numFeature,
    baseScore: Math.fround(params.base_score),
    featureNames: learner.feature_names ?? [],
    trees,
    treeGroups: Int32Array.from(forest.tree_info),
    treeWeights: Float32Array.from(weights),
    maxDepth,
    version: parsed.data.version ?? [],
  };
};

/** Reads and validates an XGBoost JSON model file (see `parseXgboostJson`). */
export const readXgboostJson = (path: string): XgboostModelDoc => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelError(`${path}: cannot read the model file: ${(error as Error).message}`, path);
  }
  return parseXgboostJson(text, path);
};
