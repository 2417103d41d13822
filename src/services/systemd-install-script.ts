import type { z } from 'zod';
import { DEFAULT_REDIS_URL } from './redis-client.js';
import { SERVICE_NAMES, type ServiceName } from './service-catalog.js';
import {
  type DeployFile,
  generatedHeader,
  parseSystemdUnitsOptions,
  systemdUnits,
  type systemdUnitsOptions,
} from './systemd-units.js';

/** The lines of one service's first env file: the Redis URL and, for execution, key placeholders. */
const envFileLines = (name: ServiceName): string[] => [
  `# quantum-${name}: environment, read by systemd as root (keep mode 600: it may hold secrets).`,
  `REDIS_URL=${DEFAULT_REDIS_URL}`,
  ...(name === 'execution'
    ? [
        '# Binance USDT-M keys, for testnet or live: uncomment and fill in.',
        '# BINANCE_API_KEY=',
        '# BINANCE_API_SECRET=',
      ]
    : []),
];

/** Single-quoted bash words; the options schema admits no quote characters in any value. */
const quoted = (words: readonly string[], separator = ' '): string =>
  words.map((word) => `'${word}'`).join(separator);

/** `create_env_file` calls, one per service. */
const envFileCalls = (): string =>
  SERVICE_NAMES.map(
    (name) => `  create_env_file "$ENV_DIR/${name}.env" \\\n    ${quoted(envFileLines(name), ' \\\n    ')}\n`,
  ).join('');

/**
 * `install.sh` for the units of `systemdUnits(options)` (pure; same options ⇒ same bytes). Run as
 * root from the folder holding the units, it: creates the system group and user if missing;
 * creates `envDir` and — only where none exists, never overwriting one — a `<service>.env` per
 * service (root-only, mode 600: REDIS_URL, and commented exchange-key placeholders for execution);
 * creates `stateDir` owned by the user (750); copies the units to /etc/systemd/system; reloads
 * systemd; warns about a missing node, CLI or config; prints the next step. It starts nothing.
 * `envDir` is 700, or 750 with the group when the pipeline config lies inside it (the services
 * must read the config; the env files stay root-only). Sourced rather than run, it only defines
 * `create_env_file` and `main`. Throws `ConfigError` for a bad option.
 */
export const systemdInstallScript = (input: z.input<typeof systemdUnitsOptions> = {}): DeployFile => {
  const options = parseSystemdUnitsOptions(input);
  const units = systemdUnits(options).map((unit) => unit.name);
  const configInEnvDir = options.configPath.startsWith(`${options.envDir}/`);
  const header = generatedHeader(
    'install.sh: installs the Quantum systemd units in this folder. Run as root.',
  );
  const content = `#!/usr/bin/env bash
${header.join('\n')}
set -euo pipefail

QUANTUM_USER='${options.user}'
QUANTUM_GROUP='${options.group}'
ENV_DIR='${options.envDir}'
ENV_DIR_MODE=${configInEnvDir ? '750' : '700'}
STATE_DIR='${options.stateDir}'
CONFIG_PATH='${options.configPath}'
NODE_BIN='${options.nodePath}'
CLI_JS='${options.prefix}/dist/src/cli.js'
UNITS=(
${quoted(units, '\n').replace(/^/gm, '  ')}
)
UNIT_DIR=/etc/systemd/system

# Writes an env file only when none exists: an existing one may hold secrets. umask 077 makes it
# mode 600 from birth; noclobber (O_EXCL) refuses a file that appeared meanwhile.
create_env_file() {
  local file=$1
  shift
  if [[ -e $file ]]; then
    echo "kept     $file (exists; never overwritten)"
    return 0
  fi
  (umask 077 && set -o noclobber && printf '%s\\n' "$@" >"$file")
  chmod 600 "$file"
  echo "created  $file (mode 600)"
}

main() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: run as root (sudo $0)" >&2
    exit 1
  fi
  local here
  here=$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)
  getent group "$QUANTUM_GROUP" >/dev/null || groupadd --system "$QUANTUM_GROUP"
  if ! id -u "$QUANTUM_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin --gid "$QUANTUM_GROUP" \\
      --home-dir "$STATE_DIR" "$QUANTUM_USER"
  fi
  # Root-owned; the group may traverse it only when the pipeline config lives inside.
  install -d -m "$ENV_DIR_MODE" -o root -g "$QUANTUM_GROUP" "$ENV_DIR"
${envFileCalls()}  install -d -m 750 -o "$QUANTUM_USER" -g "$QUANTUM_GROUP" "$STATE_DIR"
  for unit in "\${UNITS[@]}"; do
    install -m 644 -o root -g root "$here/$unit" "$UNIT_DIR/$unit"
    echo "copied   $UNIT_DIR/$unit"
  done
  systemctl daemon-reload
  for file in "$NODE_BIN" "$CLI_JS" "$CONFIG_PATH"; do
    [[ -e $file ]] || echo "warning: $file does not exist yet; the services need it" >&2
  done
  echo
  echo "installed. Fill in $ENV_DIR/execution.env (exchange keys) if you trade, then start everything:"
  echo "  systemctl enable --now quantum.target"
  echo "  journalctl -u quantum-execution -f    # follow one service's log"
}

# Run: installs. Sourced (as the tests do): defines create_env_file and main, runs nothing.
if [[ \${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
`;
  return { name: 'install.sh', content };
};
