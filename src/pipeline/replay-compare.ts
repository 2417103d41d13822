import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPrng,
  DataError,
  type DeadLetter,
  type EngineEvent,
  type Fill,
  type Kline,
  type OrderRequest,
  type Signal,
  type TradeIntent,
} from '../domain/index.js';
import { SimExchange } from '../exchange/sim-exchange.js';
import { replayMarket } from '../kernel/replay.js';
import { attachFunding } from '../streams/funding-csv.js';
import { buildModels } from './build-models.js';
import { parsePipelineConfig, simExchangeParamsOf } from './config.js';
import { connectVenue, isGraphOutput, tradingKernel } from './graph.js';
import { SESSION_FILES, warmUpGate } from './live-session.js';

/**
 * `quantum replay --compare <session>`: a recorded paper, testnet or live session run again as a
 * backtest (its own config, its recorded candles, the simulated venue, the same warm-up door),
 * then compared with what the session did, event by event:
 *
 * - **Decisions** — signals (symbol, time, side), intents (by intent id) and orders (by client
 *   order id: side, type, quantity, prices). A decision that differs, or exists on one side only,
 *   is a divergence: the engine did not do live what the backtest says it would.
 * - **Fills** — per order: live and backtest average price, the difference in basis points and
 *   whether the configured slippage explains it (|Δ| ≤ slippage bps + one tick's worth).
 * - **Latency** — candle close → the engine read it (`tsInit − ts`) and order → first fill.
 *
 * Only what happened after the warm-up boundary counts (before it, nothing was sent).
 */
export interface CompareRow {
  readonly kind: 'signal' | 'intent' | 'order' | 'fill';
  readonly key: string;
  readonly ts: number;
  /** What differs, or `only live` / `only backtest`. */
  readonly difference: string;
}

export interface FillComparison {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly live: number;
  readonly backtest: number;
  readonly bps: number;
  readonly explained: boolean;
}

export interface CompareResult {
  readonly counts: Readonly<
    Record<'signal' | 'intent' | 'order' | 'fill', { live: number; backtest: number; matched: number }>
  >;
  /** Decision divergences (signals, intents, orders), in time order. */
  readonly divergences: readonly CompareRow[];
  readonly fills: readonly FillComparison[];
  readonly latencyMs: {
    readonly feedP50: number;
    readonly feedP99: number;
    readonly fillP50: number;
    readonly fillP99: number;
  };
  readonly slippageBps: number;
}

const readJsonl = <T>(path: string): T[] => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DataError(
      `${path}: not found — is this a session folder (quantum run --mode … --out dir)?`,
      path,
    );
  }
  const rows: T[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      rows.push(JSON.parse(line) as T);
    } catch {
      // A session killed mid-write leaves at most its last line cut: skip it, refuse anything else.
      if (index < text.split('\n').length - 2)
        throw new DataError(`${path}:${index + 1}: not JSON`, `${path}:${index + 1}`);
    }
  });
  return rows;
};

const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** The parts of a decision that must be equal live and in the backtest. */
const signalKey = (s: Signal): string => `${s.symbol}@${s.ts}`;
const orderShape = (o: OrderRequest): string =>
  `${o.side} ${o.type} ${o.purpose} qty ${o.qty}${o.price === undefined ? '' : ` @${o.price}`}${o.stopPrice === undefined ? '' : ` stop ${o.stopPrice}`}`;
const intentShape = (i: TradeIntent): string => `${i.side} @${i.price} conf ${i.confidence} ${i.strategy}`;

const compareBy = <T>(
  kind: CompareRow['kind'],
  live: readonly T[],
  backtest: readonly T[],
  keyOf: (t: T) => string,
  tsOf: (t: T) => number,
  shapeOf: (t: T) => string,
  rows: CompareRow[],
): { live: number; backtest: number; matched: number } => {
  const replayed = new Map(backtest.map((t) => [keyOf(t), t]));
  const seen = new Set<string>();
  let matched = 0;
  for (const t of live) {
    const key = keyOf(t);
    seen.add(key);
    const other = replayed.get(key);
    if (other === undefined) rows.push({ kind, key, ts: tsOf(t), difference: `only live: ${shapeOf(t)}` });
    else if (shapeOf(other) !== shapeOf(t))
      rows.push({ kind, key, ts: tsOf(t), difference: `live ${shapeOf(t)} · backtest ${shapeOf(other)}` });
    else matched++;
  }
  for (const t of backtest) {
    if (!seen.has(keyOf(t)))
      rows.push({ kind, key: keyOf(t), ts: tsOf(t), difference: `only backtest: ${shapeOf(t)}` });
  }
  return { live: live.length, backtest: backtest.length, matched };
};

/**
 * The recorded candles with the funding the venue settled during the session (its `FundingPaid`
 * events: rate per symbol and instant) on the candles that hold each instant, so the backtest
 * charges the same funding and sizes from the same equity. A paper session's simulator charged
 * the configured rate, which the replay charges again.
 */
const withVenueFunding = (
  market: readonly Kline[],
  recorded: readonly (EngineEvent | DeadLetter)[],
): Kline[] => {
  const rates = new Map<string, Map<number, number>>();
  for (const event of recorded) {
    if (event.kind !== 'funding-paid') continue;
    const bySymbol = rates.get(event.symbol) ?? new Map<number, number>();
    bySymbol.set(event.ts, event.rate);
    rates.set(event.symbol, bySymbol);
  }
  if (rates.size === 0) return [...market];
  const out = [...market];
  for (const [symbol, byInstant] of rates) {
    const indexes = out.flatMap((k, i) => (k.symbol === symbol ? [i] : []));
    const funded = attachFunding(
      indexes.map((i) => out[i]),
      [...byInstant].sort((a, b) => a[0] - b[0]).map(([ts, rate]) => ({ ts, rate })),
    );
    indexes.forEach((at, j) => {
      out[at] = funded[j];
    });
  }
  return out;
};

/** Replay a recorded session as a backtest and compare (see the module doc). */
export const compareSession = async (sessionDir: string, baseDir = '.'): Promise<CompareResult> => {
  const sessionPath = join(sessionDir, SESSION_FILES.session);
  let session: { liveFromTs?: unknown; config?: unknown };
  try {
    session = JSON.parse(readFileSync(sessionPath, 'utf8')) as typeof session;
  } catch (error) {
    throw new DataError(`${sessionPath}: cannot read the session (${(error as Error).message})`, sessionPath);
  }
  if (typeof session.liveFromTs !== 'number')
    throw new DataError(`${sessionPath}: liveFromTs missing`, sessionPath);
  const liveFromTs = session.liveFromTs;
  const config = parsePipelineConfig(session.config, sessionPath);
  const recorded = readJsonl<EngineEvent | DeadLetter>(join(sessionDir, SESSION_FILES.events));
  const market = withVenueFunding(readJsonl<Kline>(join(sessionDir, SESSION_FILES.market)), recorded);

  const sim = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'));
  const replayed: (EngineEvent | DeadLetter)[] = [];
  const kernel = tradingKernel(
    config,
    { exchange: warmUpGate(sim, liveFromTs, () => undefined), models: buildModels(config, baseDir) },
    {
      onEvent: (envelope) => {
        if (isGraphOutput(envelope)) replayed.push(envelope.event as EngineEvent | DeadLetter);
      },
    },
  );
  await connectVenue(kernel, market[0]?.openTime ?? liveFromTs);
  await replayMarket(kernel, market, { endOfData: false });

  const after = <T extends { ts: number }>(events: readonly unknown[], kind: string): T[] =>
    (events as { kind: string; ts: number }[]).filter(
      (e) => e.kind === kind && e.ts >= liveFromTs,
    ) as unknown as T[];
  const rows: CompareRow[] = [];
  const signal = compareBy<Signal>(
    'signal',
    after(recorded, 'signal'),
    after(replayed, 'signal'),
    signalKey,
    (s) => s.ts,
    (s) => `${s.action} ${s.confidence}`,
    rows,
  );
  const intent = compareBy<TradeIntent>(
    'intent',
    after(recorded, 'trade-intent'),
    after(replayed, 'trade-intent'),
    (i) => i.id,
    (i) => i.ts,
    intentShape,
    rows,
  );
  const order = compareBy<OrderRequest>(
    'order',
    after(recorded, 'order-request'),
    after(replayed, 'order-request'),
    (o) => o.clientOrderId,
    (o) => o.ts,
    orderShape,
    rows,
  );

  // Fills: the average price per order, live vs backtest.
  const vwap = (
    fills: readonly Fill[],
  ): Map<string, { price: number; qty: number; symbol: string; ts: number }> => {
    const byOrder = new Map<string, { notional: number; qty: number; symbol: string; ts: number }>();
    for (const f of fills) {
      const o = byOrder.get(f.clientOrderId) ?? { notional: 0, qty: 0, symbol: f.symbol, ts: f.ts };
      o.notional += f.price * f.qty;
      o.qty += f.qty;
      byOrder.set(f.clientOrderId, o);
    }
    return new Map(
      [...byOrder].map(([id, o]) => [
        id,
        { price: o.notional / o.qty, qty: o.qty, symbol: o.symbol, ts: o.ts },
      ]),
    );
  };
  const liveFills = vwap(after<Fill>(recorded, 'fill'));
  const backtestFills = vwap(after<Fill>(replayed, 'fill'));
  const slippageBps = config.exchange.slippage.bps;
  const fills: FillComparison[] = [];
  for (const [id, live] of liveFills) {
    const backtest = backtestFills.get(id);
    if (backtest === undefined) {
      rows.push({ kind: 'fill', key: id, ts: live.ts, difference: `only live: ${live.qty} @ ${live.price}` });
      continue;
    }
    const bps = ((live.price - backtest.price) / backtest.price) * 10_000;
    const tick = config.symbols[live.symbol]?.tickSize ?? 0;
    fills.push({
      clientOrderId: id,
      symbol: live.symbol,
      live: live.price,
      backtest: backtest.price,
      bps,
      explained: Math.abs(bps) <= 2 * slippageBps + (tick / backtest.price) * 10_000 + 1e-9,
    });
  }
  for (const [id, backtest] of backtestFills) {
    if (!liveFills.has(id))
      rows.push({
        kind: 'fill',
        key: id,
        ts: backtest.ts,
        difference: `only backtest: ${backtest.qty} @ ${backtest.price}`,
      });
  }

  // Order → fill latency of orders that fill at once (MARKET); resting orders wait for the price.
  const orderTs = new Map(
    after<OrderRequest>(recorded, 'order-request')
      .filter((o) => o.type === 'MARKET')
      .map((o) => [o.clientOrderId, o.ts]),
  );
  const fillLatency = [...liveFills].flatMap(([id, f]) => {
    const sent = orderTs.get(id);
    return sent === undefined ? [] : [f.ts - sent];
  });
  const feedLatency = market
    .filter((k) => k.ts >= liveFromTs && k.tsInit !== undefined)
    .map((k) => (k.tsInit ?? k.ts) - k.ts);
  rows.sort((a, b) => a.ts - b.ts || a.kind.localeCompare(b.kind));
  return {
    counts: {
      signal,
      intent,
      order,
      fill: { live: liveFills.size, backtest: backtestFills.size, matched: fills.length },
    },
    divergences: rows.filter((r) => r.kind !== 'fill'),
    fills,
    latencyMs: {
      feedP50: quantile(feedLatency, 0.5),
      feedP99: quantile(feedLatency, 0.99),
      fillP50: quantile(fillLatency, 0.5),
      fillP99: quantile(fillLatency, 0.99),
    },
    slippageBps,
  };
};

/** The comparison as the table `quantum replay --compare` prints. */
export const formatComparison = (result: CompareResult, limit = 20): string => {
  const lines: string[] = [];
  lines.push('kind     live  backtest  matched  diverged');
  for (const [kind, c] of Object.entries(result.counts)) {
    lines.push(
      `${kind.padEnd(7)} ${String(c.live).padStart(5)} ${String(c.backtest).padStart(9)} ${String(c.matched).padStart(8)} ${String(Math.max(c.live, c.backtest) - c.matched).padStart(9)}`,
    );
  }
  const unexplained = result.fills.filter((f) => !f.explained);
  const meanBps =
    result.fills.length === 0 ? 0 : result.fills.reduce((s, f) => s + f.bps, 0) / result.fills.length;
  lines.push('');
  lines.push(
    `fills: ${result.fills.length} compared, mean live − backtest ${meanBps.toFixed(2)} bps, ${unexplained.length} beyond the modelled slippage (${result.slippageBps} bps)`,
  );
  lines.push(
    `latency: candle close → engine p50 ${result.latencyMs.feedP50} ms, p99 ${result.latencyMs.feedP99} ms; order → fill p50 ${result.latencyMs.fillP50} ms, p99 ${result.latencyMs.fillP99} ms`,
  );
  lines.push(
    result.divergences.length === 0
      ? 'decisions: no divergence'
      : `decisions: ${result.divergences.length} divergences`,
  );
  for (const row of result.divergences.slice(0, limit))
    lines.push(`  ${new Date(row.ts).toISOString()} ${row.kind} ${row.key}: ${row.difference}`);
  for (const fill of unexplained.slice(0, limit)) {
    lines.push(
      `  fill ${fill.clientOrderId} ${fill.symbol}: live ${fill.live} vs backtest ${fill.backtest} (${fill.bps.toFixed(2)} bps)`,
    );
  }
  return lines.join('\n');
};
