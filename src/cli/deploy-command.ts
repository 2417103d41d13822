import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../domain/errors.js';
import { systemdInstallScript } from '../services/systemd-install-script.js';
import { type SystemdUnitsOptions, systemdUnits, systemdUnitsOptions } from '../services/systemd-units.js';
import { parseReplicasFlag } from './replicas-flag.js';

interface SystemdFlags {
  out: string;
  prefix?: string;
  user?: string;
  group?: string;
  config?: string;
  node?: string;
  replicas?: string;
}

/** The flag that sets each option, for error messages. */
const FLAG_OF_OPTION: Record<string, keyof Omit<SystemdFlags, 'out'>> = {
  prefix: 'prefix',
  user: 'user',
  group: 'group',
  configPath: 'config',
  nodePath: 'node',
  replicas: 'replicas',
};

/**
 * The generator's options from the flags; `--group` defaults to `--user`. Throws `UsageError`
 * naming the flag and the expected value (e.g. replicas of a service that cannot have them).
 */
export const systemdOptionsOfFlags = (flags: Omit<SystemdFlags, 'out'>): SystemdUnitsOptions => {
  const input = {
    ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
    ...(flags.user === undefined ? {} : { user: flags.user }),
    ...((flags.group ?? flags.user) === undefined ? {} : { group: flags.group ?? flags.user }),
    ...(flags.config === undefined ? {} : { configPath: flags.config }),
    ...(flags.node === undefined ? {} : { nodePath: flags.node }),
    ...(flags.replicas === undefined ? {} : { replicas: parseReplicasFlag(flags.replicas) }),
  };
  const parsed = systemdUnitsOptions.safeParse(input);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const flag = FLAG_OF_OPTION[String(issue.path[0])];
  // --group falls back to --user: name the flag the value came from.
  const source = flag === 'group' && flags.group === undefined ? 'user' : flag;
  if (source === undefined) throw new UsageError(`quantum deploy systemd: ${issue.message}`);
  throw new UsageError(`--${source}: ${issue.message}, got "${flags[source]}"`);
};

/** `quantum deploy systemd`: writes the systemd units and their install script. */
export const registerDeployCommands = (program: Command): void => {
  const deploy = program.command('deploy').description('files to run the engine as services on a server');
  deploy
    .command('systemd')
    .description(
      'write one systemd unit per service, quantum.target and install.sh (run it as root on the server)',
    )
    .requiredOption('-o, --out <dir>', 'folder to write the files into (created if missing)')
    .option('--prefix <path>', 'where the package is installed on the server (default /opt/quantum)')
    .option('--user <name>', 'system user the services run as (default quantum)')
    .option('--group <name>', 'their group (default: the user)')
    .option('-c, --config <file>', 'pipeline YAML on the server (default /etc/quantum/pipeline.yaml)')
    .option('--node <path>', 'node binary on the server (default /usr/bin/node)')
    .option('--replicas <list>', 'replicas of partitionable services, e.g. ai-engine=2,strategy=1')
    .action((flags: SystemdFlags) => {
      const options = systemdOptionsOfFlags(flags);
      const files = [...systemdUnits(options), systemdInstallScript(options)];
      mkdirSync(flags.out, { recursive: true });
      const out = process.stdout;
      for (const file of files) {
        const path = join(flags.out, file.name);
        writeFileSync(path, file.content);
        chmodSync(path, file.name.endsWith('.sh') ? 0o755 : 0o644);
        out.write(`wrote ${path}\n`);
      }
      // A unit left from an earlier run (say, before --replicas changed) would be installed by hand only.
      const written = new Set(files.map((file) => file.name));
      for (const name of readdirSync(flags.out)) {
        if (/^quantum.*\.(service|target)$/.test(name) && !written.has(name)) {
          process.stderr.write(
            `note: ${join(flags.out, name)} is not part of this set; delete it if stale\n`,
          );
        }
      }
      out.write(
        [
          '',
          `next steps on the server (with the built package in ${options.prefix}):`,
          `  sudo ${join(flags.out, 'install.sh')}        # user, ${options.envDir}/<service>.env (mode 600), units`,
          `  edit ${options.envDir}/execution.env (exchange keys) and ${options.configPath}`,
          '  sudo systemctl enable --now quantum.target',
          '  journalctl -u quantum-<service> -f',
          '',
        ].join('\n'),
      );
    });
};
