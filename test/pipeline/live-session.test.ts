import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tap } from 'rxjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createPrng,
  type DeadLetter,
  type EngineEvent,
  type Fill,
  type FundingPaid,
  type Kline,
  type PortfolioSnapshot,
} from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import { SimExchange } from '../../src/exchange/sim-exchange.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { replayMarket } from '../../src/kernel/replay.js';
import { buildModels } from '../../src/pipeline/build-models.js';
import { parsePipelineConfig, simExchangeParamsOf } from '../../src/pipeline/config.js';
import { connectVenue, isGraphOutput, tradingKernel } from '../../src/pipeline/graph.js';
import { runLiveSession } from '../../src/pipeline/live-session.js';
import { compareSession, formatComparison } from '../../src/pipeline/replay-compare.js';
import { liveKlines } from '../../src/streams/live-klines.js';
import { AVAX, avaxPath, KEY, SECRET, startAvaxFake, until } from '../fake-binance/harness.js';
import { answered } from './lifecycle-checks.js';

// Paper and testnet sessions end to end against the fake Binance server (127.0.0.1) replaying real
// AVAXUSDT 1m candles: the live graph on the wall clock, fed by the live kline feed. A paper session
// makes exactly the fills a backtest of its own recording makes; a testnet session's fills and fees
// match the fake venue's ledger to the cent.

const WARM_UP = 60;
const LIVE = 300;
// From 04:00: the live part (05:00–10:00) crosses the 08:00 funding settlement.
const path = avaxPath(Date.UTC(2026, 1, 1, 12)).slice(240);
const FILTERS = { tickSize: 0.001, stepSize: 1, minQty: 1, maxQty: 1e6, minNotionalUsdt: 5 };

const config = parsePipelineConfig({
  data: { source: 'synthetic', synthetic: { count: 10 } },
  symbols: { [AVAX]: FILTERS },
  // Trade often on a few hundred candles: short cooldown, quick exits.
  risk: { cooldownMs: 60_000 },
  sizing: { method: 'fixed-fraction', fraction: 0.05, leverage: 2, stopLossPct: 0.5, takeProfitPct: 0.8 },
  exchange: { defaultFundingRate: null },
  output: { progress: false },
});

// MARKET orders fill at the next open, as the simulator fills them.
const startVenue = (): Promise<FakeBinance> =>
  startAvaxFake(path, { revealed: WARM_UP, marketFill: 'next-open' });

/** Run a session over the fake venue's path: warm-up candles first, then `LIVE` steps. */
const session = async (
  fake: FakeBinance,
  exchangeOf: () => SimExchange | CcxtExchange,
  recordDir: string,
  connections: number,
): Promise<{ events: (EngineEvent | DeadLetter)[]; market: Kline[]; refusedStale: number }> => {
  const client = createBinanceClient({ baseUrl: fake.restUrl });
  const events: (EngineEvent | DeadLetter)[] = [];
  const market: Kline[] = [];
  const stop = new AbortController();
  const feed = liveKlines({
    client,
    symbols: [AVAX],
    interval: '1m',
    now: () => fake.venue.time(),
    after: new Map([[AVAX, path[0].openTime - 60_000]]),
    reconnectDelayMs: 50,
  });
  let processedKlines = 0;
  const running = runLiveSession({
    config,
    exchange: exchangeOf(),
    market$: feed.pipe(tap((k) => market.push(k))),
    models: buildModels(config),
    liveFromTs: path[WARM_UP - 1].ts + 1,
    signal: stop.signal,
    recordDir,
    onEvent: (event) => events.push(event),
    onProcessed: (event) => {
      if (event.kind === 'kline') processedKlines++;
    },
  });
  await until('warm-up candles', () => market.length === WARM_UP);
  // The kline stream (and a testnet venue's user stream) connected and subscribed before the path moves.
  await until('streams connected', () => fake.connectionCount() >= connections);
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (let i = 0; i < LIVE; i++) {
    fake.step(1);
    await until(`candle ${WARM_UP + i + 1}`, () => processedKlines === WARM_UP + i + 1);
    // A minute passes between candles: the engine's orders and cancels reach the venue first.
    await until(`orders answered after candle ${WARM_UP + i + 1}`, () => answered(events));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  stop.abort();
  const summary = await running;
  await client.close().catch(() => undefined);
  return { events, market, refusedStale: summary.refusedStale };
};

const fillsOf = (events: readonly { kind: string }[]): Fill[] =>
  events.filter((e): e is Fill => e.kind === 'fill');

test('a paper session makes exactly the fills a backtest of its own recording makes; warm-up candles send no order', async () => {
  const fake = await startVenue();
  const dir = mkdtempSync(join(tmpdir(), 'quantum-paper-'));
  try {
    const paper = await session(
      fake,
      () => new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange')),
      dir,
      1,
    );
    assert.equal(
      paper.market.map((k) => k.openTime),
      path.slice(0, WARM_UP + LIVE).map((k) => k.openTime),
    );
    const liveFills = fillsOf(paper.events);
    assert.ok(liveFills.length >= 4, `the session trades (${liveFills.length} fills)`);
    assert.ok(
      liveFills.every((f) => f.ts >= path[WARM_UP - 1].ts),
      'no fill from a warm-up decision',
    );
    // The recording replayed as a backtest: same kernel, event clock, same venue, same gate.
    const recorded = readFileSync(join(dir, 'market.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Kline);
    assert.is(recorded.length, WARM_UP + LIVE);
    // The candle that closed at 08:00 carries the rate the venue settled; the simulator charged it.
    assert.equal(
      recorded
        .filter((k) => k.fundingRate !== undefined)
        .map((k) => [new Date(k.ts).toISOString(), k.fundingRate]),
      [['2026-02-01T08:00:00.000Z', 0.0001]],
    );
    const paid = paper.events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
    assert.ok(paid.length >= 1 && paid.every((f) => f.rate === 0.0001), JSON.stringify(paid));
    const sim = new SimExchange(simExchangeParamsOf(config), createPrng(config.seed).fork('exchange'));
    const { warmUpGate } = await import('../../src/pipeline/live-session.js');
    const replayed: (EngineEvent | DeadLetter)[] = [];
    const kernel = tradingKernel(
      config,
      { exchange: warmUpGate(sim, path[WARM_UP - 1].ts + 1, () => undefined), models: buildModels(config) },
      {
        onEvent: (envelope) =>
          isGraphOutput(envelope) ? replayed.push(envelope.event as EngineEvent) : undefined,
      },
    );
    await connectVenue(kernel, recorded[0].openTime);
    await replayMarket(kernel, recorded, { endOfData: false });
    const strip = (f: Fill) => ({ ...f, ts: f.ts });
    assert.equal(liveFills.map(strip), fillsOf(replayed).map(strip));
    assert.ok(paper.refusedStale >= 0);
    // quantum replay --compare: the recording replayed shows no divergence and no fill difference.
    const comparison = await compareSession(dir);
    assert.equal(comparison.divergences, []);
    assert.ok(comparison.fills.length > 0 && comparison.fills.every((f) => f.bps === 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await fake.close();
  }
});

test('a testnet session trades the path end to end; fills, fees and the wallet match the fake venue’s ledger to the cent', async () => {
  const fake = await startVenue();
  const dir = mkdtempSync(join(tmpdir(), 'quantum-testnet-'));
  let exchange: CcxtExchange | undefined;
  try {
    const client = createBinanceClient({ baseUrl: fake.restUrl, apiKey: KEY, secret: SECRET });
    const result = await session(
      fake,
      () => {
        exchange = new CcxtExchange({
          client,
          symbols: [AVAX],
          reconnectDelayMs: 50,
          now: () => fake.venue.time(),
        });
        return exchange;
      },
      dir,
      2,
    );
    const fills = fillsOf(result.events);
    assert.ok(fills.length >= 4, `the session trades (${fills.length} fills)`);
    assert.is(fills.length, fake.venue.trades.length);
    assert.equal(fills.map((f) => f.venueTradeId).sort(), fake.venue.trades.map((t) => String(t.id)).sort());
    // Funding: what the engine booked is what the venue booked, to the cent.
    const funding = result.events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
    const ledgerFunding = -fake.venue.income
      .filter((r) => r.incomeType === 'FUNDING_FEE')
      .reduce((sum, r) => sum + r.income, 0);
    assert.is(funding.reduce((sum, f) => sum + f.amountUsdt, 0).toFixed(2), ledgerFunding.toFixed(2));
    assert.ok(funding.length >= 1, 'a position was held through the 08:00 settlement');
    const fees = fills.reduce((sum, f) => sum + f.feeUsdt, 0);
    const ledgerFees = -fake.venue.income
      .filter((r) => r.incomeType === 'COMMISSION')
      .reduce((sum, r) => sum + r.income, 0);
    assert.is(fees.toFixed(2), ledgerFees.toFixed(2));
    // Every fill price is inside its candle ± the venue's slippage (2 bps) and on the tick.
    for (const fill of fills) {
      // Whatever fills inside a candle is stamped with its close (a market order: at its open).
      const candles = path.filter((k) => k.ts === fill.ts);
      assert.is(candles.length, 1);
      const low = Math.min(...candles.map((k) => k.low));
      const high = Math.max(...candles.map((k) => k.high));
      assert.ok(
        fill.price >= low * 0.9998 - 0.001 && fill.price <= high * 1.0002 + 0.001,
        `fill ${fill.price} in ${low}–${high}`,
      );
      assert.is(Math.round(fill.price * 1000), fill.price * 1000);
    }
    // The engine's wallet (initial + realized − fees − funding) and positions are the venue's.
    const snapshots = result.events.filter((e): e is PortfolioSnapshot => e.kind === 'portfolio-snapshot');
    const last = snapshots.at(-1);
    assert.ok(last !== undefined);
    assert.is(last.walletUsdt.toFixed(2), fake.venue.wallet.toFixed(2));
    assert.equal(
      last.positions.map((p) => [p.symbol, p.side, p.qty]),
      [...fake.venue.positions.values()].map((p) => [
        p.symbol,
        p.amt > 0 ? 'LONG' : 'SHORT',
        Math.abs(p.amt),
      ]),
    );
    // quantum replay --compare: the backtest of the recording makes the same decisions (signals,
    // intents, orders with their prices), and the venue's slippage explains every fill difference.
    const comparison = await compareSession(dir);
    assert.equal(comparison.divergences, [], formatComparison(comparison));
    assert.is(comparison.counts.signal.matched, comparison.counts.signal.live);
    assert.is(comparison.counts.order.matched, comparison.counts.order.live);
    assert.ok(comparison.counts.order.matched >= 6);
    assert.is(comparison.fills.length, fills.length > 0 ? comparison.counts.fill.live : 0);
    assert.ok(
      comparison.fills.every((f) => f.explained),
      formatComparison(comparison),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await fake.close();
  }
});

test.run();
