import { readFileSync } from 'node:fs';
import { ModelError } from '../../domain/errors.js';
import { type LightgbmObjective, parseLightgbmObjective } from './lightgbm-objective.js';

/**
 * Reads LightGBM's text model format (`booster.save_model('model.txt')`, the CLI's
 * `output_model`; headers `version=v2`, `v3`, `v4`, checked against LightGBM 4.7.0) into a
 * validated, plain description of the forest. `compileLightgbm` (lightgbm-predictor.ts) turns it
 * into a predictor; this file only answers "is this a model we can run exactly, and what is in it".
 *
 * Layout: a first line `tree`, header lines `key=value` (version, num_class,
 * num_tree_per_iteration, label_index, max_feature_idx, objective, `average_output` alone on its
 * line for random forests, feature_names, feature_infos, tree_sizes), then one `Tree=<i>` block per
 * tree of parallel arrays (node i: split_feature, threshold, decision_type, left_child,
 * right_child; a child < 0 is leaf ~child; leaf_value per leaf, already scaled by the shrinkage;
 * categorical splits: threshold = index into cat_boundaries, which delimit 32-bit words of
 * cat_threshold: a bitset of the categories that go left), then `end of trees`. What follows
 * (feature importances, parameters) does not change predictions and is not read.
 * `decision_type` bits: 0 categorical, 1 default left, 2–3 missing type (0 None, 1 Zero, 2 NaN).
 */

/** One tree as parallel arrays: internal nodes 0…numLeaves−2, leaves 0…numLeaves−1. */
export interface LightgbmTree {
  readonly numLeaves: number;
  readonly splitFeature: Int32Array;
  readonly threshold: Float64Array;
  readonly decisionType: Uint8Array;
  /** Child of each internal node: ≥ 0 another internal node, < 0 leaf ~child. */
  readonly leftChild: Int32Array;
  readonly rightChild: Int32Array;
  readonly leafValue: Float64Array;
  readonly catBoundaries: Int32Array;
  readonly catThreshold: Uint32Array;
}

/** A validated LightGBM model: everything prediction needs, nothing else. */
export interface LightgbmModelDoc {
  /** `v2`, `v3`, `v4`. */
  readonly version: string;
  readonly numClass: number;
  /** Trees per boosting iteration: num_class for multiclass, else 1. Tree i belongs to class i mod this. */
  readonly numTreePerIteration: number;
  /** max_feature_idx + 1. */
  readonly numFeature: number;
  readonly objective: LightgbmObjective;
  /** Random forest: the summed output is divided by the number of iterations. */
  readonly averageOutput: boolean;
  /** LightGBM's own feature names (`Column_0…` when trained without names). */
  readonly featureNames: readonly string[];
  readonly trees: readonly LightgbmTree[];
}

export const DECISION_CATEGORICAL = 1;
export const DECISION_DEFAULT_LEFT = 2;

/** A line of the file with its 1-based number, for errors. */
interface Line {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Whether a text looks like a LightGBM text model (`tree` then `version=`), not JSON. */
export const isLightgbmText = (text: string): boolean => /^tree\r?\n\s*version=/.test(text.slice(0, 64));

/** Keys a `Tree=` block may hold (LightGBM 2–4); anything else is a corrupt line. */
const TREE_KEYS = new Set([
  'Tree',
  'num_leaves',
  'num_cat',
  'split_feature',
  'split_gain',
  'threshold',
  'decision_type',
  'left_child',
  'right_child',
  'leaf_value',
  'leaf_weight',
  'leaf_count',
  'internal_value',
  'internal_weight',
  'internal_count',
  'cat_boundaries',
  'cat_threshold',
  'is_linear',
  'leaf_const',
  'num_features',
  'leaf_features',
  'leaf_coeff',
  'shrinkage',
]);

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Reads a whitespace-separated list of numbers; `inf`/`-inf` as LightGBM writes them. */
const numbers = (entry: Line, where: string): number[] => {
  if (entry.value.trim() === '') return [];
  return entry.value
    .trim()
    .split(/\s+/)
    .map((token) => {
      if (NUMBER.test(token)) return Number(token);
      if (/^[-+]?inf(inity)?$/i.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
      throw new ModelError(`${where}:${entry.line}: ${entry.key}: "${token}" is not a number`, where);
    });
};

const integers = (entry: Line, where: string): number[] => {
  const values = numbers(entry, where);
  const bad = values.find((value) => !Number.isSafeInteger(value));
  if (bad !== undefined)
    throw new ModelError(`${where}:${entry.line}: ${entry.key}: ${bad} is not an integer`, where);
  return values;
};

/** Splits the text into `key=value` lines grouped as the header, the tree blocks and the rest. */
const sections = (text: string, where: string): { header: Map<string, Line>; trees: Map<string, Line>[] } => {
  const lines = text.split('\n');
  if (lines[0].trim() !== 'tree') {
    throw new ModelError(`${where}:1: not a LightGBM text model (the first line should be "tree")`, where);
  }
  const header = new Map<string, Line>();
  const trees: Map<string, Line>[] = [];
  let current = header;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw === 'end of trees') return { header, trees };
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    const key = eq < 0 ? raw.trim() : raw.slice(0, eq);
    const entry = { key, value: eq < 0 ? '' : raw.slice(eq + 1), line: i + 1 };
    if (key === 'Tree') {
      if (entry.value !== String(trees.length)) {
        throw new ModelError(`${where}:${i + 1}: expected Tree=${trees.length}, found "${raw}"`, where);
      }
      current = new Map([[key, entry]]);
      trees.push(current);
      continue;
    }
    if (current.has(key)) throw new ModelError(`${where}:${i + 1}: ${key} appears twice`, where);
    if (current !== header && !TREE_KEYS.has(key)) {
      throw new ModelError(
        `${where}:${i + 1}: "${raw.slice(0, 40)}" is not a line of a LightGBM tree`,
        where,
      );
    }
    current.set(key, entry);
  }
  throw new ModelError(
    `${where}:${lines.length}: truncated: the file ends before "end of trees" (${trees.length} trees read)`,
    where,
  );
};

const required = (block: Map<string, Line>, key: string, where: string, context: string): Line => {
  const entry = block.get(key);
  if (entry === undefined) throw new ModelError(`${where}: ${context} has no ${key}`, where);
  return entry;
};

const scalar = (
  block: Map<string, Line>,
  key: string,
  where: string,
  context: string,
  min: number,
): number => {
  const entry = required(block, key, where, context);
  const values = integers(entry, where);
  if (values.length !== 1 || values[0] < min) {
    throw new ModelError(`${where}:${entry.line}: ${key} should be one integer ≥ ${min}`, where);
  }
  return values[0];
};

/** Reads one `Tree=` block's arrays, checking their lengths and the bitsets' layout. */
const readTree = (
  block: Map<string, Line>,
  where: string,
): { tree: LightgbmTree; at: (key: string) => string } => {
  const head = required(block, 'Tree', where, 'tree');
  const context = `tree ${head.value} (line ${head.line})`;
  const at = (key: string): string => `${where}:${block.get(key)?.line ?? head.line}: ${context}: ${key}`;
  const linear = block.get('is_linear');
  if (linear !== undefined && linear.value.trim() !== '0') {
    throw new ModelError(
      `${where}:${linear.line}: ${context} is a linear tree (linear_tree=true), not supported`,
      where,
    );
  }
  const numLeaves = scalar(block, 'num_leaves', where, context, 1);
  const numCat = block.has('num_cat') ? scalar(block, 'num_cat', where, context, 0) : 0;
  const nodes = numLeaves - 1;
  const list = (key: string, length: number, ints: boolean): number[] => {
    const entry = block.get(key);
    if (entry === undefined) {
      if (length === 0) return [];
      throw new ModelError(`${where}:${head.line}: ${context} has no ${key}`, where);
    }
    const values = ints ? integers(entry, where) : numbers(entry, where);
    if (values.length !== length) {
      throw new ModelError(`${at(key)} has ${values.length} values, expected ${length}`, where);
    }
    return values;
  };
  const splitFeature = list('split_feature', nodes, true);
  const threshold = list('threshold', nodes, false);
  const decisionType = list('decision_type', nodes, true);
  const leftChild = list('left_child', nodes, true);
  const rightChild = list('right_child', nodes, true);
  const leafValue = list('leaf_value', numLeaves, false);
  if (leafValue.some((value) => !Number.isFinite(value)))
    throw new ModelError(`${at('leaf_value')}: not finite`, where);
  const catBoundaries = numCat > 0 ? list('cat_boundaries', numCat + 1, true) : [0];
  const words = catBoundaries[catBoundaries.length - 1];
  const catThreshold = numCat > 0 ? list('cat_threshold', words, true) : [];
  if (catBoundaries[0] !== 0 || catBoundaries.some((b, i) => i > 0 && b < catBoundaries[i - 1])) {
    throw new ModelError(`${at('cat_boundaries')}: should start at 0 and never decrease`, where);
  }
  if (catThreshold.some((word) => word < 0 || word > 0xffffffff)) {
    throw new ModelError(`${at('cat_threshold')}: a word is not a 32-bit unsigned integer`, where);
  }
  const tree = {
    numLeaves,
    splitFeature: Int32Array.from(splitFeature),
    threshold: Float64Array.from(threshold),
    decisionType: Uint8Array.from(decisionType),
    leftChild: Int32Array.from(leftChild),
    rightChild: Int32Array.from(rightChild),
    leafValue: Float64Array.from(leafValue),
    catBoundaries: Int32Array.from(catBoundaries),
    catThreshold: Uint32Array.from(catThreshold),
  };
  return { tree, at };
};

/**
 * Checks a tree's nodes: features within max_feature_idx, valid decision types, categorical
 * splits naming an existing bitset; every node but the root, and every leaf, is the child of
 * exactly one node, and an internal child comes after its parent (LightGBM appends nodes as it
 * splits): so the nodes form a tree and a walk from the root always ends at a leaf.
 */
const checkNodes = (
  tree: LightgbmTree,
  at: (key: string) => string,
  where: string,
  numFeature: number,
): void => {
  const { numLeaves, splitFeature, threshold, decisionType, leftChild, rightChild } = tree;
  const nodes = numLeaves - 1;
  const numCat = tree.catBoundaries.length - 1;
  const seenNodes = new Uint8Array(nodes);
  const seenLeaves = new Uint8Array(numLeaves);
  for (let node = 0; node < nodes; node++) {
    const feature = splitFeature[node];
    if (feature < 0 || feature >= numFeature) {
      throw new ModelError(
        `${at('split_feature')}: feature ${feature} is past max_feature_idx ${numFeature - 1}`,
        where,
      );
    }
    const type = decisionType[node];
    if (type < 0 || type > 15 || type >> 2 === 3)
      throw new ModelError(`${at('decision_type')}: ${type} is invalid`, where);
    if (
      (type & DECISION_CATEGORICAL) !== 0 &&
      !(Number.isInteger(threshold[node]) && threshold[node] >= 0 && threshold[node] < numCat)
    ) {
      throw new ModelError(
        `${at('threshold')}: categorical split ${node} names bitset ${threshold[node]} of ${numCat}`,
        where,
      );
    }
    if ((type & DECISION_CATEGORICAL) === 0 && Number.isNaN(threshold[node])) {
      throw new ModelError(`${at('threshold')}: NaN threshold at node ${node}`, where);
    }
    for (const [key, child] of [
      ['left_child', leftChild[node]],
      ['right_child', rightChild[node]],
    ] as const) {
      const seen = child >= 0 ? seenNodes : seenLeaves;
      const index = child >= 0 ? child : ~child;
      if (
        (child >= 0 && (child <= node || child >= nodes)) ||
        (child < 0 && index >= numLeaves) ||
        seen[index] === 1
      ) {
        throw new ModelError(`${at(key)}: node ${node} has an invalid child ${child}`, where);
      }
      seen[index] = 1;
    }
  }
};

/** Reads and checks one `Tree=` block against the model's feature count. */
const parseTree = (block: Map<string, Line>, where: string, numFeature: number): LightgbmTree => {
  const { tree, at } = readTree(block, where);
  checkNodes(tree, at, where, numFeature);
  return tree;
};

/**
 * Parses and validates a LightGBM text model.
 * @param text the file's content
 * @param where the file name, for errors
 * @throws ModelError naming the file and line: not a LightGBM model, truncated (no `end of
 *   trees`, fewer trees than `tree_sizes` lists), a malformed or inconsistent line, a linear tree,
 *   an objective we cannot reproduce
 */
export const parseLightgbmText = (text: string, where: string): LightgbmModelDoc => {
  const { header, trees: blocks } = sections(text, where);
  const context = 'the header';
  const version = required(header, 'version', where, context);
  if (!/^v[234]$/.test(version.value.trim())) {
    throw new ModelError(`${where}:${version.line}: version "${version.value}" is not v2, v3 or v4`, where);
  }
  const numClass = scalar(header, 'num_class', where, context, 1);
  const numTreePerIteration = header.has('num_tree_per_iteration')
    ? scalar(header, 'num_tree_per_iteration', where, context, 1)
    : numClass;
  const numFeature = scalar(header, 'max_feature_idx', where, context, 0) + 1;
  const objectiveLine = required(header, 'objective', where, context);
  const objective = parseLightgbmObjective(objectiveLine.value, `${where}:${objectiveLine.line}`, numClass);
  if (
    numTreePerIteration !==
    (objective.transform === 'softmax' || objective.transform === 'ova-sigmoid' ? numClass : 1)
  ) {
    throw new ModelError(
      `${where}: num_tree_per_iteration ${numTreePerIteration} does not fit objective ${objective.text}`,
      where,
    );
  }
  const names = header.get('feature_names');
  const featureNames = names === undefined ? [] : names.value.trim().split(/\s+/);
  if (names !== undefined && featureNames.length !== numFeature) {
    throw new ModelError(
      `${where}:${names.line}: ${featureNames.length} feature_names for max_feature_idx ${numFeature - 1}`,
      where,
    );
  }
  const sizes = header.get('tree_sizes');
  if (sizes !== undefined && integers(sizes, where).length !== blocks.length) {
    throw new ModelError(
      `${where}:${sizes.line}: tree_sizes lists ${integers(sizes, where).length} trees but the file has ${blocks.length}; truncated or corrupt`,
      where,
    );
  }
  if (blocks.length === 0 || blocks.length % numTreePerIteration !== 0) {
    throw new ModelError(
      `${where}: ${blocks.length} trees is not a multiple of num_tree_per_iteration ${numTreePerIteration}`,
      where,
    );
  }
  return {
    version: version.value.trim(),
    numClass,
    numTreePerIteration,
    numFeature,
    objective,
    averageOutput: header.has('average_output'),
    featureNames,
    trees: blocks.map((block) => parseTree(block, where, numFeature)),
  };
};

/** Reads and parses a LightGBM text model file (see `parseLightgbmText`). */
export const readLightgbmText = (path: string): LightgbmModelDoc => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelError(`${path}: cannot read the model file: ${(error as Error).message}`, path);
  }
  return parseLightgbmText(text, path);
};
