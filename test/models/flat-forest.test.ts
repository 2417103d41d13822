import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng, type Prng } from '../../src/domain/prng.js';
import {
  addForest,
  compileFlatForest,
  type FlatTreeInput,
  fillRowView,
} from '../../src/models/flat-forest.js';
import { addForestBatch, fillRowViews } from '../../src/models/flat-forest-batch.js';

/** Split values drawn from a small grid, so random rows land exactly on thresholds often. */
const GRID = [-2, -1, -0.5, -0.1, 0, 0.1, 0.3, 0.5, 1, 2].map(Math.fround);

/** A random tree: every node splits with probability `splitChance` until `maxDepth`. */
const randomTree = (prng: Prng, numFeature: number, maxDepth: number, splitChance: number): FlatTreeInput => {
  const left: number[] = [];
  const right: number[] = [];
  const features: number[] = [];
  const conditions: number[] = [];
  const defaults: number[] = [];
  const grow = (depth: number): number => {
    const node = left.length;
    left.push(-1);
    right.push(-1);
    features.push(0);
    defaults.push(prng.int(2));
    if (depth < maxDepth && (depth === 0 || prng.next() < splitChance)) {
      features[node] = prng.int(numFeature);
      conditions.push(GRID[prng.int(GRID.length)]);
      const l = grow(depth + 1);
      const r = grow(depth + 1);
      left[node] = l;
      right[node] = r;
    } else {
      conditions.push(Math.fround(prng.normal()));
    }
    return node;
  };
  grow(0);
  return {
    leftChildren: Int32Array.from(left),
    rightChildren: Int32Array.from(right),
    splitIndices: Int32Array.from(features),
    splitConditions: Float32Array.from(conditions),
    defaultLeft: Uint8Array.from(defaults),
  };
};

/** Rows with grid values, values a hair off them, NaN (missing), ±Infinity and short rows. */
const randomRow = (prng: Prng, numFeature: number): number[] => {
  const length = prng.next() < 0.1 ? prng.int(numFeature + 1) : numFeature;
  return Array.from({ length }, () => {
    const pick = prng.next();
    if (pick < 0.15) return Number.NaN;
    if (pick < 0.18) return prng.next() < 0.5 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const on = GRID[prng.int(GRID.length)];
    if (pick < 0.5) return on;
    if (pick < 0.7) return on + (prng.next() - 0.5) * 2 ** -28;
    return prng.normal();
  });
};

/**
 * The semantics the previous predictor implemented, walked over the tree objects: float32(value)
 * < threshold goes left, missing (NaN or past the row's end) follows default_left, leaves added
 * in tree order in float32.
 */
const referenceMargins = (
  trees: readonly FlatTreeInput[],
  groups: Int32Array,
  numGroup: number,
  row: readonly number[],
): number[] => {
  const out = new Array<number>(numGroup).fill(0);
  trees.forEach((tree, t) => {
    let node = 0;
    while (tree.leftChildren[node] !== -1) {
      const feature = tree.splitIndices[node];
      const value = feature < row.length ? Math.fround(row[feature]) : Number.NaN;
      const goLeft = Number.isNaN(value) ? tree.defaultLeft[node] === 1 : value < tree.splitConditions[node];
      node = goLeft ? tree.leftChildren[node] : tree.rightChildren[node];
    }
    out[groups[t]] = Math.fround(out[groups[t]] + tree.splitConditions[node]);
  });
  return out;
};

const cases = [
  { name: 'shallow binary forest', trees: 60, numFeature: 5, numGroup: 1, maxDepth: 4, splitChance: 0.8 },
  {
    name: 'depth-6 three-class forest',
    trees: 90,
    numFeature: 8,
    numGroup: 3,
    maxDepth: 6,
    splitChance: 0.7,
  },
  {
    name: 'deep forest (linked when auto)',
    trees: 20,
    numFeature: 6,
    numGroup: 2,
    maxDepth: 13,
    splitChance: 0.75,
  },
];

for (const c of cases) {
  test(`${c.name}: every layout, single and batch, equals the reference walk on rows with NaN and ±∞`, () => {
    const prng = createPrng(c.name);
    const trees = Array.from({ length: c.trees }, () =>
      randomTree(prng, c.numFeature, c.maxDepth, c.splitChance),
    );
    const groups = Int32Array.from(trees, (_, t) => t % c.numGroup);
    // 403: the batch walk takes rows in fours, and the last three alone.
    const rows = Array.from({ length: 403 }, () => randomRow(prng, c.numFeature));
    const expected = rows.map((row) => referenceMargins(trees, groups, c.numGroup, row));
    const layouts =
      c.maxDepth > 10 ? (['auto', 'linked'] as const) : (['auto', 'complete', 'linked'] as const);
    for (const layout of layouts) {
      const forest = compileFlatForest(trees, groups, c.numFeature, c.numGroup, layout);
      if (layout === 'auto') assert.is(forest.kind, c.maxDepth > 10 ? 'linked' : 'complete');
      const view = new Float64Array(2 * c.numFeature);
      rows.forEach((row, r) => {
        fillRowView(row, c.numFeature, view);
        const out = new Float64Array(c.numGroup);
        addForest(forest, view, out);
        assert.equal(Array.from(out), expected[r], `${layout} row ${r}: ${row}`);
      });
      const views = new Float64Array(rows.length * 2 * c.numFeature);
      fillRowViews(rows, 0, rows.length, c.numFeature, views);
      const batch = new Float64Array(rows.length * c.numGroup);
      addForestBatch(forest, views, rows.length, batch);
      assert.equal(Array.from(batch), expected.flat(), `${layout} batch`);
    }
  });
}

test('a lone leaf (depth 0) adds its value; missing everywhere follows each default direction', () => {
  const leaf: FlatTreeInput = {
    leftChildren: Int32Array.of(-1),
    rightChildren: Int32Array.of(-1),
    splitIndices: Int32Array.of(0),
    splitConditions: Float32Array.of(0.25),
    defaultLeft: Uint8Array.of(1),
  };
  const split = (defaultLeft: number): FlatTreeInput => ({
    leftChildren: Int32Array.of(1, -1, -1),
    rightChildren: Int32Array.of(2, -1, -1),
    splitIndices: Int32Array.of(1, 0, 0),
    splitConditions: Float32Array.of(0.5, 1, 2),
    defaultLeft: Uint8Array.of(defaultLeft, 0, 0),
  });
  for (const layout of ['complete', 'linked'] as const) {
    const forest = compileFlatForest([leaf, split(1), split(0)], Int32Array.of(0, 0, 0), 2, 1, layout);
    const view = new Float64Array(4);
    const out = new Float64Array(1);
    fillRowView([], 2, view);
    addForest(forest, view, out);
    assert.is(out[0], 0.25 + 1 + 2, layout);
    fillRowView([0, 0.5], 2, view);
    out[0] = 0;
    addForest(forest, view, out);
    assert.is(out[0], 0.25 + 2 + 2, layout);
  }
});

test.run();
