// The registry's atomic registration of a trained model: a draft directory inside
// `<root>/<name>/`, renamed to the next version with its manifest, invisible until then.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../src/domain/errors.js';
import { listModels } from '../../src/models/registry.js';
import { createModelDraftDir, registerModelDir } from '../../src/models/registry-versions.js';

const STUMP =
  '{"learner":{"attributes":{},"feature_names":[],"feature_types":[],"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1","size_leaf_vector":"0"},"tree_info":[0],"trees":[{"base_weights":[0.5],"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],"default_left":[0],"id":0,"left_children":[-1],"loss_changes":[0.0],"parents":[2147483647],"right_children":[-1],"split_conditions":[0.5],"split_indices":[0],"split_type":[0],"sum_hessian":[1.0],"tree_param":{"num_deleted":"0","num_feature":"1","num_nodes":"1","size_leaf_vector":"0"}}]},"name":"gbtree"},"learner_model_param":{"base_score":"0.5","boost_from_average":"0","num_class":"0","num_feature":"1","num_target":"1"},"objective":{"name":"binary:logistic","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]}\n';

const fields = {
  name: 'stump',
  kind: 'xgboost-json' as const,
  file: 'model.json',
  features: ['f0'],
  objective: 'binary:logistic',
  numClass: 0,
  warmup: 0,
  importedFrom: '(test)',
  createdTs: 0,
};

test('a draft is invisible to the listing until registered; each registration takes the next version', () => {
  const root = mkdtempSync(join(tmpdir(), 'quantum-register-'));
  const first = createModelDraftDir(root, 'stump');
  assert.is(dirname(first), join(root, 'stump'));
  assert.match(basename(first), /^\.draft-/);
  writeFileSync(join(first, 'model.json'), STUMP);
  assert.equal(listModels(root), []);
  const second = createModelDraftDir(root, 'stump');
  writeFileSync(join(second, 'model.json'), STUMP);
  assert.is(registerModelDir(first, fields).version, 1);
  const manifest = registerModelDir(second, fields);
  assert.is(manifest.version, 2);
  assert.match(manifest.dataSha256, /^[0-9a-f]{64}$/);
  assert.equal(readdirSync(join(root, 'stump')).sort(), ['1', '2']);
  assert.equal(
    listModels(root).map((m) => `${m.name}@${m.version}`),
    ['stump@1', 'stump@2'],
  );
});

test('a draft without its model file, or with an invalid manifest, is refused and not registered', () => {
  const root = mkdtempSync(join(tmpdir(), 'quantum-register-'));
  const draft = createModelDraftDir(root, 'stump');
  try {
    registerModelDir(draft, fields);
    assert.unreachable('expected a ModelError');
  } catch (error) {
    assert.instance(error, ModelError);
    assert.match((error as Error).message, 'model.json: cannot read the model file');
  }
  writeFileSync(join(draft, 'model.json'), STUMP);
  try {
    registerModelDir(draft, { ...fields, features: [] });
    assert.unreachable('expected a ModelError');
  } catch (error) {
    assert.instance(error, ModelError);
    assert.match((error as Error).message, /invalid manifest \(features: /);
  }
  assert.not.ok(existsSync(join(root, 'stump', '1')));
});

test.run();
