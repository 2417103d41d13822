/**
 * One flat typed-array layout for every tree ensemble we run (XGBoost JSON today; LightGBM text
 * and our own GBDT trainer's output are meant to compile to it too), so a prediction is a tight
 * loop of array reads with no object access and no per-row allocation.
 *
 * ## Layout
 *
 * The row is first converted once to a **row view** (`Float64Array`, length `2 · numFeature`):
 * `view[f]` = float32(row[f]) with missing (NaN) → −∞, and `view[numFeature + f]` = the same with
 * missing → +∞. A split of feature f whose missing values go left reads slot f, one whose
 * missing values go right reads slot `numFeature + f`; the node then goes right iff
 * `view[slot] ≥ threshold` (thresholds in a `Float64Array`; XGBoost's are float32 values). Thresholds are finite, so −∞ always goes left and +∞ always right:
 * the default direction costs nothing in the walk (no NaN test, no branch). Everything else
 * (±Infinity as a real value) compares as XGBoost compares it: left iff `value < threshold`.
 *
 * Two node layouts share that rule (`FlatForest.kind`):
 * - `complete` (trees no deeper than `COMPLETE_MAX_DEPTH`): every tree padded to a complete
 *   binary tree of the forest's depth D, in level order. Tree t's split nodes are
 *   `slots/thresholds[t·(2^D − 1) + i]` (children of i at 2i + 1 and 2i + 2, no pointers), its
 *   leaves `leaves[t·2^D + j]`. A walk is exactly D steps of `i = 2i + 1 + goRight`: no leaf test,
 *   no data-dependent loop exit. A leaf above the bottom becomes a pass-through split (slot 0,
 *   threshold +∞) whose value is copied to every bottom slot below it.
 * - `linked` (any depth): node n of the forest at `slots/thresholds[n]`, tree t's root at
 *   `roots[t]`; a split's children are `children[n]` (left) and `children[n] + 1` (right), so
 *   siblings sit next to each other; a leaf has slot −1 and its value inline in `thresholds[n]`.
 *
 * `groups[t]` is tree t's output group (class for multiclass); predictions add each tree's leaf to
 * its group's margin **in tree order, in float32**, which is the order and precision XGBoost's CPU
 * predictor uses, so results are bit-identical to it.
 *
 * ## Left for later (for other producers)
 * - Categorical splits (LightGBM `decision_type` bit 0, XGBoost `split_type` = 1): would add a
 *   per-node flag and a `Uint32Array` of category bitsets with offsets; not implemented.
 * - LightGBM compares float64 values `≤` float64 thresholds and sums leaves in double: it needs
 *   a row view without the float32 rounding, `nextUp(threshold)` so `≤` becomes this `<`, and a
 *   walk that adds in double; its `missing_type` Zero (0 counts as missing) would add two more
 *   row views (0 → ∓∞). The slot encoding leaves room (slot = view · numFeature + feature); not
 *   implemented.
 */

/** One tree as parallel arrays indexed by node id (XGBoost's own JSON layout). */
export interface FlatTreeInput {
  /** Left child of each node, −1 for a leaf. */
  readonly leftChildren: Int32Array;
  readonly rightChildren: Int32Array;
  /** Feature index of each split node (ignored for leaves). */
  readonly splitIndices: Int32Array;
  /** Threshold of a split node (float32), value of a leaf. */
  readonly splitConditions: Float32Array;
  /** 1 when missing values go left. */
  readonly defaultLeft: Uint8Array;
}

/** A compiled forest (see the file header for the layout). Plain data: share it freely. */
export interface FlatForest {
  readonly kind: 'complete' | 'linked';
  readonly numFeature: number;
  readonly numGroup: number;
  readonly treeCount: number;
  /** Depth D of the padded trees (`complete` only; 0 for `linked`). */
  readonly depth: number;
  /** Row-view slot each split reads (feature, + numFeature when missing goes right); −1 = leaf. */
  readonly slots: Int32Array;
  /**
   * Split thresholds; `linked` keeps leaf values here too. Float64 so a walk needs no float32 →
   * double conversion (5 % faster in bench/models) and double-threshold models fit; XGBoost's are float32 values.
   */
  readonly thresholds: Float64Array;
  /** `linked`: left child of each split (the right one is next to it); empty for `complete`. */
  readonly children: Int32Array;
  /** `complete`: 2^D leaf values per tree; empty for `linked`. */
  readonly leaves: Float64Array;
  /** `linked`: index of each tree's root; `complete`: t · (2^D − 1). */
  readonly roots: Int32Array;
  /** Output group of each tree. */
  readonly groups: Int32Array;
}

/** Deeper trees would waste memory as complete trees (2^depth leaves each). */
export const COMPLETE_MAX_DEPTH = 10;

const f32 = Math.fround;

/** Depth of a tree (a lone leaf has depth 0); the input is a validated tree (no cycles). */
const depthOf = (tree: FlatTreeInput, node = 0): number =>
  tree.leftChildren[node] === -1
    ? 0
    : 1 + Math.max(depthOf(tree, tree.leftChildren[node]), depthOf(tree, tree.rightChildren[node]));

/**
 * Compiles trees into a flat forest.
 * @param trees validated trees (children in range, no cycles, finite thresholds, features below
 *   `numFeature`)
 * @param groups output group of each tree
 * @param leafValue value tree t's leaf `node` adds (e.g. times a dart weight); defaults to the
 *   leaf's `splitConditions` entry
 * @param layout 'auto' picks `complete` up to depth `COMPLETE_MAX_DEPTH`, else `linked`
 */
export const compileFlatForest = (
  trees: readonly FlatTreeInput[],
  groups: Int32Array,
  numFeature: number,
  numGroup: number,
  layout: 'auto' | 'complete' | 'linked' = 'auto',
  leafValue: (t: number, node: number) => number = (t, node) => trees[t].splitConditions[node],
): FlatForest => {
  let depth = 0;
  for (const tree of trees) depth = Math.max(depth, depthOf(tree));
  const complete = layout === 'complete' || (layout === 'auto' && depth <= COMPLETE_MAX_DEPTH);
  const slotOf = (tree: FlatTreeInput, node: number): number =>
    tree.splitIndices[node] + (tree.defaultLeft[node] === 1 ? 0 : numFeature);
  const common = { numFeature, numGroup, treeCount: trees.length, groups: Int32Array.from(groups) };
  return complete
    ? { ...common, ...completeNodes(trees, depth, slotOf, leafValue) }
    : { ...common, ...linkedNodes(trees, slotOf, leafValue) };
};

type SlotOf = (tree: FlatTreeInput, node: number) => number;
type LeafValue = (t: number, node: number) => number;

const completeNodes = (
  trees: readonly FlatTreeInput[],
  depth: number,
  slotOf: SlotOf,
  leafValue: LeafValue,
) => {
  const internal = (1 << depth) - 1;
  const leafCount = 1 << depth;
  const slots = new Int32Array(trees.length * internal);
  const thresholds = new Float64Array(trees.length * internal);
  const leaves = new Float64Array(trees.length * leafCount);
  const place = (t: number, source: number, position: number, level: number): void => {
    const tree = trees[t];
    if (level === depth) {
      leaves[t * leafCount + position - internal] = leafValue(t, source);
      return;
    }
    const at = t * internal + position;
    const isLeaf = tree.leftChildren[source] === -1;
    slots[at] = isLeaf ? 0 : slotOf(tree, source);
    thresholds[at] = isLeaf ? Number.POSITIVE_INFINITY : tree.splitConditions[source];
    place(t, isLeaf ? source : tree.leftChildren[source], 2 * position + 1, level + 1);
    place(t, isLeaf ? source : tree.rightChildren[source], 2 * position + 2, level + 1);
  };
  const roots = new Int32Array(trees.length);
  for (let t = 0; t < trees.length; t++) {
    roots[t] = t * internal;
    place(t, 0, 0, 0);
  }
  return {
    kind: 'complete' as const,
    depth,
    slots,
    thresholds,
    leaves,
    roots,
    children: new Int32Array(0),
  };
};

const linkedNodes = (trees: readonly FlatTreeInput[], slotOf: SlotOf, leafValue: LeafValue) => {
  let nodeTotal = 0;
  for (const tree of trees) nodeTotal += tree.leftChildren.length;
  const slots = new Int32Array(nodeTotal);
  const thresholds = new Float64Array(nodeTotal);
  const children = new Int32Array(nodeTotal);
  const roots = new Int32Array(trees.length);
  let next = 0;
  // Breadth-first per tree: a node's two children take the next two positions.
  trees.forEach((tree, t) => {
    roots[t] = next;
    const queue = [0];
    const positions = [next++];
    for (let q = 0; q < queue.length; q++) {
      const source = queue[q];
      const at = positions[q];
      const left = tree.leftChildren[source];
      if (left === -1) {
        slots[at] = -1;
        thresholds[at] = leafValue(t, source);
        continue;
      }
      slots[at] = slotOf(tree, source);
      thresholds[at] = tree.splitConditions[source];
      children[at] = next;
      queue.push(left, tree.rightChildren[source]);
      positions.push(next, next + 1);
      next += 2;
    }
  });
  return {
    kind: 'linked' as const,
    depth: 0,
    slots: slots.subarray(0, next),
    thresholds: thresholds.subarray(0, next),
    children: children.subarray(0, next),
    leaves: new Float64Array(0),
    roots,
  };
};

/**
 * Writes a row into a row view (`2 · numFeature` values, see the file header): values rounded to
 * float32, missing (NaN, or past the end of `row`) as −∞ in the first half and +∞ in the second.
 */
export const fillRowView = (row: ArrayLike<number>, numFeature: number, view: Float64Array): void => {
  const given = Math.min(row.length, numFeature);
  for (let f = 0; f < given; f++) {
    const value = f32(row[f]);
    const missing = Number.isNaN(value);
    view[f] = missing ? Number.NEGATIVE_INFINITY : value;
    view[numFeature + f] = missing ? Number.POSITIVE_INFINITY : value;
  }
  for (let f = given; f < numFeature; f++) {
    view[f] = Number.NEGATIVE_INFINITY;
    view[numFeature + f] = Number.POSITIVE_INFINITY;
  }
};

/**
 * Adds every tree's leaf for one row view to `out[group]`, tree by tree in float32 (`out` holds
 * the starting margins). For a hot loop prefer `forestAdder(forest)`, which is faster.
 */
export const addForest = (forest: FlatForest, view: Float64Array, out: Float64Array): void =>
  forestAdder(forest)(view, out);

/** `addForest` specialised to one forest (a closure over its arrays): use it in hot loops. */
export const forestAdder = (forest: FlatForest): ((view: Float64Array, out: Float64Array) => void) =>
  forest.kind === 'complete' ? completeAdder(forest) : linkedAdder(forest);

// How the walks are written, each choice measured on 500 trees of depth 6 (bench/models.ts):
// - "go right" is `+(value >= threshold)` (0 or 1, no branch): a conditional (`… ? 2 : 1`)
//   compiles to a branch that mispredicts on about every other split (2.4× slower);
// - the complete walk tracks the absolute node index `at`: with root offset b, the children of
//   b + i are b + 2i + 1 and b + 2i + 2, i.e. 2·at − b + 1 (+1 for right);
// - the loop is a function taking the arrays as parameters, called from a closure over one
//   forest: V8 then inlines it into `predict` with the arrays as constants and it runs at
//   6–7 µs. Compiled on its own (inlining off, or reading the arrays from a `forest` object) the
//   same loop ran at 11–19 µs, which is also why the batch walks are no faster per row.
const completeAdder = (forest: FlatForest): ((view: Float64Array, out: Float64Array) => void) => {
  const { slots, thresholds, leaves, roots, groups, depth, treeCount } = forest;
  return forest.numGroup === 1
    ? (view, out) => {
        out[0] = walkCompleteOneGroup(slots, thresholds, leaves, roots, depth, treeCount, view, out[0]);
      }
    : (view, out) => walkComplete(slots, thresholds, leaves, roots, groups, depth, treeCount, view, out);
};

/** One output: the margin lives in a register instead of a load and store per tree (7 % faster). */
const walkCompleteOneGroup = (
  slots: Int32Array,
  thresholds: Float64Array,
  leaves: Float64Array,
  roots: Int32Array,
  depth: number,
  treeCount: number,
  view: Float64Array,
  start: number,
): number => {
  const internal = (1 << depth) - 1;
  const leafCount = 1 << depth;
  let margin = start;
  for (let t = 0; t < treeCount; t++) {
    const root = roots[t];
    let at = root;
    for (let level = 0; level < depth; level++) at = 2 * at - root + 1 + +(view[slots[at]] >= thresholds[at]);
    margin = f32(margin + leaves[t * leafCount - internal - root + at]);
  }
  return margin;
};

const walkComplete = (
  slots: Int32Array,
  thresholds: Float64Array,
  leaves: Float64Array,
  roots: Int32Array,
  groups: Int32Array,
  depth: number,
  treeCount: number,
  view: Float64Array,
  out: Float64Array,
): void => {
  const internal = (1 << depth) - 1;
  const leafCount = 1 << depth;
  for (let t = 0; t < treeCount; t++) {
    const root = roots[t];
    let at = root;
    for (let level = 0; level < depth; level++) at = 2 * at - root + 1 + +(view[slots[at]] >= thresholds[at]);
    const group = groups[t];
    out[group] = f32(out[group] + leaves[t * leafCount - internal - root + at]);
  }
};

const linkedAdder = (forest: FlatForest): ((view: Float64Array, out: Float64Array) => void) => {
  const { slots, thresholds, children, roots, groups, treeCount } = forest;
  return (view, out) => walkLinked(slots, thresholds, children, roots, groups, treeCount, view, out);
};

const walkLinked = (
  slots: Int32Array,
  thresholds: Float64Array,
  children: Int32Array,
  roots: Int32Array,
  groups: Int32Array,
  treeCount: number,
  view: Float64Array,
  out: Float64Array,
): void => {
  for (let t = 0; t < treeCount; t++) {
    let node = roots[t];
    let slot = slots[node];
    while (slot >= 0) {
      node = children[node] + +(view[slot] >= thresholds[node]);
      slot = slots[node];
    }
    const group = groups[t];
    out[group] = f32(out[group] + thresholds[node]);
  }
};
