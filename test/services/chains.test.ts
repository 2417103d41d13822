// Which stages a service runs chained to another (no round trip through the conductor): only when
// the kernel's order of their inputs is provably the feeder's emission order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import type { Stage } from '../../src/kernel/stage.js';
import { TOPICS, type Topic } from '../../src/kernel/topics.js';
import { parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { tradingStages } from '../../src/pipeline/graph.js';
import { chainedEmissions, chainsOf } from '../../src/services/chains.js';
import { conductorChains } from '../../src/services/hosted-stages.js';

const stage = (
  name: string,
  rank: number,
  consumes: Topic[],
  publishes: Topic[],
  quiet?: Topic[],
): Stage => ({
  name,
  rank,
  consumes,
  publishes,
  ...(quiet === undefined ? {} : { quiet }),
  handle: () => undefined,
});

const names = (chains: Map<string, { stage: Stage }[]>): Record<string, string[]> =>
  Object.fromEntries([...chains].map(([feeder, links]) => [feeder, links.map((link) => link.stage.name)]));

test('the trading graph: the kill switch runs chained to the portfolio, which alone publishes its input', () => {
  const config = parsePipelineConfig({});
  const stages = tradingStages(config, {
    exchange: new SimExchange(simExchangeParamsOf(config), createPrng(1).fork('exchange')),
    models: [],
  });
  const chains = conductorChains(stages, () => 1);
  assert.equal(names(chains), { portfolio: ['kill-switch'] });
  const [link] = chains.get('portfolio') ?? [];
  // Its flatten orders fill and the portfolio publishes again: chained only on one snapshot per reply.
  assert.ok(link.reachesFeeder);
  assert.equal(chainedEmissions(link, [{ topic: TOPICS.tradeClosed }, { topic: TOPICS.portfolio }]), [1]);
  assert.equal(chainedEmissions(link, [{ topic: TOPICS.portfolio }, { topic: TOPICS.portfolio }]), []);
  // Split into partitions, or in two processes: no chain.
  assert.equal(names(conductorChains(stages, (name) => (name === 'portfolio' ? 2 : 1))), {});
  assert.equal(names(chainsOf(stages, () => false)), {});
});

test('no chain when another stage publishes the input, or a stage between can make the feeder emit again', () => {
  const a = stage('a', 10, [TOPICS.klines], [TOPICS.portfolio, TOPICS.tradeClosed]);
  const b = stage('b', 20, [TOPICS.portfolio], [TOPICS.executionCommands]);
  const venue = stage('venue', 0, [TOPICS.executionCommands], [TOPICS.executionResult]);
  const together = () => true;
  assert.equal(names(chainsOf([a, b], together)), { a: ['b'] });
  // b's own cascade may reach a: still chained (on one emission per reply).
  const feedsBack = stage('a', 10, [TOPICS.klines, TOPICS.executionResult], [TOPICS.portfolio]);
  const chained = chainsOf([feedsBack, b, venue], together).get('a') ?? [];
  assert.equal(
    chained.map((link) => [link.stage.name, link.reachesFeeder]),
    [['b', true]],
  );
  // A second publisher of b's input.
  const other = stage('other', 5, [TOPICS.klines], [TOPICS.portfolio]);
  assert.equal(names(chainsOf([a, b, other], together)), {});
  // A stage ranked before b hears a's snapshot and can make a emit again before b's turn.
  const before = stage('before', 15, [TOPICS.portfolio], [TOPICS.executionCommands]);
  assert.equal(names(chainsOf([feedsBack, b, before, venue], together)), {});
  // The same stage hearing it quietly emits nothing: no obstacle.
  const quietly = stage(
    'quietly',
    15,
    [TOPICS.portfolio, TOPICS.signals],
    [TOPICS.executionCommands],
    [TOPICS.portfolio],
  );
  assert.equal(names(chainsOf([feedsBack, b, quietly, venue], together)), { a: ['b'] });
  // A stage fed by the kernel (control: timers) or declaring a quiet topic is never chained.
  const timed = stage('timed', 20, [TOPICS.portfolio, TOPICS.control], []);
  assert.equal(names(chainsOf([a, timed], together)), {});
  // Without every stage's declaration of what it publishes, nothing is proved.
  const undeclared: Stage = { name: 'x', rank: 1, consumes: [TOPICS.klines], handle: () => undefined };
  assert.equal(names(chainsOf([a, b, undeclared], together)), {});
});

test.run();
