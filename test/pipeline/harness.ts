// Shared arrangement for the end-to-end pipeline tests: small configs and temporary output folders.
// (Running the graph itself with every event kept: see engine-events.ts.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type PipelineConfig,
  type PipelineConfigInput,
  parsePipelineConfig,
} from '../../src/pipeline/config.js';

/** A fresh temporary folder for one test's outputs. */
export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `quantum-${prefix}-`));

/** The default pipeline over a short synthetic market (3 symbols × `count` 1m candles), no progress bar. */
export const syntheticConfig = (count = 3000, overrides: PipelineConfigInput = {}): PipelineConfig =>
  parsePipelineConfig({
    ...overrides,
    data: { ...overrides.data, source: 'synthetic', synthetic: { count } },
    output: { progress: false },
  });

/** The default pipeline over recorded files at `path` (a file or a folder), with `from`/`to` in ms. */
export const filesConfig = (
  path: string,
  range: { from?: number; to?: number } = {},
  overrides: PipelineConfigInput = {},
): PipelineConfig =>
  parsePipelineConfig({
    ...overrides,
    data: { source: 'files', path, policy: 'skip', ...range },
    output: { progress: false },
  });
