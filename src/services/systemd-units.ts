import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import {
  METRICS_PORTS,
  PARTITIONABLE_SERVICES,
  SERVICE_NAMES,
  SERVICES,
  type ServiceName,
} from './service-catalog.js';

/** One generated file: its name inside the output folder and its text. */
export interface DeployFile {
  readonly name: string;
  readonly content: string;
}

/** A unit's memory and CPU ceilings, in systemd's own notation (`512M`, `150%`). */
export interface ResourceLimits {
  /** Soft ceiling: above it the kernel reclaims memory hard and throttles the service. */
  readonly memoryHigh: string;
  /** Hard ceiling: above it the kernel's OOM killer ends the service (systemd restarts it). */
  readonly memoryMax: string;
  /** CPU time per wall time; 100% = one core. */
  readonly cpuQuota: string;
}

/**
 * Default limits per service (per replica for a template unit). The ai-engine evaluates the models
 * and holds their trees in memory, so it gets the most; execution and strategy keep per-symbol state
 * and a venue connection; the rest fold small events.
 */
export const DEFAULT_RESOURCE_LIMITS: Readonly<Record<ServiceName, ResourceLimits>> = {
  'market-publisher': { memoryHigh: '384M', memoryMax: '512M', cpuQuota: '100%' },
  portfolio: { memoryHigh: '256M', memoryMax: '384M', cpuQuota: '50%' },
  'position-monitor': { memoryHigh: '256M', memoryMax: '384M', cpuQuota: '50%' },
  'ai-engine': { memoryHigh: '1536M', memoryMax: '2G', cpuQuota: '200%' },
  strategy: { memoryHigh: '384M', memoryMax: '512M', cpuQuota: '100%' },
  sizing: { memoryHigh: '256M', memoryMax: '384M', cpuQuota: '50%' },
  'risk-governor': { memoryHigh: '256M', memoryMax: '384M', cpuQuota: '50%' },
  execution: { memoryHigh: '384M', memoryMax: '512M', cpuQuota: '100%' },
};

// Values land in unit files (where `%` starts a specifier and spaces split ExecStart) and in a bash
// script: only characters that need no quoting in either are accepted.
const absolutePath = z
  .string()
  .regex(
    /^(\/[A-Za-z0-9._+@-]+)+$/,
    'expected an absolute path of letters, digits and ._+@- (no spaces or %)',
  );
const accountName = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a system account name such as quantum (a-z, 0-9, _ and -)');
const memorySize = z
  .string()
  .regex(/^([1-9]\d*[KMGT]?|infinity)$/, 'expected a memory size such as 512M, 2G or infinity');
const cpuQuota = z
  .string()
  .regex(/^[1-9]\d*%$/, 'expected a CPU quota such as 50% or 200% (100% = one core)');
const REPLICA_COUNT = 'expected a whole number of replicas from 1 to 64';
const replicaCount = z.number().int(REPLICA_COUNT).min(1, REPLICA_COUNT).max(64, REPLICA_COUNT);
const serviceName = z.enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]]);

const knownTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
};

const BYTES_PER_UNIT: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
const bytesOf = (size: string): number =>
  size === 'infinity'
    ? Number.POSITIVE_INFINITY
    : Number.parseInt(size, 10) * BYTES_PER_UNIT[size.replace(/^\d+/, '')];

/** Options of `systemdUnits` and `systemdInstallScript`; every one has a default. */
export const systemdUnitsOptions = z
  .object({
    /** Where the package is installed: ExecStart runs `<prefix>/dist/src/cli.js`. */
    prefix: absolutePath.default('/opt/quantum'),
    /** The pipeline YAML every service is started with. */
    configPath: absolutePath.default('/etc/quantum/pipeline.yaml'),
    /** Folder of the per-service env files (`<service>.env`, mode 600, root only). */
    envDir: absolutePath.default('/etc/quantum'),
    user: accountName.default('quantum'),
    group: accountName.default('quantum'),
    nodePath: absolutePath.default('/usr/bin/node'),
    /** Working directory and the only writable path of the services. */
    stateDir: absolutePath.default('/var/lib/quantum'),
    /** IANA zone for displayed times only; the engine computes in event time (UTC ms). */
    timeZone: z
      .string()
      .refine(knownTimeZone, 'expected an IANA time zone such as Europe/Oslo or UTC')
      .default('Europe/Oslo'),
    /** Replicas per service (default 1); more than 1 only for partitionable services. */
    replicas: z.partialRecord(serviceName, replicaCount).default({}),
    /** Per-service overrides of DEFAULT_RESOURCE_LIMITS, key by key. */
    limits: z
      .partialRecord(
        serviceName,
        z.object({ memoryHigh: memorySize, memoryMax: memorySize, cpuQuota }).partial().strict(),
      )
      .default({}),
  })
  .strict()
  .superRefine((options, context) => {
    for (const [name, count] of Object.entries(options.replicas)) {
      if (count > 1 && !PARTITIONABLE_SERVICES.has(name as ServiceName)) {
        context.addIssue({
          code: 'custom',
          path: ['replicas', name],
          message: `${name} cannot run as ${count} replicas: only ${[...PARTITIONABLE_SERVICES].join(' and ')} may (their state is per symbol); use 1`,
        });
      }
    }
    for (const name of SERVICE_NAMES) {
      const { memoryHigh, memoryMax } = { ...DEFAULT_RESOURCE_LIMITS[name], ...options.limits[name] };
      if (bytesOf(memoryHigh) > bytesOf(memoryMax)) {
        context.addIssue({
          code: 'custom',
          path: ['limits', name],
          message: `${name}: MemoryHigh ${memoryHigh} is above MemoryMax ${memoryMax}; expected MemoryHigh ≤ MemoryMax`,
        });
      }
    }
  });
export type SystemdUnitsOptions = z.output<typeof systemdUnitsOptions>;

/** Parses the options, or throws a ConfigError naming each bad option and what was expected. */
export const parseSystemdUnitsOptions = (input: z.input<typeof systemdUnitsOptions>): SystemdUnitsOptions => {
  const parsed = systemdUnitsOptions.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`,
  );
  throw new ConfigError(`invalid systemd unit options — ${problems.join('; ')}`, 'deploy.systemd');
};

/** The header of every generated file (as `#` comment lines): what it is, where it came from, how to change it. */
export const generatedHeader = (title: string): string[] => [
  `# ${title}`,
  '# Generated by `quantum deploy systemd`: do not edit. Regenerate with',
  '#   quantum deploy systemd --out <dir> [--prefix …] [--user …] [--config …] [--replicas ai-engine=2]',
  '# then run <dir>/install.sh as root; local tweaks belong in a drop-in (systemctl edit <unit>).',
];

const replicasOf = (options: SystemdUnitsOptions, name: ServiceName): number => options.replicas[name] ?? 1;

/** The unit file name of a service: a template (`@`) when it runs as replicas. */
const unitFileName = (options: SystemdUnitsOptions, name: ServiceName): string =>
  replicasOf(options, name) > 1 ? `quantum-${name}@.service` : `quantum-${name}.service`;

/** The units `quantum.target` starts: each replica of a template by its instance number. */
const startedUnits = (options: SystemdUnitsOptions): string[] =>
  SERVICE_NAMES.flatMap((name) => {
    const count = replicasOf(options, name);
    if (count === 1) return [`quantum-${name}.service`];
    return Array.from({ length: count }, (_, replica) => `quantum-${name}@${replica}.service`);
  });

const describeService = (name: ServiceName, replicas: number): string => {
  const stages: readonly string[] = SERVICES[name];
  const role =
    stages.length === 0
      ? 'market data source and the kernel that orders deliveries'
      : `stages: ${stages.join(', ')}`;
  return replicas > 1 ? `Quantum ${name}, replica %i of ${replicas} (${role})` : `Quantum ${name} (${role})`;
};

/** The sandbox of every service (not MemoryDenyWriteExecute: V8's JIT writes executable code). */
const HARDENING = [
  '# Hardening: read-only system, no devices, no privilege gain; only the state folder is writable.',
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectControlGroups=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
];

const serviceUnit = (options: SystemdUnitsOptions, name: ServiceName): DeployFile => {
  const replicas = replicasOf(options, name);
  const limits = { ...DEFAULT_RESOURCE_LIMITS[name], ...options.limits[name] };
  const command = [
    options.nodePath,
    `${options.prefix}/dist/src/cli.js`,
    'service',
    name,
    `--config ${options.configPath}`,
    ...(replicas > 1 ? [`--replica %i --replicas ${replicas}`] : []),
    `--metrics-port ${replicas > 1 ? 0 : METRICS_PORTS[name]}`,
    // Production follows models promoted by continuous learning (`quantum learn`).
    ...(name === 'ai-engine' ? ['--follow-models'] : []),
  ].join(' ');
  const lines = [
    ...generatedHeader(`${unitFileName(options, name)}: the ${name} service of the Quantum trading engine.`),
    '',
    '[Unit]',
    `Description=${describeService(name, replicas)}`,
    'After=network-online.target redis-server.service',
    // After= only orders; Wants= pulls the network and a local Redis in (neither is required to exist).
    'Wants=network-online.target redis-server.service',
    'PartOf=quantum.target',
    '',
    '[Service]',
    'Type=exec',
    '# REDIS_URL and, for execution, the exchange keys: root-only (mode 600), read by systemd itself.',
    `EnvironmentFile=${options.envDir}/${name}.env`,
    '# TZ changes displayed times only; decisions run on event time (UTC ms).',
    `Environment=TZ=${options.timeZone}`,
    'Environment=NODE_ENV=production',
    `ExecStart=${command}`,
    `WorkingDirectory=${options.stateDir}`,
    'Restart=on-failure',
    'RestartSec=2',
    '# Exit 2 is a bad config or command line: restarting cannot fix it.',
    'RestartPreventExitStatus=2',
    `User=${options.user}`,
    `Group=${options.group}`,
    `MemoryHigh=${limits.memoryHigh}`,
    `MemoryMax=${limits.memoryMax}`,
    `CPUQuota=${limits.cpuQuota}`,
    ...HARDENING,
    `ReadWritePaths=${options.stateDir}`,
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=quantum.target',
  ];
  return { name: unitFileName(options, name), content: `${lines.join('\n')}\n` };
};

const targetUnit = (options: SystemdUnitsOptions): DeployFile => {
  const lines = [
    ...generatedHeader(
      'quantum.target: every service of the Quantum trading engine, started and stopped together.',
    ),
    '',
    '[Unit]',
    'Description=Quantum trading engine (all services)',
    ...startedUnits(options).map((unit) => `Wants=${unit}`),
    'After=redis-server.service',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return { name: 'quantum.target', content: `${lines.join('\n')}\n` };
};

/**
 * The systemd units of the engine (pure): one `quantum-<service>.service` per service in catalog
 * order — a template `quantum-<service>@.service` for a service with replicas, whose instance `%i`
 * is the replica number — then `quantum.target`, which wants every service (each replica by name)
 * and is wanted by multi-user.target. Each service runs `node <prefix>/dist/src/cli.js service
 * <name> --config <configPath>` as `user`, hardened, with its env file, limits and restart policy.
 * Same options ⇒ same bytes. Throws `ConfigError` for a bad option, e.g. replicas of a service
 * that is not partitionable.
 */
export const systemdUnits = (input: z.input<typeof systemdUnitsOptions> = {}): DeployFile[] => {
  const options = parseSystemdUnitsOptions(input);
  return [...SERVICE_NAMES.map((name) => serviceUnit(options, name)), targetUnit(options)];
};
