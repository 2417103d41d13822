// Questions:
// 1. How many kline events per second does the FULL default pipeline process (18 features, two
//    rule models, ensemble, sizing, risk gates, order bracket, SimExchange, portfolio accounting,
//    position monitor), and does the cost per event stay flat from 1 to 20 to 222 symbols (linear
//    total cost)? Target ≥ 250,000 events/s single-symbol; baseline for the scaling ratio is the
//    1-symbol cost per event measured in the same run.
// 2. What do the RxJS operators cost? The feature + signal chain (featureVectors → predict →
//    ensembleVote → signalToIntent) as operators vs the same computation in one hand-written loop
//    (feature engine, model predictors, vote arithmetic, intent condition), same run. Target ≤ 3×.
//
// Usage: `node --import tsx bench/pipeline.ts [--quick]`. Prints a JSON line and a
// table; writes bench/results/pipeline.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { from, type Observable, toArray } from 'rxjs';
import { createPrng, type FeatureVector, type Kline } from '../src/domain/index.js';
import { SimExchange } from '../src/exchange/sim-exchange.js';
import { ensembleVote } from '../src/operators/ensemble-vote.js';
import { featureVectors } from '../src/operators/feature-vector.js';
import { createFeatureEngine } from '../src/operators/indicators/feature-engine.js';
import { predict } from '../src/operators/predict.js';
import { signalToIntent } from '../src/operators/signal-to-intent.js';
import { buildModels } from '../src/pipeline/build-models.js';
import { ensembleWeights, loadPipelineConfig } from '../src/pipeline/config.js';
import { tradingGraph } from '../src/pipeline/graph.js';
import { mergeByEventTime } from '../src/streams/merge-by-event-time.js';
import { type SyntheticSymbol, syntheticMarket } from '../src/streams/synthetic-market.js';

const quick = process.argv.includes('--quick');
// Best of 8: the JIT warms up over several rounds (single-symbol: ~205k events/s in round 1,
// 250-280k from round 3 to 8, varying between processes); the cold first round is reported too.
const rounds = quick ? 2 : 8;
const config = loadPipelineConfig();

const drain = <T>(source: Observable<T>): T[] => {
  let out: T[] = [];
  source.pipe(toArray()).subscribe((values) => {
    out = values;
  });
  return out;
};

/** `count` synthetic symbols with spread-out prices and volatilities. */
const symbolsFor = (count: number): SyntheticSymbol[] =>
  Array.from({ length: count }, (_, i) => ({
    symbol: `S${String(i).padStart(3, '0')}USDT`,
    startPrice: 1 + ((i * 37) % 500),
    volatility: 0.0006 + (i % 7) * 0.0001,
    baseVolume: 1_000 + i * 10,
    priceDecimals: 4,
  }));

const marketOf = (symbolCount: number, candles: number): Kline[] =>
  drain(mergeByEventTime(syntheticMarket({ seed: 7, count: candles, symbols: symbolsFor(symbolCount) })));

/**
 * Best of `rounds` wall times (seconds) of `run`. No forced `gc()` between rounds: measured here,
 * a forced full GC before a round made that round ~10-20 % slower at the same scavenge count (it
 * resets JIT/inline-cache state, not garbage), which no real backtest pays.
 */
const bestSeconds = (run: () => number): { seconds: number; firstSeconds: number; checksum: number } => {
  let seconds = Number.POSITIVE_INFINITY;
  let firstSeconds = Number.NaN;
  let checksum = 0;
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    checksum = run();
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (round === 0) firstSeconds = elapsed;
    seconds = Math.min(seconds, elapsed);
  }
  return { seconds, firstSeconds, checksum };
};

// --- Question 1: the full pipeline at 1, 20 and 222 symbols -------------------------------------
const scales = quick
  ? [
      { symbols: 1, candles: 50_000 },
      { symbols: 20, candles: 2_500 },
      { symbols: 222, candles: 300 },
    ]
  : [
      { symbols: 1, candles: 200_000 },
      { symbols: 20, candles: 20_000 },
      { symbols: 222, candles: 2_000 },
    ];

const pipelineRows = scales.map(({ symbols, candles }) => {
  const klines = marketOf(symbols, candles);
  const { seconds, firstSeconds, checksum } = bestSeconds(() => {
    const exchange = new SimExchange({ ...config.exchange }, createPrng(1));
    let trades = 0;
    from(klines)
      .pipe(tradingGraph(config, { exchange, models: buildModels(config) }))
      .subscribe((event) => {
        if (event.kind === 'trade-closed') trades++;
      });
    return trades;
  });
  return {
    symbols,
    klines: klines.length,
    eventsPerSecond: klines.length / seconds,
    /** Round 1 (cold JIT: what a one-off backtest of this size sees). */
    coldEventsPerSecond: klines.length / firstSeconds,
    nsPerEvent: (seconds * 1e9) / klines.length,
    trades: checksum,
  };
});
const base = pipelineRows[0].nsPerEvent;
const scaling = pipelineRows.map((row) => ({ ...row, costRatioVs1: row.nsPerEvent / base }));

// --- Question 2: operator chain vs one hand-written loop ----------------------------------------
const chainKlines = marketOf(1, quick ? 50_000 : 200_000);
const models = buildModels(config);
const weights = ensembleWeights(config);
const ensembleParams = { ...config.ensemble, weights };

const viaOperators = bestSeconds(() => {
  let intents = 0;
  from(chainKlines)
    .pipe(
      featureVectors({ features: config.features }),
      predict(models),
      ensembleVote(ensembleParams),
      signalToIntent(config.strategy),
    )
    .subscribe(() => {
      intents++;
    });
  return intents;
});

const viaLoop = bestSeconds(() => {
  const engine = createFeatureEngine(config.features);
  const state = engine.createState();
  const predictors = models.map((model) => model.create());
  const warmups = models.map((model) => model.warmup);
  const modelWeights = models.map((model) => weights[model.name] ?? 1);
  const atrIndex = engine.names.indexOf(config.ensemble.atrFeature);
  let intents = 0;
  let checksumAtr = 0;
  for (let i = 0; i < chainKlines.length; i++) {
    const kline = chainKlines[i];
    const values: number[] = new Array(engine.names.length);
    state.update(kline.high, kline.low, kline.close, kline.volume, values);
    // Models read vectors by name: the same object the operator builds.
    const vector: FeatureVector = {
      kind: 'features',
      symbol: kline.symbol,
      ts: kline.ts,
      kline,
      names: engine.names,
      values,
    };
    let buy = 0;
    let sell = 0;
    let hold = 0;
    let total = 0;
    const actions: (string | null)[] = [];
    const confidences: number[] = [];
    for (let m = 0; m < predictors.length; m++) {
      const prediction = predictors[m](vector);
      const action = i + 1 < warmups[m] ? null : prediction.action;
      actions.push(action);
      confidences.push(prediction.confidence);
      if (action !== null) total += modelWeights[m];
    }
    for (let m = 0; m < predictors.length; m++) {
      const action = actions[m];
      if (action === null || total === 0) continue;
      const score = (modelWeights[m] / total) * confidences[m];
      if (action === 'BUY') buy += score;
      else if (action === 'SELL') sell += score;
      else hold += score;
    }
    const best = Math.max(buy, sell, hold);
    const unique = (buy === best ? 1 : 0) + (sell === best ? 1 : 0) + (hold === best ? 1 : 0) === 1;
    const action =
      total > 0 && unique && best >= config.ensemble.minConfidence
        ? buy === best
          ? 'BUY'
          : sell === best
            ? 'SELL'
            : 'HOLD'
        : 'HOLD';
    // The signal carries the ATR; the intent copies it.
    const atr = atrIndex < 0 ? Number.NaN : values[atrIndex];
    if (
      action !== 'HOLD' &&
      best >= config.strategy.minConfidence &&
      (action === 'BUY' || config.strategy.allowShort)
    ) {
      intents++;
      checksumAtr += Number.isFinite(atr) ? atr : 0;
    }
  }
  return checksumAtr > -1 ? intents : -1;
});

const chain = {
  candles: chainKlines.length,
  operatorsPerSecond: chainKlines.length / viaOperators.seconds,
  loopPerSecond: chainKlines.length / viaLoop.seconds,
  ratio: viaLoop.seconds === 0 ? Number.NaN : viaOperators.seconds / viaLoop.seconds,
  intentsOperators: viaOperators.checksum,
  intentsLoop: viaLoop.checksum,
};

const single = pipelineRows[0].eventsPerSecond;
const result = {
  bench: 'pipeline',
  quick,
  method: `best of ${rounds} rounds, no forced GC between rounds`,
  pipeline: scaling,
  singleSymbolEventsPerSecond: single,
  targetSingleSymbol: 250_000,
  meetsSingleSymbolTarget: single >= 250_000,
  maxCostRatio: Math.max(...scaling.map((row) => row.costRatioVs1)),
  chain,
  meetsChainTarget: chain.ratio <= 3,
};

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(JSON.stringify(result));
console.log(`\nfull default pipeline (SimExchange, synthetic 1m klines), ${result.method}`);
console.log('symbols   klines     events/s  cold (round 1)    ns/event   × 1-symbol cost   trades');
for (const row of scaling) {
  console.log(
    `${String(row.symbols).padStart(7)} ${fmt(row.klines).padStart(9)} ${fmt(row.eventsPerSecond).padStart(12)} ${fmt(row.coldEventsPerSecond).padStart(15)} ${row.nsPerEvent.toFixed(0).padStart(11)} ${row.costRatioVs1.toFixed(2).padStart(17)} ${String(row.trades).padStart(8)}`,
  );
}
console.log(`target ≥ 250,000 events/s single-symbol: ${result.meetsSingleSymbolTarget ? 'met' : 'NOT met'}`);
console.log('\nfeature + signal chain (features → models → ensemble → intent), single symbol');
console.log(
  `hand-written loop (baseline) ${fmt(chain.loopPerSecond).padStart(12)} candles/s  (${chain.intentsLoop} intents)`,
);
console.log(
  `rxjs operators               ${fmt(chain.operatorsPerSecond).padStart(12)} candles/s  (${chain.intentsOperators} intents)`,
);
console.log(
  `ratio (operators / loop time) ${chain.ratio.toFixed(2)}×, target ≤ 3×: ${result.meetsChainTarget ? 'met' : 'NOT met'}`,
);

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/pipeline.json', `${JSON.stringify(result, null, 2)}\n`);
