import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { parseXgboostJson, readXgboostJson } from '../../src/models/xgboost-json.js';

const fixtures = 'test/fixtures/xgboost';
const binaryText = readFileSync(join(fixtures, 'binary.json'), 'utf8');

/** Asserts `run` throws a ModelError whose message contains every fragment. */
const throwsModelError = (run: () => unknown, ...fragments: string[]): void => {
  try {
    run();
  } catch (error) {
    assert.instance(error, ModelError);
    const message = (error as ModelError).message;
    for (const fragment of fragments)
      assert.ok(message.includes(fragment), `"${fragment}" not in: ${message}`);
    assert.is((error as ModelError).code, 'QT_MODEL_INVALID');
    return;
  }
  assert.unreachable('expected a ModelError');
};

interface TreeJson {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_type: number[];
}
interface ModelJson {
  learner: {
    feature_names: string[];
    objective: { name: string };
    gradient_booster: { model: { trees: TreeJson[]; tree_info: number[] } };
  };
}

/** The binary fixture with one edit applied to its parsed JSON. */
const edited = (edit: (doc: ModelJson) => void): string => {
  const doc = JSON.parse(binaryText) as ModelJson;
  edit(doc);
  return JSON.stringify(doc);
};

test('reads the CLI-made fixtures: objective, classes, trees, depth, base score', () => {
  const binary = readXgboostJson(join(fixtures, 'binary.json'));
  assert.is(binary.objective, 'binary:logistic');
  assert.is(binary.numGroup, 1);
  assert.is(binary.numFeature, 8);
  assert.is(binary.trees.length, 120);
  assert.is(binary.maxDepth, 6);
  assert.is(binary.baseScore, Math.fround(0.3));
  const multi = readXgboostJson(join(fixtures, 'multi.json'));
  assert.is(multi.objective, 'multi:softprob');
  assert.is(multi.numClass, 3);
  assert.is(multi.numGroup, 3);
  assert.is(multi.trees.length, 120);
  assert.equal(Array.from(multi.treeGroups.slice(0, 6)), [0, 1, 2, 0, 1, 2]);
  const reg = readXgboostJson(join(fixtures, 'reg.json'));
  assert.is(reg.objective, 'reg:squarederror');
  assert.is(reg.maxDepth, 6);
  assert.is(reg.trees.length, 100);
  const dart = readXgboostJson(join(fixtures, 'dart.json'));
  assert.ok(
    dart.treeWeights.some((w) => w !== 1),
    'dart trees carry weight_drop',
  );
});

test('a leaf value is its split_conditions entry stored as float32', () => {
  const doc = parseXgboostJson(binaryText, 'binary.json');
  const raw = JSON.parse(binaryText).learner.gradient_booster.model.trees[0];
  const leaf = raw.left_children.indexOf(-1);
  assert.is(doc.trees[0].splitConditions[leaf], Math.fround(raw.split_conditions[leaf]));
});

test('corrupt JSON is a ModelError naming the file', () => {
  throwsModelError(
    () => parseXgboostJson('{"learner": {', 'models/x.json'),
    'models/x.json',
    'not valid JSON',
  );
});

test('a truncated file is a ModelError naming the file', () => {
  const path = join(fixtures, 'binary.json');
  throwsModelError(() => parseXgboostJson(binaryText.slice(0, 5000), path), path, 'truncated');
});

test('JSON that is not an XGBoost model is a ModelError listing what is missing', () => {
  throwsModelError(
    () => parseXgboostJson('{"hello": 1}', 'h.json'),
    'h.json',
    'not an XGBoost JSON model',
    'learner',
  );
});

test('node arrays of different lengths are refused', () => {
  const text = edited((doc) => doc.learner.gradient_booster.model.trees[2].left_children.pop());
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'trees[2]', 'num_nodes');
});

test('a child index outside the tree is refused', () => {
  const text = edited((doc) => {
    doc.learner.gradient_booster.model.trees[1].left_children[0] = 9999;
  });
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'trees[1]', 'children 9999');
});

test('a cycle is refused (a walk could never end)', () => {
  const text = edited((doc) => {
    const tree = doc.learner.gradient_booster.model.trees[0];
    const child = tree.left_children[0];
    tree.left_children[child] = 0;
    tree.right_children[child] = tree.right_children[child] === -1 ? 0 : tree.right_children[child];
  });
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'trees[0]', 'reached twice');
});

test('a split on a feature past num_feature is refused', () => {
  const text = edited((doc) => {
    doc.learner.gradient_booster.model.trees[0].split_indices[0] = 8;
  });
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'split_indices[0] = 8');
});

test('an unknown objective is refused with the supported list', () => {
  const text = edited((doc) => {
    doc.learner.objective.name = 'rank:ndcg';
  });
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'rank:ndcg', 'binary:logistic');
});

test('categorical splits are refused', () => {
  const text = edited((doc) => {
    doc.learner.gradient_booster.model.trees[0].split_type[0] = 1;
  });
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'categorical');
});

test('tree_info must give every tree a valid output group', () => {
  const text = edited((doc) => {
    doc.learner.gradient_booster.model.tree_info[3] = 1;
  });
  throwsModelError(() => parseXgboostJson(text, 'm.json'), 'tree_info[3] = 1');
});

test('a missing file is a ModelError naming it', () => {
  throwsModelError(() => readXgboostJson('nope/missing.json'), 'nope/missing.json', 'cannot read');
});

test('feature_names written by Python are kept', () => {
  const text = edited((doc) => {
    doc.learner.feature_names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  });
  assert.equal(parseXgboostJson(text, 'm.json').featureNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
});

test.run();
