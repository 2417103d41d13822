/**
 * The flat forest's batch path (see `flat-forest.ts` for the layout): many rows' views, and the
 * tree-major walks over them. Kept apart from the single-row walks on purpose — V8 must never
 * share optimised code between the two (see `fillRowViews`).
 */
import type { FlatForest } from './flat-forest.js';

const f32 = Math.fround;

/**
 * `fillRowView` for many rows: row r's view at `views[r · 2 · numFeature …]`. Its own function
 * (not `fillRowView` with an offset) so the batch path and the single-row path never share
 * optimised code: sharing it slowed single-row predict from 6–7 µs to 15–19 µs after a batch.
 */
export const fillRowViews = (
  rows: readonly ArrayLike<number>[],
  first: number,
  count: number,
  numFeature: number,
  views: Float64Array,
): void => {
  for (let r = 0, at = 0; r < count; r++, at += 2 * numFeature) {
    const row = rows[first + r];
    const given = Math.min(row.length, numFeature);
    for (let f = 0; f < given; f++) {
      const value = f32(row[f]);
      const missing = Number.isNaN(value);
      views[at + f] = missing ? Number.NEGATIVE_INFINITY : value;
      views[at + numFeature + f] = missing ? Number.POSITIVE_INFINITY : value;
    }
    for (let f = given; f < numFeature; f++) {
      views[at + f] = Number.NEGATIVE_INFINITY;
      views[at + numFeature + f] = Number.POSITIVE_INFINITY;
    }
  }
};

/**
 * The batch form of `addForest`: `views` holds `rowCount` row views back to back
 * (`fillRowViews`), `out[r · numGroup + g]` row r's margins. Tree-major (each tree walks every
 * row before the next tree); each row still adds its leaves in tree order, so the result equals
 * `addForest` row by row. Complete trees walk four rows at a time (independent load chains):
 * on 500 trees of depth 6 that is 5.6 µs per row against 7.0 for the single-row walk (one row at a
 * time it was 13.6: bench/models.ts).
 */
export const addForestBatch = (
  forest: FlatForest,
  views: Float64Array,
  rowCount: number,
  out: Float64Array,
): void => forestBatchAdder(forest)(views, rowCount, out);

/** `addForestBatch` specialised to one forest (a closure over its arrays): use it in hot loops. */
export const forestBatchAdder = (
  forest: FlatForest,
): ((views: Float64Array, rowCount: number, out: Float64Array) => void) => {
  const { slots, thresholds, leaves, children, roots, groups, depth, treeCount, numGroup } = forest;
  const width = 2 * forest.numFeature;
  return forest.kind === 'complete'
    ? (views, rowCount, out) =>
        walkCompleteBatch(
          slots,
          thresholds,
          leaves,
          roots,
          groups,
          depth,
          treeCount,
          numGroup,
          width,
          views,
          rowCount,
          out,
        )
    : (views, rowCount, out) =>
        walkLinkedBatch(
          slots,
          thresholds,
          children,
          roots,
          groups,
          treeCount,
          numGroup,
          width,
          views,
          rowCount,
          out,
        );
};

const walkCompleteBatch = (
  slots: Int32Array,
  thresholds: Float64Array,
  leaves: Float64Array,
  roots: Int32Array,
  groups: Int32Array,
  depth: number,
  treeCount: number,
  numGroup: number,
  width: number,
  views: Float64Array,
  rowCount: number,
  out: Float64Array,
): void => {
  const internal = (1 << depth) - 1;
  const leafCount = 1 << depth;
  // Rows in fours: a walk is a chain of dependent loads (each level's node needs the last one's
  // comparison), so one row keeps the CPU waiting; four independent chains overlap their loads.
  const fours = rowCount - (rowCount % 4);
  for (let t = 0; t < treeCount; t++) {
    const root = roots[t];
    const leafBase = t * leafCount - internal - root;
    const group = groups[t];
    let r = 0;
    for (; r < fours; r += 4) {
      const row0 = r * width;
      const row1 = row0 + width;
      const row2 = row1 + width;
      const row3 = row2 + width;
      let at0 = root;
      let at1 = root;
      let at2 = root;
      let at3 = root;
      for (let level = 0; level < depth; level++) {
        at0 = 2 * at0 - root + 1 + +(views[row0 + slots[at0]] >= thresholds[at0]);
        at1 = 2 * at1 - root + 1 + +(views[row1 + slots[at1]] >= thresholds[at1]);
        at2 = 2 * at2 - root + 1 + +(views[row2 + slots[at2]] >= thresholds[at2]);
        at3 = 2 * at3 - root + 1 + +(views[row3 + slots[at3]] >= thresholds[at3]);
      }
      const o = r * numGroup + group;
      out[o] = f32(out[o] + leaves[leafBase + at0]);
      out[o + numGroup] = f32(out[o + numGroup] + leaves[leafBase + at1]);
      out[o + 2 * numGroup] = f32(out[o + 2 * numGroup] + leaves[leafBase + at2]);
      out[o + 3 * numGroup] = f32(out[o + 3 * numGroup] + leaves[leafBase + at3]);
    }
    for (let row = r * width, o = r * numGroup + group; r < rowCount; r++, row += width, o += numGroup) {
      let at = root;
      for (let level = 0; level < depth; level++) {
        at = 2 * at - root + 1 + +(views[row + slots[at]] >= thresholds[at]);
      }
      out[o] = f32(out[o] + leaves[leafBase + at]);
    }
  }
};

const walkLinkedBatch = (
  slots: Int32Array,
  thresholds: Float64Array,
  children: Int32Array,
  roots: Int32Array,
  groups: Int32Array,
  treeCount: number,
  numGroup: number,
  width: number,
  views: Float64Array,
  rowCount: number,
  out: Float64Array,
): void => {
  for (let t = 0; t < treeCount; t++) {
    const root = roots[t];
    for (let r = 0, row = 0, o = groups[t]; r < rowCount; r++, row += width, o += numGroup) {
      let node = root;
      let slot = slots[node];
      while (slot >= 0) {
        node = children[node] + +(views[row + slot] >= thresholds[node]);
        slot = slots[node];
      }
      out[o] = f32(out[o] + thresholds[node]);
    }
  }
};
