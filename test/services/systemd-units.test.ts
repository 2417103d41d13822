// The systemd deployment (src/services/systemd-units.ts, systemd-install-script.ts): units systemd
// itself accepts, the committed deploy/systemd files equal to the generator's output, the keys every
// service must carry, replicas only where the catalog allows them, and an install script that never
// overwrites an env file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { z } from 'zod';
import { systemdOptionsOfFlags } from '../../src/cli/deploy-command.js';
import { ConfigError, UsageError } from '../../src/domain/errors.js';
import { METRICS_PORTS, SERVICE_NAMES } from '../../src/services/service-catalog.js';
import { systemdInstallScript } from '../../src/services/systemd-install-script.js';
import {
  DEFAULT_RESOURCE_LIMITS,
  type DeployFile,
  systemdUnits,
  type systemdUnitsOptions,
} from '../../src/services/systemd-units.js';
import { assertError, requires } from '../requirements.js';

type Options = z.input<typeof systemdUnitsOptions>;

const COMMITTED_DIR = 'deploy/systemd';
const TWO_AI_ENGINES: Options = { replicas: { 'ai-engine': 2 } };

/** Every `Key=value` line of a unit file (comments and section headers left out), in order. */
const settingsOf = (content: string): string[] =>
  content.split('\n').filter((line) => /^[A-Za-z]+=/.test(line));

/** The text of the file called `name`, or a line saying it is missing (which no assertion accepts). */
const contentOf = (files: readonly DeployFile[], name: string): string =>
  files.find((file) => file.name === name)?.content ?? `(no file ${name})`;

/** Writes `files` into a fresh temp folder; returns the folder. */
const writeTemp = (files: readonly DeployFile[]): string => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-systemd-'));
  for (const file of files) writeFileSync(join(dir, file.name), file.content);
  return dir;
};

// systemd's own checker ----------------------------------------------------------------------------

const systemdAnalyzeRuns = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * `systemd-analyze verify` on the files, offline: no man-page lookups, no generators; the folder of
 * the files joins the unit search path, so the target finds the services.
 */
const verify = (files: readonly DeployFile[]): { status: number | null; complaints: string[] } => {
  const dir = writeTemp(files);
  try {
    const result = spawnSync(
      'systemd-analyze',
      ['verify', '--man=no', '--generators=no', ...files.map((file) => join(dir, file.name))],
      { encoding: 'utf8' },
    );
    // Only what concerns our files: a host unit's own warnings are not ours to fix.
    const complaints = `${result.stdout}\n${result.stderr}`
      .split('\n')
      .filter((line) => line.includes(dir) || /quantum/.test(line));
    return { status: result.status, complaints };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

// verify checks that ExecStart's binary exists here: where /usr/bin/node does not, use this node.
const nodeHere: Options = existsSync('/usr/bin/node') ? {} : { nodePath: process.execPath };

if (requires(systemdAnalyzeRuns ? undefined : 'systemd-analyze not found (apt-get install systemd)')) {
  test('systemd-analyze verify accepts every default unit without a warning', () => {
    assert.equal(verify(systemdUnits(nodeHere)), { status: 0, complaints: [] });
  });

  test('systemd-analyze verify accepts the units with two ai-engine replicas without a warning', () => {
    assert.equal(verify(systemdUnits({ ...nodeHere, ...TWO_AI_ENGINES })), { status: 0, complaints: [] });
  });

  test('systemd-analyze verify does report an unknown key (so its silence above means something)', () => {
    const [first, ...rest] = systemdUnits(nodeHere);
    const content = first.content.replace('UMask=0077', 'UMask=0077\nBogusKey=1');
    const { complaints } = verify([{ name: first.name, content }, ...rest]);
    assert.match(complaints.join('\n'), /Unknown key 'BogusKey'/);
  });
}

// The committed files ------------------------------------------------------------------------------

test('deploy/systemd holds exactly what `quantum deploy systemd` writes with the defaults, byte for byte', () => {
  const generated = [...systemdUnits(), systemdInstallScript()];
  const committed = readdirSync(COMMITTED_DIR).filter((name) => name !== 'README.md');
  assert.equal(committed.sort(), generated.map((file) => file.name).sort());
  for (const file of generated) {
    assert.is(readFileSync(join(COMMITTED_DIR, file.name), 'utf8'), file.content, file.name);
  }
  assert.ok((statSync(join(COMMITTED_DIR, 'install.sh')).mode & 0o111) !== 0, 'install.sh is executable');
});

// What every service unit carries ------------------------------------------------------------------

const HARDENING = `NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes
ProtectKernelTunables=yes ProtectKernelModules=yes ProtectControlGroups=yes RestrictSUIDSGID=yes
LockPersonality=yes ReadWritePaths=/var/lib/quantum UMask=0077`.split(/\s+/);

test('one unit per service in catalog order, then quantum.target', () => {
  assert.equal(
    systemdUnits().map((file) => file.name),
    [...SERVICE_NAMES.map((name) => `quantum-${name}.service`), 'quantum.target'],
  );
});

test('each service unit has the hardening, its env file, the restart policy, Redis ordering and its limits', () => {
  const units = systemdUnits();
  for (const name of SERVICE_NAMES) {
    const content = contentOf(units, `quantum-${name}.service`);
    const settings = settingsOf(content);
    const limits = DEFAULT_RESOURCE_LIMITS[name];
    const expected = [
      ...HARDENING,
      `EnvironmentFile=/etc/quantum/${name}.env`,
      'Environment=TZ=Europe/Oslo',
      'Environment=NODE_ENV=production',
      // The ai-engine follows models promoted by continuous learning (production only).
      `ExecStart=/usr/bin/node /opt/quantum/dist/src/cli.js service ${name} --config /etc/quantum/pipeline.yaml --metrics-port ${METRICS_PORTS[name]}${name === 'ai-engine' ? ' --follow-models' : ''}`,
      'WorkingDirectory=/var/lib/quantum',
      'Restart=on-failure',
      'RestartSec=2',
      'After=network-online.target redis-server.service',
      'PartOf=quantum.target',
      'User=quantum',
      'Group=quantum',
      `MemoryHigh=${limits.memoryHigh}`,
      `MemoryMax=${limits.memoryMax}`,
      `CPUQuota=${limits.cpuQuota}`,
      'WantedBy=quantum.target',
    ];
    const missing = expected.filter((line) => !settings.includes(line));
    assert.equal(missing, [], `${name}: missing settings`);
    assert.match(content, /^# .*\n# Generated by `quantum deploy systemd`/);
  }
});

test('the ai-engine gets the largest memory ceiling', () => {
  const mib = (size: string) => Number.parseInt(size, 10) * (size.endsWith('G') ? 1024 : 1);
  const [largest] = SERVICE_NAMES.toSorted(
    (a, b) => mib(DEFAULT_RESOURCE_LIMITS[b].memoryMax) - mib(DEFAULT_RESOURCE_LIMITS[a].memoryMax),
  );
  assert.is(largest, 'ai-engine');
});

test('a limit override changes that key of that service only', () => {
  const units = systemdUnits({ limits: { 'ai-engine': { memoryMax: '3G' } } });
  const aiEngine = settingsOf(contentOf(units, 'quantum-ai-engine.service'));
  assert.ok(aiEngine.includes('MemoryMax=3G'));
  assert.ok(aiEngine.includes(`MemoryHigh=${DEFAULT_RESOURCE_LIMITS['ai-engine'].memoryHigh}`));
  const sizing = 'quantum-sizing.service';
  assert.is(contentOf(units, sizing), contentOf(systemdUnits(), sizing));
});

test('quantum.target wants every service, after Redis, and is wanted by multi-user.target', () => {
  assert.equal(settingsOf(contentOf(systemdUnits(), 'quantum.target')), [
    'Description=Quantum trading engine (all services)',
    ...SERVICE_NAMES.map((name) => `Wants=quantum-${name}.service`),
    'After=redis-server.service',
    'WantedBy=multi-user.target',
  ]);
});

// Replicas -----------------------------------------------------------------------------------------

test('ai-engine replicas become a template unit passing --replica %i, and the target wants each instance', () => {
  const units = systemdUnits(TWO_AI_ENGINES);
  assert.not.ok(units.some((file) => file.name === 'quantum-ai-engine.service'));
  const template = settingsOf(contentOf(units, 'quantum-ai-engine@.service'));
  // Replicas of one unit cannot each be given a port: they take a free one and report it in their heartbeat.
  const execStart = `ExecStart=/usr/bin/node /opt/quantum/dist/src/cli.js service ai-engine --config /etc/quantum/pipeline.yaml --replica %i --replicas 2 --metrics-port 0 --follow-models`;
  assert.ok(template.includes(execStart));
  assert.ok(template.includes('EnvironmentFile=/etc/quantum/ai-engine.env'));
  const wants = settingsOf(contentOf(units, 'quantum.target')).filter((line) => line.startsWith('Wants='));
  assert.equal(
    wants.filter((line) => line.includes('ai-engine')),
    ['Wants=quantum-ai-engine@0.service', 'Wants=quantum-ai-engine@1.service'],
  );
  assert.is(wants.length, SERVICE_NAMES.length + 1);
});

test('replicas of a service other than ai-engine are refused, naming it and the allowed ones', () => {
  assertError(() => systemdUnits({ replicas: { sizing: 2 } }), {
    type: ConfigError,
    code: 'QT_CONFIG_INVALID',
    message:
      'invalid systemd unit options — replicas.sizing: sizing cannot run as 2 replicas: only ai-engine may (their state is per symbol); use 1',
  });
  assertError(() => systemdOptionsOfFlags({ replicas: 'ai-engine=2,execution=3' }), {
    type: UsageError,
    code: 'QT_USAGE',
    message:
      '--replicas: execution cannot run as 3 replicas: only ai-engine may (their state is per symbol); use 1, got "ai-engine=2,execution=3"',
  });
});

test('one replica of any service is the plain unit', () => {
  assert.equal(systemdUnits({ replicas: { sizing: 1, strategy: 1 } }), systemdUnits());
});

test('bad options are refused naming the option and what was expected', () => {
  assertError(() => systemdUnits({ timeZone: 'Mars/Olympus' }), {
    code: 'QT_CONFIG_INVALID',
    message: /timeZone: expected an IANA time zone/,
  });
  assertError(() => systemdUnits({ prefix: '/opt/my quantum' }), {
    message: /prefix: expected an absolute path/,
  });
  assertError(() => systemdUnits({ limits: { portfolio: { memoryHigh: '2G' } } }), {
    message: /limits\.portfolio: portfolio: MemoryHigh 2G is above MemoryMax 384M/,
  });
  assertError(() => systemdOptionsOfFlags({ replicas: 'ai-engine:2' }), {
    type: UsageError,
    message: '--replicas: expected <service>=<count>[,…] such as ai-engine=2,strategy=1, got "ai-engine:2"',
  });
  assertError(() => systemdOptionsOfFlags({ user: 'Trader' }), {
    type: UsageError,
    message: /^--user: expected/,
  });
});

// install.sh ---------------------------------------------------------------------------------------

test('bash -n accepts install.sh; it is strict, root-only, creates env files with umask 077 and starts nothing', () => {
  const dir = writeTemp([systemdInstallScript(TWO_AI_ENGINES)]);
  try {
    const check = spawnSync('bash', ['-n', join(dir, 'install.sh')], { encoding: 'utf8' });
    assert.is(check.status, 0, check.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { content } = systemdInstallScript();
  assert.ok(content.startsWith('#!/usr/bin/env bash\n'));
  assert.ok(content.includes('\nset -euo pipefail\n'));
  assert.ok(content.includes('if [[ $(id -u) -ne 0 ]]; then'));
  assert.ok(content.includes('useradd --system --no-create-home --shell /usr/sbin/nologin'));
  assert.ok(content.includes('systemctl daemon-reload'));
  assert.ok(content.includes('systemctl enable --now quantum.target'));
  assert.not.ok(/^\s*systemctl (start|enable|restart)/m.test(content), 'starts nothing itself');
  assert.ok(content.includes('(umask 077 && set -o noclobber'));
  assert.ok(content.includes('chmod 600 "$file"'));
});

test('install.sh writes one env file per service with REDIS_URL, and key placeholders for execution', () => {
  const { content } = systemdInstallScript();
  for (const name of SERVICE_NAMES)
    assert.ok(content.includes(`create_env_file "$ENV_DIR/${name}.env"`), name);
  assert.match(
    content,
    /execution\.env" \\\n.*\n {4}'REDIS_URL=redis:\/\/127\.0\.0\.1:6379' \\\n.*\n {4}'# BINANCE_API_KEY=' \\\n {4}'# BINANCE_API_SECRET='\n/,
  );
});

test('install.sh creates an env file mode 600, and never overwrites one that exists', () => {
  const dir = writeTemp([systemdInstallScript()]);
  const envFile = join(dir, 'execution.env');
  try {
    // Sourced, the script only defines its functions; this runs the one that writes env files.
    const script = 'source "$1" && create_env_file "$2" "REDIS_URL=redis://127.0.0.1:6379"';
    const run = () =>
      spawnSync('bash', ['-c', script, 'bash', join(dir, 'install.sh'), envFile], { encoding: 'utf8' });
    const first = run();
    assert.is(first.status, 0, first.stderr);
    assert.is(readFileSync(envFile, 'utf8'), 'REDIS_URL=redis://127.0.0.1:6379\n');
    assert.is(statSync(envFile).mode & 0o777, 0o600);
    writeFileSync(envFile, 'BINANCE_API_SECRET=do-not-lose-me\n');
    const second = run();
    assert.is(second.status, 0, second.stderr);
    assert.match(second.stdout, /kept .*execution\.env \(exists; never overwritten\)/);
    assert.is(readFileSync(envFile, 'utf8'), 'BINANCE_API_SECRET=do-not-lose-me\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install.sh keeps the env folder 700, or 750 for the group when the pipeline config lies inside it', () => {
  const outside = systemdInstallScript({ configPath: '/srv/quantum/pipeline.yaml' });
  assert.ok(systemdInstallScript().content.includes('\nENV_DIR_MODE=750\n'));
  assert.ok(outside.content.includes('\nENV_DIR_MODE=700\n'));
});

test.run();
