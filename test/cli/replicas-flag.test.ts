// `--replicas` against the config: the model supervisor judges all symbols together, so with it on
// the ai-engine runs as one replica; everything else is as the flag says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkReplicasFitConfig, parseStageReplicasFlag } from '../../src/cli/replicas-flag.js';
import { UsageError } from '../../src/domain/errors.js';

const on = { supervisor: { enabled: true } };
const off = { supervisor: { enabled: false } };

test('ai-engine replicas are refused with the supervisor on, naming the flag and the fix', () => {
  assert.throws(
    () => checkReplicasFitConfig(parseStageReplicasFlag('ai-engine=2'), on),
    (error: Error) =>
      error instanceof UsageError &&
      /--replicas ai-engine=2: the model supervisor .* run one ai-engine replica or turn the supervisor off/.test(
        error.message,
      ),
  );
});

test('one ai-engine with the supervisor, or many without it, pass unchanged', () => {
  assert.equal(checkReplicasFitConfig(parseStageReplicasFlag('ai-engine=1'), on), { 'ai-engine': 1 });
  assert.equal(checkReplicasFitConfig(parseStageReplicasFlag('ai-engine=3'), off), { 'ai-engine': 3 });
  assert.equal(checkReplicasFitConfig({}, on), {});
});

test.run();
