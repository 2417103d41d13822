import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { compileLightgbm } from '../../src/models/lightgbm/lightgbm-predictor.js';
import { isLightgbmText, parseLightgbmText } from '../../src/models/lightgbm/lightgbm-text.js';

const binary = readFileSync('test/fixtures/lightgbm/binary.txt', 'utf8');
const categorical = readFileSync('test/fixtures/lightgbm/categorical.txt', 'utf8');
const lines = binary.split('\n');
/** 1-based number of the first line starting with `prefix` (after line `after`). */
const lineOf = (text: string, prefix: string, after = 0): number =>
  text.split('\n').findIndex((line, i) => i >= after && line.startsWith(prefix)) + 1;

const rejects = (text: string, fragment: string | RegExp): void => {
  try {
    parseLightgbmText(text, 'model.txt');
  } catch (error) {
    assert.instance(error, ModelError);
    const message = (error as Error).message;
    if (typeof fragment === 'string') assert.ok(message.includes(fragment), message);
    else assert.match(message, fragment);
    return;
  }
  assert.unreachable('expected a ModelError');
};

test('the header is read: version, classes, features, objective with its sigmoid', () => {
  const doc = parseLightgbmText(binary, 'binary.txt');
  assert.is(doc.version, 'v4');
  assert.is(doc.numClass, 1);
  assert.is(doc.numTreePerIteration, 1);
  assert.is(doc.numFeature, 4);
  assert.equal(doc.featureNames, ['Column_0', 'Column_1', 'Column_2', 'Column_3']);
  assert.equal(doc.objective, {
    text: 'binary sigmoid:0.7',
    name: 'binary',
    transform: 'sigmoid',
    sigmoid: 0.7,
  });
  assert.is(doc.averageOutput, false);
  assert.is(doc.trees.length, 12);
  assert.ok(isLightgbmText(binary));
  assert.not.ok(isLightgbmText('{"learner": {}}'));
});

test('a truncated file is refused naming the file and its last line', () => {
  const cut = lines.slice(0, 60).join('\n');
  rejects(cut, 'model.txt:60: truncated: the file ends before "end of trees"');
});

test('a file cut just before "end of trees" is caught by tree_sizes', () => {
  const firstTree = lineOf(binary, 'Tree=1');
  const withoutTrees = [...lines.slice(0, firstTree - 1), 'end of trees', ''].join('\n');
  rejects(withoutTrees, /model\.txt:\d+: tree_sizes lists 12 trees but the file has 1; truncated or corrupt/);
});

test('a corrupt number names the file, the line and the key', () => {
  const at = lineOf(binary, 'threshold=');
  const corrupt = lines.map((line, i) => (i === at - 1 ? line.replace(/=(\S+)/, '=0.5x') : line)).join('\n');
  rejects(corrupt, `model.txt:${at}: threshold: "0.5x" is not a number`);
});

test('a mangled key inside a tree names the file and line', () => {
  const at = lineOf(binary, 'leaf_value=');
  const mangled = lines
    .map((line, i) => (i === at - 1 ? line.replace('leaf_value', 'leaf_vXlue') : line))
    .join('\n');
  rejects(mangled, `model.txt:${at}: "leaf_vXlue=`);
});

test('an array of the wrong length names the line and both lengths', () => {
  const at = lineOf(binary, 'leaf_value=');
  const short = lines.map((line, i) => (i === at - 1 ? line.replace(/ \S+$/, '') : line)).join('\n');
  rejects(
    short,
    new RegExp(`model\\.txt:${at}: tree 0 \\(line \\d+\\): leaf_value has \\d+ values, expected \\d+`),
  );
});

test('a child pointing back up the tree (a cycle) is refused', () => {
  const at = lineOf(binary, 'left_child=');
  const cyclic = lines.map((line, i) => (i === at - 1 ? line.replace(/=\S+/, '=0') : line)).join('\n');
  rejects(cyclic, `model.txt:${at}: tree 0 (line`);
  rejects(cyclic, 'node 0 has an invalid child 0');
});

test('a split on a feature past max_feature_idx is refused', () => {
  const at = lineOf(binary, 'split_feature=');
  const bad = lines.map((line, i) => (i === at - 1 ? line.replace(/=\S+/, '=9') : line)).join('\n');
  rejects(bad, `model.txt:${at}: tree 0 (line`);
  rejects(bad, 'feature 9 is past max_feature_idx 3');
});

test('a categorical split naming a bitset that does not exist is refused', () => {
  const at = lineOf(categorical, 'threshold=');
  const bad = categorical
    .split('\n')
    .map((line, i) => (i === at - 1 ? line.replace(/=\S+/, '=7') : line))
    .join('\n');
  rejects(bad, `model.txt:${at}: tree 0 (line`);
  rejects(bad, 'names bitset 7 of 2');
});

test('linear trees, unknown versions, custom objectives and a wrong first line are refused', () => {
  rejects(binary.replace('is_linear=0', 'is_linear=1'), 'is a linear tree (linear_tree=true), not supported');
  rejects(binary.replace('version=v4', 'version=v9'), 'model.txt:2: version "v9" is not v2, v3 or v4');
  rejects(
    binary.replace('objective=binary sigmoid:0.7', 'objective=custom'),
    /model\.txt:7: objective "custom" is not supported/,
  );
  rejects(binary.replace('objective=binary sigmoid:0.7', 'objective=binary sigmoid:-1'), 'bad sigmoid:-1');
  rejects(`{"learner": {}}`, 'model.txt:1: not a LightGBM text model');
  rejects(binary.replace('Tree=3', 'Tree=4'), 'expected Tree=3, found "Tree=4"');
});

test('a one-leaf tree predicts its leaf value', () => {
  const text = [
    'tree',
    'version=v4',
    'num_class=1',
    'num_tree_per_iteration=1',
    'label_index=0',
    'max_feature_idx=1',
    'objective=regression',
    'feature_names=a b',
    '',
    'Tree=0',
    'num_leaves=1',
    'num_cat=0',
    'split_feature=',
    'split_gain=',
    'threshold=',
    'decision_type=',
    'left_child=',
    'right_child=',
    'leaf_value=0.25',
    'is_linear=0',
    'shrinkage=1',
    '',
    'end of trees',
    '',
  ].join('\n');
  const predictor = compileLightgbm(parseLightgbmText(text, 'stump.txt'));
  assert.equal(Array.from(predictor.predict([1, Number.NaN])), [0.25]);
});

test.run();
