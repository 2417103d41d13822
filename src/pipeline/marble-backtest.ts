import { isDeepStrictEqual } from 'node:util';
import { filter, map, type Observable, share } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  createPrng,
  type EngineEvent,
  type Fill,
  INTERVAL_MS,
  type Interval,
  type KillSwitchTripped,
  type Kline,
  type OrderDenied,
  type OrderRequest,
  type Signal,
  type TradeClosed,
  type TradeIntent,
} from '../domain/index.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import { buildModels } from './build-models.js';
import { type PipelineConfigInput, parsePipelineConfig, simExchangeParamsOf } from './config.js';
import { tradingGraph } from './graph.js';

/** A candle of a scenario: a close price (opens at the previous close), or explicit fields. */
export type ScenarioCandle =
  | number
  | {
      readonly open?: number;
      readonly high?: number;
      readonly low?: number;
      readonly close: number;
      readonly volume?: number;
    };

/** The streams a scenario can assert, each with its default projection (what a marble value is compared with). */
export interface ScenarioStreams {
  /** BUY/SELL signals → `'BUY'` / `'SELL'` (HOLD is not emitted). */
  readonly signals: Signal;
  /** Trade intents → `'LONG'` / `'SHORT'`. */
  readonly intents: TradeIntent;
  /** Denied entries → the gate name (`'cooldown'`, `'kill-switch'` …). */
  readonly denied: OrderDenied;
  /** Orders sent to the venue → `'BUY MARKET'`, `'SELL STOP_MARKET'`, `'SELL TAKE_PROFIT_MARKET'` … */
  readonly orders: OrderRequest;
  /** Fills → `'BUY ENTRY'`, `'SELL STOP_LOSS'` … */
  readonly fills: Fill;
  /** Closed trades → `'LONG TAKE_PROFIT'`, `'SHORT STOP_LOSS'` … */
  readonly trades: TradeClosed;
  /** Kill-switch trips → `'KILL'`. */
  readonly killSwitch: KillSwitchTripped;
}

/** One expectation: a marble, its value map, and optionally a projection and a filter of the stream. */
export type ScenarioExpectation<T> =
  | readonly [marble: string, values?: Record<string, unknown>]
  | {
      readonly marble: string;
      readonly values?: Record<string, unknown>;
      /** What each event is compared as (default: the stream's short string, see ScenarioStreams). */
      readonly project?: (event: T) => unknown;
      /** Only events passing this are asserted (e.g. `(d) => d.gate === 'cooldown'`). */
      readonly filter?: (event: T) => boolean;
    };

export interface MarbleBacktest {
  /**
   * The market as a marble: each letter is one closed candle of `symbol`, each `-` a candle-long
   * hole, `|` the end of data (open positions are closed there, reason END_OF_DATA).
   */
  readonly market: string;
  /** The candle behind each letter of `market`. */
  readonly candles: Readonly<Record<string, ScenarioCandle>>;
  /** Pipeline config overrides, deep-merged over `SCENARIO_BASE_CONFIG` (arrays replace). */
  readonly config?: PipelineConfigInput;
  readonly symbol?: string;
  readonly interval?: Interval;
  /** Open time of the first frame, ms since epoch (default 2026-01-01T00:00Z). */
  readonly startTs?: number;
  /** The engine's outputs, as marbles on the same time axis as `market`. */
  readonly expect: { readonly [K in keyof ScenarioStreams]?: ScenarioExpectation<ScenarioStreams[K]> };
}

/**
 * Small-period config for scenarios: an EMA 2/3 trend model with RSI 2 (warm after 3 candles),
 * fixed-fraction sizing with a 1.5 % stop and 3 % target, no break-even/trailing/time exits, and
 * the default risk gates (661 s cooldown, 20 % kill switch) and venue costs.
 */
export const SCENARIO_BASE_CONFIG: PipelineConfigInput = {
  name: 'scenario',
  features: ['ema_2', 'ema_3', 'rsi_2'],
  models: [
    {
      type: 'ema-rsi',
      params: {
        name: 'trend',
        fast: 'ema_2',
        slow: 'ema_3',
        rsi: 'rsi_2',
        rsiBuyMin: 50,
        rsiBuyMax: 100,
        rsiSellMin: 0,
        rsiSellMax: 50,
        warmup: 3,
      },
    },
  ],
  ensemble: { minConfidence: 0.5 },
  strategy: { minConfidence: 0.5 },
  sizing: { method: 'fixed-fraction', fraction: 0.1, leverage: 3, stopLossPct: 1.5, takeProfitPct: 3 },
  monitor: { breakEvenAtR: 0, trailingActivationR: 0, maxHoldMs: 0 },
  output: { progress: false },
};

const DEFAULT_PROJECTIONS: { readonly [K in keyof ScenarioStreams]: (event: ScenarioStreams[K]) => unknown } =
  {
    signals: (signal) => signal.action,
    intents: (intent) => intent.side,
    denied: (denied) => denied.gate,
    orders: (order) => `${order.side} ${order.type}`,
    fills: (fill) => `${fill.side} ${fill.purpose}`,
    trades: (trade) => `${trade.side} ${trade.reason}`,
    killSwitch: () => 'KILL',
  };

const KIND_OF_STREAM: { readonly [K in keyof ScenarioStreams]: ScenarioStreams[K]['kind'] } = {
  signals: 'signal',
  intents: 'trade-intent',
  denied: 'order-denied',
  orders: 'order-request',
  fills: 'fill',
  trades: 'trade-closed',
  killSwitch: 'kill-switch-tripped',
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep merge of plain objects; arrays and scalars of `override` replace. */
export const mergeConfig = (base: unknown, override: unknown): unknown => {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeConfig(base[key], value);
  return merged;
};

/** One recorded or expected notification, reduced to what a marble can say. */
interface Frame {
  readonly frame: number;
  readonly kind: 'N' | 'E' | 'C';
  readonly value?: unknown;
}

/**
 * Renders notifications back into a marble, naming values by the expected map's letters; values
 * the map lacks get spare letters, listed in `legend` (`A = "BUY MARKET"`).
 */
const toMarble = (
  frames: readonly Frame[],
  values: Record<string, unknown>,
): { marble: string; legend: string[] } => {
  const unknown: string[] = [];
  const spare = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'].filter((letter) => !(letter in values));
  const letterOf = (value: unknown): string => {
    for (const [letter, expected] of Object.entries(values))
      if (isDeepStrictEqual(expected, value)) return letter;
    const text = JSON.stringify(value);
    let index = unknown.indexOf(text);
    if (index < 0) index = unknown.push(text) - 1;
    return spare[index] ?? '?';
  };
  const byFrame = new Map<number, string[]>();
  for (const { frame, kind, value } of frames) {
    const symbol = kind === 'N' ? letterOf(value) : kind === 'C' ? '|' : '#';
    byFrame.set(frame, [...(byFrame.get(frame) ?? []), symbol]);
  }
  let marble = '';
  let frame = 0;
  for (const [at, symbols] of [...byFrame.entries()].sort(([a], [b]) => a - b)) {
    marble += '-'.repeat(Math.max(0, at - frame));
    const text = symbols.length === 1 ? symbols[0] : `(${symbols.join('')})`;
    marble += text;
    frame = at + text.length;
  }
  return { marble, legend: unknown.map((text, i) => `${spare[i] ?? '?'} = ${text}`) };
};

/** A marble and its values as the frames TestScheduler would expect. */
const expectedFrames = (marble: string, values: Record<string, unknown>): Frame[] =>
  TestScheduler.parseMarbles(marble, values, undefined, true, true).map(({ frame, notification }) =>
    notification.kind === 'N'
      ? { frame, kind: 'N', value: notification.value }
      : { frame, kind: notification.kind },
  );

/**
 * A deterministic backtest in a few lines: the market as a marble diagram plus the candles behind
 * its letters, run through the REAL pipeline (features, models, ensemble, sizing, risk gates,
 * SimExchange, portfolio, position monitor) on rxjs's `TestScheduler`, and the engine's signals,
 * intents, denials, orders, fills, closed trades and kill-switch trips asserted as marbles on the
 * same time axis. Each frame is one candle; output caused by a candle appears in that candle's
 * frame (an order sent at frame f fills at frame f + 1, after the venue's latency).
 *
 * Throws an Error naming each stream that differs, with the expected and actual marbles and the
 * values that had no letter — so a failing scenario reads like the diagram that was meant.
 */
export const marbleBacktest = (scenario: MarbleBacktest): void => {
  const config = parsePipelineConfig(
    mergeConfig(SCENARIO_BASE_CONFIG, scenario.config ?? {}),
    'scenario config',
  );
  const symbol = scenario.symbol ?? 'BTCUSDT';
  const interval = scenario.interval ?? '1m';
  const intervalMs = INTERVAL_MS[interval];
  const startTs = scenario.startTs ?? 1_767_225_600_000;
  // Assertions are ours (after the run), so a mismatch is reported as marbles, not as frame arrays.
  const scheduler = new TestScheduler(() => {});
  const checks: {
    stream: string;
    recorded: Frame[];
    expected: Frame[];
    values: Record<string, unknown>;
    marble: string;
  }[] = [];

  // The first error the engine raised, reported whole (a '#' in a marble says nothing about why).
  let engineError: unknown;
  scheduler.run(({ cold }) => {
    let previousClose: number | undefined;
    const market$: Observable<Kline> = cold<ScenarioCandle>(scenario.market, scenario.candles).pipe(
      map((candle) => {
        const frame = scheduler.now();
        const spec = typeof candle === 'number' ? { close: candle } : candle;
        const open = spec.open ?? previousClose ?? spec.close;
        previousClose = spec.close;
        const openTime = startTs + frame * intervalMs;
        const volume = spec.volume ?? 1_000;
        return {
          kind: 'kline',
          symbol,
          interval,
          openTime,
          ts: openTime + intervalMs,
          open,
          high: spec.high ?? Math.max(open, spec.close),
          low: spec.low ?? Math.min(open, spec.close),
          close: spec.close,
          volume,
          quoteVolume: volume * spec.close,
          trades: 1,
          takerBuyVolume: volume / 2,
        } satisfies Kline;
      }),
    );
    const exchange = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed));
    const events$ = market$.pipe(
      // A stage's exception fails the scenario with its message (not a dead letter to overlook).
      tradingGraph(config, { exchange, models: buildModels(config) }, { onStageError: 'throw' }),
      filter((event): event is EngineEvent => event.kind !== 'dead-letter'),
      share(),
    );

    for (const stream of Object.keys(scenario.expect) as (keyof ScenarioStreams)[]) {
      const expectation = scenario.expect[stream] as ScenarioExpectation<EngineEvent> | undefined;
      if (expectation === undefined) continue;
      const spec = Array.isArray(expectation)
        ? { marble: expectation[0] as string, values: expectation[1] as Record<string, unknown> | undefined }
        : (expectation as Exclude<ScenarioExpectation<EngineEvent>, readonly unknown[]>);
      const kind = KIND_OF_STREAM[stream];
      const project =
        (spec as { project?: (e: EngineEvent) => unknown }).project ?? DEFAULT_PROJECTIONS[stream];
      const keep = (spec as { filter?: (e: EngineEvent) => boolean }).filter ?? (() => true);
      const projected$ = events$.pipe(
        filter((event) => event.kind === kind && keep(event)),
        map((event) => (project as (e: EngineEvent) => unknown)(event)),
      );
      const values = spec.values ?? {};
      const recorded: Frame[] = [];
      projected$.subscribe({
        next: (value) => recorded.push({ frame: scheduler.now(), kind: 'N', value }),
        error: (error: unknown) => {
          recorded.push({ frame: scheduler.now(), kind: 'E' });
          engineError ??= error;
        },
        complete: () => recorded.push({ frame: scheduler.now(), kind: 'C' }),
      });
      checks.push({
        stream,
        recorded,
        expected: expectedFrames(spec.marble, values),
        values,
        marble: spec.marble,
      });
    }
  });
  const messages = checks
    .filter((check) => !isDeepStrictEqual(check.recorded, check.expected))
    .map((check) => {
      const actual = toMarble(check.recorded, check.values);
      const legend = actual.legend.map((line) => `\n      ${line}`).join('');
      return `  ${check.stream}:\n    expected ${check.marble}\n    actual   ${actual.marble}${legend}`;
    });
  if (messages.length > 0) {
    const cause =
      engineError === undefined
        ? ''
        : `\n  the engine failed: ${engineError instanceof Error ? engineError.message : String(engineError)}`;
    throw new Error(`marble backtest differs from the scenario:\n${messages.join('\n')}${cause}`, {
      cause: engineError,
    });
  }
};
