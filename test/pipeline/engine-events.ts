// Shared by the pipeline tests: run the trading graph the way runBacktest wires it (same models,
// same simulated venue, same seed fork), but hand back every engine event instead of a report, so a
// test can check what the report is built from.
import { filter, from, lastValueFrom, toArray } from 'rxjs';
import type { EngineEvent, Kline } from '../../src/domain/index.js';
import { createPrng } from '../../src/domain/index.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { type PipelineConfig, parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { tradingGraph } from '../../src/pipeline/graph.js';

/** Every event the graph emits for `klines`, in emission order (a synchronous replay). */
export const engineEvents = async (
  config: PipelineConfig,
  klines: readonly Kline[],
  seed = config.seed,
): Promise<EngineEvent[]> => {
  const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(seed).fork('exchange'));
  return lastValueFrom(
    from(klines).pipe(
      tradingGraph(
        { ...config, seed },
        { exchange, models: buildModels(config, '.') },
        { onStageError: 'throw' },
      ),
      filter((event): event is EngineEvent => event.kind !== 'dead-letter'),
      toArray(),
    ),
  );
};

/** The events of one kind, typed. */
export const ofKind = <K extends EngineEvent['kind']>(
  events: readonly EngineEvent[],
  kind: K,
): Extract<EngineEvent, { kind: K }>[] =>
  events.filter((event): event is Extract<EngineEvent, { kind: K }> => event.kind === kind);

/** A small synthetic pipeline (count candles per symbol), nothing on stderr, default everything else. */
export const smallSyntheticConfig = (
  count: number,
  overrides: Record<string, unknown> = {},
): PipelineConfig =>
  parsePipelineConfig({
    data: { source: 'synthetic', synthetic: { count } },
    output: { progress: false },
    ...overrides,
  });

/** Relative difference, safe at 0: |a − b| / max(1, |a|, |b|). */
export const relativeDiff = (a: number, b: number): number =>
  Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
