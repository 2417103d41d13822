// `quantum learn` as a user runs it: one round by hand, then a round whenever the supervisor of a
// running engine reports drift or accuracy decay for the model (read from its Redis stream on a
// redis-server of the test's own), and none for findings that are not its business.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ModelFindingRaised } from '../../src/domain/model-supervision.js';
import { BusEnvelope } from '../../src/kernel/envelope.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { type LocalRedis, startLocalRedis } from '../../src/services/local-redis.js';
import { connectRedis } from '../../src/services/redis-client.js';
import { keyspace } from '../../src/services/redis-keys.js';
import { envelopeFields } from '../../src/services/wire.js';
import { CLI, REPO, runQuantum } from '../cli-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'quantum-learn-cli-'));
const root = join(dir, 'models');
const configPath = join(dir, 'learn.yaml');
writeFileSync(
  configPath,
  `${readFileSync(join(REPO, 'examples', 'real-data.yaml'), 'utf8').replace(
    'path: data/klines/um-2026-02-1h',
    `path: ${join(REPO, 'examples', 'data', 'klines', 'um-2026-02-1h')}`,
  )}\ntraining:\n  gbdt:\n    rounds: 10\n    maxDepth: 2\n`,
);
const args = ['learn', '--config', configPath, '--model', 'gbdt', '--name', 'rd', '--root', root];

const finding = (model: string, kind: ModelFindingRaised['finding']): ModelFindingRaised => ({
  kind: 'model-finding-raised',
  ts: 1_771_000_000_000,
  model,
  finding: kind,
  value: 0.31,
  threshold: 0.4,
  sample: 200,
  enforced: false,
  reason: `${kind} of ${model}`,
});

test('one round by hand: no champion yet, so version 1 is promoted', async () => {
  const run = await runQuantum(args);
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /rd \(gbdt, manual\): no champion yet/);
  assert.match(run.stdout, /promoted → rd@1/);
});

test('bad options are refused with the option named', async () => {
  const run = await runQuantum([...args, '--holdout', '1.5']);
  assert.is(run.status, 2, 'a usage error');
  assert.match(run.stderr, /--holdout "1\.5": expected a number in \[0, 1\)/);
  const every = await runQuantum([...args, '--every', 'daily']);
  assert.is(every.status, 2);
  assert.match(every.stderr, /--every: expected a number with ms, s, m or h/);
});

test('--on-findings: a decay finding for the model starts a round; a bias or another model does not', async () => {
  let server: LocalRedis | undefined;
  let child: ChildProcess | undefined;
  let redis: ReturnType<typeof connectRedis> | undefined;
  try {
    server = await startLocalRedis({ dir: join(dir, 'redis') });
    const url = server.url;
    child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, '--on-findings', '--vote', 'XGB'], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL: url, QUANTUM_LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const until = async (what: () => boolean, label: string): Promise<void> => {
      for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(what(), `${label}\nstdout: ${stdout}\nstderr: ${stderr}`);
    };
    await until(() => stderr.includes('learn: watching'), 'watching the stream');
    await until(() => stdout.includes('(gbdt, manual)'), 'the first round');
    redis = connectRedis(url, 'test');
    const writer = redis;
    const stream = keyspace().stream(TOPICS.modelSupervisor);
    const publish = (event: ModelFindingRaised) =>
      writer.xadd(
        stream,
        '*',
        ...envelopeFields(
          new BusEnvelope(TOPICS.modelSupervisor, event, event.ts, 0, 'ai-engine', undefined, 0),
        ),
      );
    await publish(finding('OTHER', 'accuracy-decay'));
    await publish(finding('XGB', 'bias'));
    await publish(finding('XGB', 'accuracy-decay'));
    // The supervisor repeats a finding at every evaluation: one round per cooldown (6 h by default).
    await publish(finding('XGB', 'drift'));
    await until(() => stdout.includes('supervisor: accuracy-decay of XGB'), 'a round for the decay');
    // Give a second round every chance to start (it must not).
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    const status = await new Promise<number | null>((resolve) => child?.once('close', resolve));
    assert.is(status, 0, stderr);
    const rounds = stdout.match(/^rd \(gbdt, [^)]*\)/gm) ?? [];
    assert.equal(rounds, ['rd (gbdt, manual)', 'rd (gbdt, supervisor: accuracy-decay of XGB)']);
    // Every decision is on record next to the versions.
    const lines = readFileSync(join(root, 'rd', 'challenges.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.ok(lines.length >= 3);
  } finally {
    // Closed on failure too: a connection retrying a stopped server would keep this file from exiting.
    redis?.disconnect();
    child?.kill('SIGKILL');
    await server?.stop();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
