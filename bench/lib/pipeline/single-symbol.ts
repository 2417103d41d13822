// One process of bench/pipeline.ts's single-symbol measurement: builds only the single-symbol
// market (a one-symbol backtest holds its own market and nothing else), runs the default pipeline
// over it `rounds` times, and prints one JSON line: the best and the first round's seconds, and
// what the last round produced. Usage (from bench/pipeline.ts): `node single-symbol.js <candles> <rounds>`.
import { loadPipelineConfig } from '../../../src/pipeline/config.js';
import { elapsedSeconds } from '../timing.js';
import { marketOf } from './market.js';
import { type RunOutput, runPipeline } from './run-pipeline.js';

/** What one single-symbol process measured (its stdout, as JSON). */
export interface SingleSymbolRounds {
  readonly klines: number;
  readonly bestSeconds: number;
  readonly firstSeconds: number;
  readonly output: RunOutput;
}

const [candles, rounds] = process.argv.slice(2).map(Number);
if (!(candles > 0) || !(rounds > 0)) {
  throw new Error('bench/lib/pipeline/single-symbol: usage: single-symbol <candles> <rounds>');
}
const config = loadPipelineConfig();
const klines = marketOf(1, candles);
let bestSeconds = Number.POSITIVE_INFINITY;
let firstSeconds = Number.NaN;
let output: RunOutput | undefined;
for (let round = 0; round < rounds; round++) {
  const started = process.hrtime.bigint();
  output = await runPipeline(config, klines);
  const seconds = elapsedSeconds(started);
  if (round === 0) firstSeconds = seconds;
  bestSeconds = Math.min(bestSeconds, seconds);
}
const measured: SingleSymbolRounds = {
  klines: klines.length,
  bestSeconds,
  firstSeconds,
  output: output as RunOutput,
};
console.log(JSON.stringify(measured));
