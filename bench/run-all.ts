// Runs every benchmark (bench/*.ts except this file and lib*), each in its own Node process
// (`node --expose-gc --import tsx bench/<name>.ts`) so one cannot disturb another's heap or JIT
// state; streams their output as it comes, goes on past a failure, and ends with a summary table:
// bench, exit, seconds, its key ratio, and pass/fail against the target the bench states (if any).
// Writes bench/results/summary.json. Exit code 1 when a bench failed or missed its target.
// Usage: `npm run bench` or `npx tsx bench/run-all.ts [name…]` (e.g. `pipeline features`).
// Benches that need external tools (models: the xgboost CLI) fall back on their own when absent.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';

/** What the summary shows for one bench: its headline ratio and, when it states one, its target. */
interface KeyMetric {
  readonly key: string;
  /** undefined: the bench states no target. */
  readonly pass?: boolean;
}

type Json = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const x = (value: number): string => `${value.toFixed(2)}×`;
const perSec = (value: number): string =>
  value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${Math.round(value / 1e3)} k/s`;

/**
 * Headline per bench, read from its JSON line. The targets are the ones each bench's header
 * states; benches without one only report their ratio against the baseline they measure.
 */
const KEY_METRICS: Record<string, (result: Json) => KeyMetric> = {
  'binance-latency': (r) => {
    const ours = obj(r.ours);
    const floor = obj(r.floor);
    const ms = (value: unknown): string => `${num(value).toFixed(1)} ms`;
    return {
      key:
        `market event → order p50 ${ms(ours.p50)}, p99 ${ms(ours.p99)} (entries ${ms(obj(ours.entry).p50)}, ` +
        `exits ${ms(obj(ours.exit).p50)}) vs bare ws + fetch ${ms(floor.p50)}, ${ms(floor.p99)}: ` +
        `${x(num(r.ratioP50))} / ${x(num(r.ratioP99))} (without ccxt's rate-limit waits ${x(num(r.ratioWithoutRateLimitP50))})`,
    };
  },
  decisions: (r) => ({
    key: `rxjs ${perSec(num(obj(r.rxjs).decisionsPerSec))} vs loop ${perSec(num(obj(r.loop).decisionsPerSec))} (loop/rxjs speed ${x(num(r.ratioLoopOverRxjs))})`,
  }),
  'decision-modules': (r) => ({
    key: `every module on: ${perSec(num(obj(r.ours).decisionsPerSec))}, p50 ${num(obj(r.ours).p50Us).toFixed(1)} µs, p99 ${num(obj(r.ours).p99Us).toFixed(1)} µs (target ≤ 50 / 500 µs), hand-written ${x(num(r.ratio))} faster`,
    pass: r.meetsTarget === true,
  }),
  forecasters: (r) => {
    const one = (name: string): string => {
      const m = obj(r[name]);
      return `${name} p50 ${num(obj(m.ours).p50).toFixed(2)} ms (${x(num(m.ratioP50))} bare tfjs), 222 windows ${num(obj(obj(m.batch222).ours).p50).toFixed(1)} ms`;
    };
    return { key: `${one('nhits')}; ${one('patchtst')} (target p50 ≤ 2 ms)`, pass: r.meetsTarget === true };
  },
  exchange: (r) => ({
    key: `${perSec(num(obj(r.sim).klinesPerSec))} klines, bare loop ${x(num(r.ratioBaselineOverSim))} faster`,
  }),
  'gbdt-train': (r) => ({
    key:
      r.cli === null
        ? `ours ${num(obj(r.ours).seconds).toFixed(2)} s (xgboost CLI missing: no baseline)`
        : `ours ${num(obj(r.ours).seconds).toFixed(2)} s vs xgboost CLI hist ${num(obj(r.cli).seconds).toFixed(2)} s: ${x(num(r.ratioOursOverCli))} (target ≤ 5×), valid logloss ratio ${num(r.validLoglossRatio).toFixed(3)}`,
    pass: r.meetsTarget === null ? undefined : r.meetsTarget === true,
  }),
  features: (r) => ({
    key: `${perSec(num(r.operatorCandlesPerSecond))} candles, loop ${x(num(r.loopOverOperatorRatio))} faster (target ≥ 1 M/s, ≤ 3×)`,
    pass: r.targetMet === true,
  }),
  models: (r) => ({
    key: `compiled ${x(num(r.ratioCompiledOverNaive))} naive JSON walk (${perSec(num(obj(r.compiled).rowsPerSec))} rows)`,
  }),
  pipeline: (r) => {
    const barrier = obj(r.barrier);
    return {
      key:
        `${perSec(num(r.singleSymbolEventsPerSecond))} events 1 symbol (target ≥ ${perSec(num(r.targetSingleSymbol))}), ` +
        `222-symbol cost ${x(num(r.scalingRatio222))} (target ≤ ${x(num(r.targetScalingRatio))}), ` +
        `operators/loop ${x(num(obj(r.chain).ratio))} (target ≤ 3×), ` +
        `no-op kernel ${num(barrier.kernelNsPerEvent).toFixed(0)} ns/event = ${x(num(barrier.ratio))} bare loop, ` +
        `${(100 * num(barrier.plumbingShare)).toFixed(0)} % of the pipeline`,
      pass:
        r.meetsSingleSymbolTarget === true && r.meetsScalingTarget === true && r.meetsChainTarget === true,
    };
  },
  redis: (r) => {
    const publisher = obj(r.publisher);
    const split = obj(obj(r.latency).split1000);
    return {
      key:
        `publisher ${x(num(publisher.ratio))} raw XADD (target ≥ 0.7×), ` +
        `split cascade p50 ${num(split.p50).toFixed(1)} ms at 1,000/s (target ≤ 2 ms), ` +
        `10k/s sustained max lag ${num(obj(r.sustained).maxLag)}, split replay ${num(obj(r.replay).ratioSplitOverBacktest).toFixed(0)}× backtest`,
      pass: r.meetsPublisherTarget === true && r.meetsLatencyTarget === true,
    };
  },
  report: (r) => ({
    key: `CSV ${x(num(r.csvMs) / num(r.baselineMs))} JSON.stringify, HTML ${x(num(r.htmlMs) / num(r.baselineMs))}`,
  }),
  universe: (r) => ({
    key:
      `${num(r.oursNsPerCandle).toFixed(0)} ns/candle/symbol = ${x(num(r.updateRatioByName))} the hand-written loop finding symbols by name ` +
      `(${x(num(r.updateRatio))} the one walking by index; target ≤ 1.5×), refresh of 222 ${num(r.oursUsPerRefresh).toFixed(0)} µs = ${x(num(r.refreshRatio))}`,
    pass: r.meetsTarget === true,
  }),
  sources: (r) => ({
    key: `CSV parse: bare split ${x(num(obj(r.csv).ratioBareOverOurs))} faster, merge floor ${x(num(obj(r.merge).ratioFlatOverReplay))}`,
  }),
};

interface Entry {
  readonly bench: string;
  readonly exitCode: number | null;
  readonly ok: boolean;
  readonly seconds: number;
  readonly key: string;
  /** true/false vs the stated target; null when the bench states none or did not finish. */
  readonly targetMet: boolean | null;
  readonly result?: unknown;
}

/** Runs one bench, echoing its output live; resolves with its exit code and its stdout. */
const runBench = (name: string): Promise<{ code: number | null; stdout: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', `bench/${name}.ts`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.on('error', (error) => {
      process.stderr.write(`bench/run-all.ts: cannot start bench/${name}.ts: ${error.message}\n`);
      resolve({ code: null, stdout: '' });
    });
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') }));
  });

/** The bench's JSON line (each prints one starting with {"bench"), parsed; undefined if absent. */
const jsonLineOf = (stdout: string): Json | undefined => {
  const line = stdout.split('\n').find((text) => text.startsWith('{"bench"'));
  if (line === undefined) return undefined;
  try {
    return obj(JSON.parse(line));
  } catch {
    return undefined;
  }
};

const main = async (): Promise<void> => {
  const only = process.argv.slice(2);
  const all = readdirSync('bench')
    .filter((file) => file.endsWith('.ts') && file !== 'run-all.ts' && !file.startsWith('lib'))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
  const benches = all.filter((name) => only.length === 0 || only.includes(name));
  const unknown = only.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench/run-all.ts: no bench/${unknown.join('.ts, bench/')}.ts (have: ${all.join(', ')})\n`,
    );
  }

  const summary: Entry[] = [];
  for (const name of benches) {
    process.stdout.write(`\n=== bench/${name}.ts ===\n`);
    const started = process.hrtime.bigint();
    const { code, stdout } = await runBench(name);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = jsonLineOf(stdout);
    const metric = result === undefined ? undefined : KEY_METRICS[name]?.(result);
    summary.push({
      bench: name,
      exitCode: code,
      ok: code === 0 && result !== undefined,
      seconds,
      key: metric?.key ?? (result === undefined ? 'no JSON line' : 'see JSON'),
      targetMet: metric?.pass ?? null,
      result,
    });
  }

  const rows = summary.map((entry) => ({
    bench: entry.bench,
    status: !entry.ok ? `FAIL (exit ${entry.exitCode})` : entry.targetMet === false ? 'MISSED' : 'ok',
    target: entry.targetMet === null ? '-' : entry.targetMet ? 'pass' : 'fail',
    seconds: Number(entry.seconds.toFixed(1)),
    key: entry.key,
  }));
  process.stdout.write('\n=== summary ===\n');
  const widths = { bench: 10, status: 14, target: 6, seconds: 7 };
  process.stdout.write(
    `${'bench'.padEnd(widths.bench)} ${'status'.padEnd(widths.status)} ${'target'.padEnd(widths.target)} ${'s'.padStart(widths.seconds)}  key ratio\n`,
  );
  for (const row of rows) {
    process.stdout.write(
      `${row.bench.padEnd(widths.bench)} ${row.status.padEnd(widths.status)} ${row.target.padEnd(widths.target)} ${row.seconds.toFixed(1).padStart(widths.seconds)}  ${row.key}\n`,
    );
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  const allGood = summary.every((entry) => entry.ok && entry.targetMet !== false);
  process.stdout.write(
    `\n${allGood ? 'all benches ran and met their targets' : 'some bench failed or missed its target'}; wrote bench/results/summary.json\n`,
  );
  process.exitCode = allGood && unknown.length === 0 ? 0 : 1;
};

await main();
