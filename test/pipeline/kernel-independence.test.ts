// The kernel's promise (DESIGN.md §1a): the same config, data and seed give byte-identical
// trades.csv whatever order the stages are registered in, and however long each stage takes to
// answer — synchronously, after a microtask, a macrotask or a timer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng, type Prng } from '../../src/domain/index.js';
import type { Stage } from '../../src/kernel/stage.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { loadPipelineConfig, type PipelineConfig, parsePipelineConfig } from '../../src/pipeline/config.js';
import { syntheticConfig, tempDir } from './harness.js';

const exampleConfig = (file: string, count: number): PipelineConfig => {
  const loaded = loadPipelineConfig(join('examples', file));
  return parsePipelineConfig({
    ...loaded,
    data: { ...loaded.data, source: 'synthetic', synthetic: { ...loaded.data.synthetic, count } },
    output: { ...loaded.output, progress: false },
  });
};

const CONFIGS: readonly { name: string; config: PipelineConfig }[] = [
  { name: 'default, 3 symbols × 2,000 1m', config: syntheticConfig(2_000) },
  { name: 'examples/atr-stop.yaml, 3 symbols × 2,000 1m', config: exampleConfig('atr-stop.yaml', 2_000) },
  // Every decision module on; smart execution's post-only limits, fallbacks and TWAP slices included.
  {
    name: 'examples/all-modules.yaml, 3 symbols × 2,000 1m',
    config: exampleConfig('all-modules.yaml', 2_000),
  },
];

/** trades.csv of one run with the stages rearranged or wrapped by `stages`. */
const tradesCsv = async (config: PipelineConfig, stages?: (stages: Stage[]) => Stage[]): Promise<string> => {
  const outDir = tempDir('independence');
  await runBacktest({ config, outDir, stages });
  return readFileSync(join(outDir, 'trades.csv'), 'utf8');
};

const shuffled = <T>(items: readonly T[], prng: Prng): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(prng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

/** Lines of a CSV body (without the header). */
const tradeCount = (csv: string): number => csv.trim().split('\n').length - 1;

for (const { name, config } of CONFIGS) {
  test(`${name}: every registration order gives byte-identical trades.csv (reverse + 12 seeded shuffles)`, async () => {
    const reference = await tradesCsv(config);
    assert.ok(tradeCount(reference) >= 5, `expected a run with trades, got ${tradeCount(reference)}`);
    assert.is(await tradesCsv(config, (stages) => [...stages].reverse()), reference, 'reversed');
    const prng = createPrng(7).fork('permutations');
    for (let i = 0; i < 12; i++) {
      const order: string[] = [];
      const csv = await tradesCsv(config, (stages) => {
        const permutation = shuffled(stages, prng);
        order.push(...permutation.map((stage) => stage.name));
        return permutation;
      });
      assert.is(csv, reference, `registration order ${order.join(', ')}`);
    }
  });

  test(`${name}: stages answering after random delays (microtasks, macrotasks, timers, seeded) give byte-identical trades.csv`, async () => {
    const reference = await tradesCsv(config);
    for (const seed of [1, 2]) {
      const prng = createPrng(seed).fork('delays');
      let asyncAnswers = 0;
      const delayed = (stage: Stage): Stage => ({
        ...stage,
        handle(event, context) {
          const roll = prng.next();
          if (roll < 0.3) return stage.handle(event, context);
          asyncAnswers++;
          // Work before the wait or after it: the kernel must not care which.
          const wait =
            roll < 0.6
              ? Promise.resolve()
              : roll < 0.9
                ? new Promise<void>((resolve) => setImmediate(resolve))
                : roll < 0.995
                  ? new Promise<void>((resolve) => queueMicrotask(resolve))
                  : new Promise<void>((resolve) => setTimeout(resolve, 1));
          if (prng.next() < 0.5) {
            const result = stage.handle(event, context);
            return wait.then(() => result);
          }
          return wait.then(() => stage.handle(event, context));
        },
      });
      const csv = await tradesCsv(config, (stages) => stages.map(delayed));
      assert.ok(asyncAnswers > 1_000, `expected many async answers, got ${asyncAnswers}`);
      assert.is(csv, reference, `seed ${seed}`);
    }
  });
}

test.run();
