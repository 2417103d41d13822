// The model contract for batched, asynchronous inference (tfjs runs that way): a model type
// registered in one file, answering in batches after a delay, trades exactly as its synchronous
// twin — the kernel awaits the answer inside the barrier, so sizing and risk never see a later
// account than a synchronous model would have let them see.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { createPrng } from '../../src/domain/index.js';
import type { BatchModel } from '../../src/models/model.js';
import { modelTypes, registerModelType } from '../../src/models/model-type.js';
import { emaTrendRsiModel, emaTrendRsiParams } from '../../src/models/rule-models.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { parsePipelineConfig } from '../../src/pipeline/config.js';
import { tempDir } from './harness.js';

// One file's worth of model type: schema, name, required features, builder. Nothing else changes.
const prng = createPrng(3).fork('answer delays');
registerModelType({
  type: 'async-ema-rsi',
  schema: z
    .object({
      type: z.literal('async-ema-rsi'),
      weight: z.number().finite().nonnegative().default(1),
      params: emaTrendRsiParams.prefault({}),
    })
    .strict(),
  nameOf: (entry) => entry.params.name,
  requiredFeatures: (entry) => [entry.params.fast, entry.params.slow, entry.params.rsi],
  build: (entry): BatchModel => {
    const twin = emaTrendRsiModel(entry.params);
    return {
      name: twin.name,
      features: twin.features,
      warmup: twin.warmup,
      createBatch() {
        const predictor = twin.create();
        // Answers after a microtask, a macrotask or a timer, as an inference backend would.
        return (vectors) => {
          const votes = vectors.map(predictor);
          const roll = prng.next();
          return new Promise((resolve) => {
            if (roll < 0.4) queueMicrotask(() => resolve(votes));
            else if (roll < 0.98) setImmediate(() => resolve(votes));
            else setTimeout(() => resolve(votes), 1);
          });
        };
      },
    };
  },
});

const config = (modelType: string) =>
  parsePipelineConfig({
    data: { source: 'synthetic', synthetic: { count: 2_000 } },
    models: [{ type: modelType, params: { name: 'trend' } }, { type: 'macd-adx' }],
    output: { progress: false },
  });

const tradesCsv = async (modelType: string): Promise<string> => {
  const outDir = tempDir('async-models');
  await runBacktest({ config: config(modelType), outDir });
  return readFileSync(join(outDir, 'trades.csv'), 'utf8');
};

test('a model type registered in its own file is part of the pipeline config', () => {
  assert.ok(modelTypes().some((type) => type.type === 'async-ema-rsi'));
  assert.is(config('async-ema-rsi').models[0].type, 'async-ema-rsi');
  assert.throws(
    () => parsePipelineConfig({ features: ['ema_12', 'rsi_14'], models: [{ type: 'async-ema-rsi' }] }),
    (error: Error) => /reads feature "ema_26", which is not in features/.test(error.message),
  );
});

test('registering a model type twice is refused with its name', () => {
  assert.throws(
    () => registerModelType({ ...modelTypes()[0] }),
    (error: Error) => error.message === 'model type "ema-rsi" is registered twice',
  );
});

test('an async, batched model trades byte-identically to its synchronous twin', async () => {
  const synchronous = await tradesCsv('ema-rsi');
  const asynchronous = await tradesCsv('async-ema-rsi');
  assert.ok(synchronous.trim().split('\n').length > 5, 'the run trades');
  assert.is(asynchronous, synchronous);
});

test.run();
