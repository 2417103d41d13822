import type { Command } from 'commander';
import { loadPipelineConfig } from '../pipeline/config.js';
import { DEFAULT_CONFIG_YAML } from '../pipeline/default-config.js';

/** `quantum config check|print`: validate a pipeline file, or print the default one to start from. */
export const registerConfigCommands = (program: Command): void => {
  const config = program.command('config').description('pipeline config files');
  config
    .command('check')
    .description('validate a pipeline YAML; prints each bad path with what was expected (exit 2)')
    .argument('[file]', 'pipeline YAML (default: the embedded default)')
    .action((file: string | undefined) => {
      const parsed = loadPipelineConfig(file);
      process.stdout.write(
        `${file ?? '(default config)'}: ok — pipeline "${parsed.name}", ${parsed.models.length} models, ${parsed.features.length} features\n`,
      );
    });
  config
    .command('print')
    .description('print the default pipeline YAML (a starting point for your own)')
    .action(() => {
      process.stdout.write(DEFAULT_CONFIG_YAML);
    });
};
