// One full-pipeline run of bench/pipeline.ts, shaped as a backtest: what it costs is the measurement,
// what it produced (orders, trades, bus events) proves it traded.
import { createPrng, type Kline } from '../../../src/domain/index.js';
import { SimExchange } from '../../../src/exchange/sim-exchange.js';
import { replayMarket } from '../../../src/kernel/replay.js';
import { buildModels } from '../../../src/pipeline/build-models.js';
import { type PipelineConfig, simExchangeParamsOf } from '../../../src/pipeline/config.js';
import { connectVenue, tradingKernel } from '../../../src/pipeline/graph.js';

/** What one full-pipeline run produced: proof that it traded, and how busy the bus was. */
export interface RunOutput {
  readonly envelopes: number;
  readonly orders: number;
  readonly trades: number;
  readonly deadLetters: number;
}

/** One backtest-shaped run: a fresh venue, models and kernel, the klines replayed to the end of data. */
export const runPipeline = async (config: PipelineConfig, klines: readonly Kline[]): Promise<RunOutput> => {
  const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'));
  let envelopes = 0;
  let orders = 0;
  let trades = 0;
  const kernel = tradingKernel(
    config,
    { exchange, models: buildModels(config) },
    {
      onEvent: (envelope) => {
        envelopes++;
        const kind = envelope.event.kind;
        if (kind === 'order-submitted') orders++;
        else if (kind === 'trade-closed') trades++;
      },
    },
  );
  // As runBacktest: the venue reports its account before the first candle, then the replay.
  await connectVenue(kernel, klines[0]?.openTime ?? 0);
  await replayMarket(kernel, klines, { endOfData: true });
  return { envelopes, orders, trades, deadLetters: kernel.deadLetters };
};
