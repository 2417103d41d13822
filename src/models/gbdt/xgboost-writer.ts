import type { GbdtModel } from './train.js';
import type { GrownTree } from './tree-builder.js';

/** XGBoost's "no parent" marker for the root (`kInvalidNodeId` as unsigned). */
const ROOT_PARENT = 2147483647;

/**
 * A float32 as JSON text that both XGBoost (strtof-style) and JavaScript (double, then float32)
 * read back as exactly the same float32: the shortest double text of the float32's exact value,
 * always with a `.` or exponent so XGBoost's reader takes it as a number, not an integer.
 */
const float32Text = (value: number): string => {
  const text = String(Math.fround(value));
  return /[.eE]/.test(text) || !/^-?\d+$/.test(text) ? text : `${text}.0`;
};

const floats = (values: readonly number[]): string => `[${values.map(float32Text).join(',')}]`;
const ints = (values: readonly number[]): string => `[${values.join(',')}]`;

const treeJson = (tree: GrownTree, id: number, numFeature: number): string => {
  const nodeCount = tree.left.length;
  const isLeaf = (node: number): boolean => tree.left[node] === -1;
  // A leaf's split_conditions entry is its value (eta × weight); a split's is its threshold.
  const conditions = tree.left.map((_, node) => (isLeaf(node) ? tree.leafValue[node] : tree.threshold[node]));
  const zeros = new Array<number>(nodeCount).fill(0);
  return (
    '{' +
    `"base_weights":${floats(tree.weight)},` +
    '"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],' +
    `"default_left":${ints(tree.defaultLeft)},` +
    `"id":${id},` +
    `"left_children":${ints(tree.left)},` +
    `"loss_changes":${floats(tree.lossChange)},` +
    `"parents":${ints(tree.parent.map((p) => (p === -1 ? ROOT_PARENT : p)))},` +
    `"right_children":${ints(tree.right)},` +
    `"split_conditions":${floats(conditions)},` +
    `"split_indices":${ints(tree.left.map((_, node) => (isLeaf(node) ? 0 : tree.feature[node])))},` +
    `"split_type":${ints(zeros)},` +
    `"sum_hessian":${floats(tree.hessSum)},` +
    `"tree_param":{"num_deleted":"0","num_feature":"${numFeature}","num_nodes":"${nodeCount}","size_leaf_vector":"0"}` +
    '}'
  );
};

const objectiveJson = (model: GbdtModel): string =>
  model.objective === 'multi:softprob'
    ? `{"name":"multi:softprob","softmax_multiclass_param":{"num_class":"${model.numClass}"}}`
    : `{"name":"${model.objective}","reg_loss_param":{"scale_pos_weight":"1"}}`;

/**
 * The model in XGBoost's JSON model format as XGBoost 1.7 writes it (`save_model('m.json')`):
 * loads in real XGBoost (`xgboost task=pred model_in=m.json`, `Booster(model_file=…)`) and in
 * our `parseXgboostJson`. Key order and layout are fixed, so the same model is the same bytes.
 */
export const toXgboostJson = (model: GbdtModel): string => {
  const trees = model.trees.map((tree, t) => treeJson(tree, t, model.numFeature)).join(',');
  return (
    '{"learner":{"attributes":{},"feature_names":[],"feature_types":[],' +
    '"gradient_booster":{"model":{' +
    `"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"${model.trees.length}","size_leaf_vector":"0"},` +
    `"tree_info":${ints(model.treeGroups)},` +
    `"trees":[${trees}]` +
    '},"name":"gbtree"},' +
    `"learner_model_param":{"base_score":"${float32Text(model.baseScore)}","boost_from_average":"0",` +
    `"num_class":"${model.numClass}","num_feature":"${model.numFeature}","num_target":"1"},` +
    `"objective":${objectiveJson(model)}` +
    '},"version":[1,7,4]}\n'
  );
};
