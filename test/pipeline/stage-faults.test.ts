// Errors go where they belong (DESIGN.md rule 5): an exception inside any stage, or a malformed
// event arriving on any topic, ends as a dead letter naming the place and the reason — never an
// uncaught exception, never a silently completed stream — and the run goes on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng, type DeadLetter } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { StageError } from '../../src/kernel/kernel.js';
import type { Stage } from '../../src/kernel/stage.js';
import { TOPICS } from '../../src/kernel/topics.js';
import { runBacktest } from '../../src/pipeline/backtest.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { tradingKernel, tradingStages } from '../../src/pipeline/graph.js';
import { kline } from '../builders.js';
import { syntheticConfig, tempDir } from './harness.js';

const config = syntheticConfig(1_500);
const STAGE_NAMES = tradingStages(config, {
  exchange: new SimExchange({}, createPrng(1)),
  models: buildModels(config, '.'),
}).map((stage) => stage.name);

/** `name` throws (or rejects, when `async`) on its `nth` event; every other stage is untouched. */
const faultyAt =
  (name: string, nth: number, async = false) =>
  (stages: Stage[]): Stage[] =>
    stages.map((stage) => {
      if (stage.name !== name) return stage;
      let seen = 0;
      return {
        ...stage,
        handle(event, context) {
          if (++seen !== nth) return stage.handle(event, context);
          const error = new Error(`${name} broke on its event #${nth}`);
          if (async) return Promise.reject(error);
          throw error;
        },
      };
    });

test('the graph has the stages these tests break', () => {
  assert.equal(STAGE_NAMES, [
    'venue',
    'portfolio',
    'kill-switch',
    'position-monitor',
    'ai-engine',
    'strategy',
    'sizing',
    'risk-governor',
    'execution',
  ]);
});

for (const name of STAGE_NAMES) {
  for (const async of [false, true]) {
    test(`${name} ${async ? 'rejecting' : 'throwing'} on one event: one dead letter naming it, the run completes and reports it`, async () => {
      const outDir = tempDir('faults');
      // The 3rd event a stage sees: early, so every stage has seen it (the decision chain sees fewer).
      const result = await runBacktest({ config, outDir, stages: faultyAt(name, 3, async) });
      const letters = result.deadLetters.filter((letter) => letter.origin.startsWith(`stage ${name} `));
      assert.is(letters.length, 1, `dead letters: ${JSON.stringify(result.deadLetters)}`);
      const [letter] = letters;
      assert.is(letter.reason, `${name} broke on its event #3`);
      assert.match(letter.origin, new RegExp(`^stage ${name} on [a-z._]+ \\(\\w[\\w-]* .*, event \\S+\\)$`));
      assert.ok(letter.payload.startsWith('{"kind":'), letter.payload);
      const jsonl = readFileSync(join(outDir, 'dead-letters.jsonl'), 'utf8').trim().split('\n');
      assert.ok(
        jsonl.some((line) => (JSON.parse(line) as DeadLetter).reason === `${name} broke on its event #3`),
        'dead-letters.jsonl has it',
      );
      assert.ok(result.report.metrics !== undefined);
    });
  }
}

test("onStageError 'throw': processing fails with a StageError naming the stage, the topic and the reason", () => {
  const kernel = tradingKernel(
    config,
    { exchange: new SimExchange({}, createPrng(1)), models: [] },
    { onStageError: 'throw', stages: faultyAt('portfolio', 1) },
  );
  let caught: unknown;
  try {
    kernel.process(kline({ symbol: 'BTCUSDT' }), TOPICS.klines);
  } catch (error) {
    caught = error;
  }
  assert.instance(caught, StageError);
  assert.is(
    (caught as StageError).message,
    `stage portfolio failed on market.klines (kline BTCUSDT @${kline().ts}): portfolio broke on its event #1`,
  );
});

const MALFORMED: readonly { name: string; raw: unknown }[] = [
  { name: 'a string', raw: 'not json at all' },
  { name: 'null', raw: null },
  { name: 'a kline with a NaN close', raw: { ...kline(), close: Number.NaN } },
  {
    name: 'an order without a qty',
    raw: { kind: 'order-request', clientOrderId: 'x', symbol: 'BTCUSDT', ts: 1 },
  },
  { name: 'an unknown kind', raw: { kind: 'surprise', ts: 1 } },
];

for (const topic of Object.values(TOPICS)) {
  test(`malformed events injected on ${topic} become dead letters; the engine goes on`, async () => {
    const letters: DeadLetter[] = [];
    const exchange = new SimExchange({}, createPrng(1));
    const kernel = tradingKernel(
      config,
      { exchange, models: buildModels(config, '.') },
      {
        onEvent: (envelope) => {
          if (envelope.event.kind === 'dead-letter') letters.push(envelope.event);
        },
      },
    );
    for (const { raw } of MALFORMED) await kernel.inject(raw, topic);
    assert.is(letters.length, MALFORMED.length, JSON.stringify(letters, null, 1));
    for (const letter of letters) {
      assert.is(letter.origin, `topic ${topic}`);
      assert.match(
        letter.reason,
        new RegExp(
          `(malformed event on ${topic.replace('.', '\\.')}: |topic ${topic.replace('.', '\\.')} accepts no external events)`,
        ),
      );
    }
    // A good candle afterwards is handled as usual.
    let snapshots = 0;
    const after = tradingKernel(
      config,
      { exchange: new SimExchange({}, createPrng(1)), models: [] },
      { onEvent: (envelope) => void (envelope.event.kind === 'portfolio-snapshot' && snapshots++) },
    );
    await after.inject(kline(), TOPICS.klines);
    assert.is(snapshots, 1);
    assert.is(kernel.deadLetters, MALFORMED.length);
  });
}

test('a malformed kline names the field that is wrong', async () => {
  const letters: DeadLetter[] = [];
  const kernel = tradingKernel(
    config,
    { exchange: new SimExchange({}, createPrng(1)), models: [] },
    { onEvent: (envelope) => void (envelope.event.kind === 'dead-letter' && letters.push(envelope.event)) },
  );
  await kernel.inject({ ...kline(), high: 'high' }, TOPICS.klines);
  assert.is(letters.length, 1);
  assert.match(letters[0].reason, /^malformed event on market\.klines: high: /);
  assert.ok(letters[0].payload.includes('"high":"high"'));
});

test.run();
