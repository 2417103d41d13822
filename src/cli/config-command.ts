import { dirname } from 'node:path';
import type { Command } from 'commander';
import { createPrng } from '../domain/index.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import { buildModels } from '../pipeline/build-models.js';
import { loadPipelineConfig, simExchangeParamsOf } from '../pipeline/config.js';
import { DEFAULT_CONFIG_YAML } from '../pipeline/default-config.js';
import { tradingKernel, tradingStages } from '../pipeline/graph.js';
import { graphText } from './graph-text.js';

/** `quantum config check|graph|print`: validate a pipeline file, show its engine graph, or print the default one. */
export const registerConfigCommands = (program: Command): void => {
  const config = program.command('config').description('pipeline config files');
  config
    .command('check')
    .description('validate a pipeline YAML; prints each bad path with what was expected (exit 2)')
    .argument('[file]', 'pipeline YAML (default: the embedded default)')
    .action((file: string | undefined) => {
      const parsed = loadPipelineConfig(file);
      // Models are part of the pipeline: a missing or unusable model file fails the check too.
      buildModels(parsed, file === undefined ? '.' : dirname(file));
      process.stdout.write(
        `${file ?? '(default config)'}: ok — pipeline "${parsed.name}", ${parsed.models.length} models, ${parsed.features.length} features\n`,
      );
    });
  config
    .command('graph')
    .description("print the engine's stages, their ranks and topics, and each topic's delivery order")
    .argument('[file]', 'pipeline YAML (default: the embedded default)')
    .action((file: string | undefined) => {
      const parsed = loadPipelineConfig(file);
      const baseDir = file === undefined ? '.' : dirname(file);
      const deps = {
        exchange: new SimExchange(simExchangeParamsOf(parsed), createPrng(parsed.seed)),
        models: buildModels(parsed, baseDir),
      };
      const stages = tradingStages(parsed, deps);
      const kernel = tradingKernel(parsed, deps, { stages: () => stages });
      process.stdout.write(graphText(kernel, stages));
    });
  config
    .command('print')
    .description('print the default pipeline YAML (a starting point for your own)')
    .action(() => {
      process.stdout.write(DEFAULT_CONFIG_YAML);
    });
};
