// Question (issue #16): how long from a market event leaving Binance's websocket to our order
// reaching Binance's REST endpoint, against the floor of a bare client doing the least possible?
//
// Both sides run against the fake Binance USDⓈ-M server (`startFakeBinance`) in a child process of
// this bench (the venue is another machine in real life: it must not share our event loop), on the
// same real path (AVAXUSDT 1m candles, examples/data/klines): two venues, one per side, stepped in
// alternating blocks so a change in the host's load hits both sides alike. Per candle the venue
// stamps "sent" as `step(1)` starts revealing the candle (its `avaxusdt@kline_1m` event goes to the
// sockets ~0.1 ms later) and "arrived" in its `onRequest` callback, as `POST /fapi/v1/order`
// reaches the server (before parsing); the order placed must be the side's first since the step.
// The clients' stamps (breakdown) are on the same clock: `process.hrtime` is CLOCK_MONOTONIC,
// shared by every process on the host.
//
// - Ours: `quantum run --mode testnet` as committed — `runLiveSession` (recording on) with
//   `liveKlines` on an unsigned ccxt.pro client as the market source and `CcxtExchange` on a signed
//   one as the venue, through the whole graph (18 features, a rule model, ensemble, strategy,
//   sizing, risk gates, bracket, position monitor). So that every candle can cause an order, the
//   config trades whenever it may: the ema-rsi model with its RSI bands open (it votes BUY or SELL
//   on every candle), no confidence floors, no cooldown, and a time exit after one candle — an
//   entry on one candle, its time exit on the next (stop 5 % and target 10 % away: the bracket
//   rests at the venue and rarely fires). The sample is the candle's first plain order; candles
//   without one are counted and left out. Entries and exits are also reported apart.
// - Floor: a bare `ws` client on `/ws/avaxusdt@kline_1m` that, on each kline message, signs a
//   MARKET order (HMAC-SHA256, node:crypto) and sends it with plain `fetch`.
// Between candles each side waits until it is idle (every command answered, then 10 ms quiet), so
// a sample is one event's latency, never a queue behind the previous candle's cascade.
// Breakdown of ours: ws delivery until liveKlines asks REST for the closed candle; that REST
// confirm (by design: what is emitted is Binance's final candle); emitted → the graph calls
// createOrder (kernel cascade, recording); CcxtExchange's command queue; ccxt's createOrder → the
// venue. ccxt's rate-limit waits inside the two REST calls are shown apart (its `throttle`, timed).
//
// Measured (3 full runs, 2-core host, load ~1, after f6a9293: both clients on one in-process
// request-weight budget, as `quantum run` builds them, in place of ccxt's limiter): floor p50
// 1.49-1.61 ms, p99 4.1-5.9 ms; ours p50 3.30-3.55 ms, p99 7.2-7.6 ms: 2.1-2.4× at p50, 1.2-1.8×
// at p99; entries and time exits alike. Where ours goes (p50): ws delivery to liveKlines 0.75 ms,
// the REST confirm of the candle 1.42 ms (by design), the kernel cascade 0.28 ms, the command queue
// 0.13 ms, ccxt's createOrder to the venue 0.87 ms; rate-limit waits 0. Before the budget (src
// 27fbc9f) ccxt's leaky-bucket limiter waited 50 ms before the REST confirm and 50-200 ms before
// each order (p50 111-148 ms, 58-73× the floor): it refills only while a request waits, so every
// request paid the previous one's cost × 50 ms however long ago it was.
//
// Usage: `node --import tsx bench/binance-latency.ts [--quick]` (200 order-samples per side, about
// 2 minutes; --quick: 50). Prints a JSON line and a table; writes bench/results/binance-latency.json.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Observable, tap } from 'rxjs';
import WebSocket from 'ws';
import type { Kline, OrderRequest } from '../src/domain/index.js';
import {
  type BinanceClient,
  closeBinanceClient,
  createBinanceClient,
} from '../src/exchange/binance-client.js';
import { CcxtExchange } from '../src/exchange/ccxt-exchange.js';
import type { Exchange } from '../src/exchange/exchange.js';
import { inProcessRequestBudget } from '../src/exchange/request-budget.js';
import { type FakeBinance, startFakeBinance } from '../src/fake-binance/fake-binance-server.js';
import { buildModels } from '../src/pipeline/build-models.js';
import { parsePipelineConfig } from '../src/pipeline/config.js';
import { runLiveSession } from '../src/pipeline/live-session.js';
import { liveKlines } from '../src/streams/live-klines.js';
import { loadMarketData } from '../src/streams/market-data.js';

const quick = process.argv.includes('--quick');
/** Order-samples per side. */
const SAMPLES = quick ? 50 : 200;
/** Candles per side before measuring (JIT, connections, the first setLeverage): not in the sample. */
const UNMEASURED = 5;
/** Samples per side per block; blocks alternate between the sides. */
const BLOCK = quick ? 25 : 50;
/** Candles of history the session warms its indicators on (revealed before it starts). */
const HISTORY = 100;
/** Quiet time that ends a candle's cascade. */
const IDLE_MS = 10;
const WAIT_MS = 15_000;
const KEY = 'bench-latency-key';
const SECRET = 'bench-latency-secret';
const AVAX = 'AVAXUSDT';
const STREAM = 'avaxusdt@kline_1m';
const loadAtStart = loadavg()[0];

/** µs on CLOCK_MONOTONIC: comparable between this bench and its venue process. */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const loadPath = (): readonly Kline[] =>
  loadMarketData('examples/data/klines', { symbols: [AVAX], to: Date.UTC(2026, 1, 2) }).klinesBySymbol.get(
    AVAX,
  ) ?? [];

type Side = 'ours' | 'floor';
type VenueMessage =
  | { readonly kind: 'ready'; readonly urls: Record<Side, { restUrl: string; wsUrl: string }> }
  | { readonly kind: 'stepped'; readonly side: Side; readonly sentUs: number }
  | {
      readonly kind: 'order';
      readonly side: Side;
      readonly clientOrderId: string;
      readonly arrivedUs: number;
    };
type VenueCommand = { readonly cmd: 'step'; readonly side: Side } | { readonly cmd: 'close' };

// --- the venue process: two fake servers, one per side -------------------------------------------

const startVenue = (
  path: readonly Kline[],
  onRequest: (method: string, url: string) => void,
): Promise<FakeBinance> =>
  startFakeBinance({
    onRequest,
    credentials: { apiKey: KEY, secret: SECRET },
    symbols: [
      {
        symbol: AVAX,
        baseAsset: 'AVAX',
        tickSize: 0.001,
        stepSize: 1,
        minQty: 1,
        maxQty: 1e6,
        minNotional: 5,
      },
    ],
    path: new Map([[AVAX, path]]),
    revealed: HISTORY,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 2,
    defaultLeverage: 20,
    fundingRate: 0.0001,
  });

const serveVenues = async (): Promise<void> => {
  const send = (message: VenueMessage): void => void process.send?.(message);
  const path = loadPath();
  // Per side, arrivals of POST /fapi/v1/order since the last step, not yet matched to a placed order.
  const arrivals: Record<Side, number[]> = { ours: [], floor: [] };
  const arrivalsOf =
    (side: Side) =>
    (method: string, url: string): void => {
      if (method === 'POST' && url.split('?')[0] === '/fapi/v1/order') arrivals[side].push(nowUs());
    };
  const venues = {
    ours: await startVenue(path, arrivalsOf('ours')),
    floor: await startVenue(path, arrivalsOf('floor')),
  };
  for (const side of ['ours', 'floor'] as const) {
    // An order placed by POST /fapi/v1/order (a triggered stop has its algo type as origType) is the
    // request that arrived first: a side has one such request in flight at a time.
    venues[side].venue.onUpdate((update) => {
      if (update.kind === 'order' && update.execType === 'NEW' && update.order.origType === update.order.type)
        send({
          kind: 'order',
          side,
          clientOrderId: update.order.clientOrderId,
          arrivedUs: arrivals[side].shift() ?? -1,
        });
    });
  }
  // Once, on `close` or when this bench goes away.
  let closing: Promise<unknown> | undefined;
  const closeAll = (): Promise<unknown> => {
    closing ??= Promise.all([venues.ours.close(), venues.floor.close()]);
    return closing;
  };
  process.on('message', (command: VenueCommand) => {
    if (command.cmd === 'step') {
      arrivals[command.side].length = 0;
      // Stamped as the venue starts revealing the candle: its kline event goes to the sockets ~0.1 ms
      // later. (A stamp after the send would be late: the woken client can preempt this process.)
      const sentUs = nowUs();
      if (venues[command.side].step(1) !== 1)
        throw new Error('bench/binance-latency.ts: the venue path ended');
      send({ kind: 'stepped', side: command.side, sentUs });
    } else void closeAll().then(() => process.disconnect?.());
  });
  process.once('disconnect', () => void closeAll());
  const urls = (fake: FakeBinance) => ({ restUrl: fake.restUrl, wsUrl: fake.wsUrl });
  send({ kind: 'ready', urls: { ours: urls(venues.ours), floor: urls(venues.floor) } });
};

/** This bench's handle on the venue process: commands out, stamped messages in. */
class VenueProcess {
  private readonly child: ChildProcess;
  private readonly inbox: VenueMessage[] = [];
  private wake: (() => void) | undefined;

  constructor() {
    this.child = fork(process.argv[1], ['--venue'], { execArgv: process.execArgv, stdio: 'inherit' });
    this.child.on('message', (message: VenueMessage) => {
      this.inbox.push(message);
      this.wake?.();
    });
  }

  /** The first message `match` accepts (removed from the inbox), waiting up to WAIT_MS. */
  async take<T extends VenueMessage>(
    what: string,
    match: (message: VenueMessage) => message is T,
    timeoutMs = WAIT_MS,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex(match);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as T;
      if (Date.now() > deadline) throw new Error(`bench/binance-latency.ts: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  step(side: Side): Promise<Extract<VenueMessage, { kind: 'stepped' }>> {
    this.forget(side);
    this.child.send({ cmd: 'step', side } satisfies VenueCommand);
    return this.take(
      `${side} step`,
      (m): m is Extract<VenueMessage, { kind: 'stepped' }> => m.kind === 'stepped',
    );
  }

  /** When `clientOrderId` reached the venue; it must be the side's first order placed since its step. */
  async arrival(side: Side, clientOrderId: string): Promise<number> {
    const message = await this.take(
      `${side} order ${clientOrderId} at the venue`,
      (m): m is Extract<VenueMessage, { kind: 'order' }> => m.kind === 'order' && m.side === side,
    );
    if (message.clientOrderId !== clientOrderId || message.arrivedUs < 0) {
      throw new Error(
        `bench/binance-latency.ts: expected ${clientOrderId} as the first order placed since the step, got ${message.clientOrderId}`,
      );
    }
    return message.arrivedUs;
  }

  /** Drop orders nobody asked for (the rest of the session's cascade). */
  forget(side: Side): void {
    for (let i = this.inbox.length - 1; i >= 0; i--) {
      const message = this.inbox[i];
      if (message.kind === 'order' && message.side === side) this.inbox.splice(i, 1);
    }
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'close' } satisfies VenueCommand);
    await Promise.race([exited, sleep(5_000)]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

// --- ours: the live session ----------------------------------------------------------------------

/** A config that orders on (nearly) every candle: an entry, its time exit one candle later, again. */
const config = parsePipelineConfig({
  data: { source: 'synthetic', synthetic: { count: 10 } },
  symbols: { [AVAX]: { tickSize: 0.001, stepSize: 1, minQty: 1, maxQty: 1e6, minNotionalUsdt: 5 } },
  models: [{ type: 'ema-rsi', params: { rsiBuyMin: 0, rsiBuyMax: 100, rsiSellMin: 0, rsiSellMax: 100 } }],
  ensemble: { minConfidence: 0 },
  strategy: { minConfidence: 0, allowShort: true },
  sizing: { method: 'fixed-fraction', fraction: 0.05, leverage: 2, stopLossPct: 5, takeProfitPct: 10 },
  risk: { cooldownMs: 0, dailyLossPct: 50, maxDrawdownPct: 50 },
  monitor: { maxHoldMs: 60_000 },
  exchange: { defaultFundingRate: null },
  output: { progress: false },
});

/** Stamps of one ccxt call: when it was made, when it returned, and ccxt's rate-limit wait inside it. */
interface CallStamp {
  readonly startUs: number;
  endUs: number;
  throttleUs: number;
}

/** Wraps a client's rate limiter: each wait is charged to the call in flight (`current`). */
const timeThrottle = (client: BinanceClient, current: () => CallStamp | undefined): void => {
  const limited = client as unknown as { throttle: (cost?: number) => Promise<unknown> };
  const throttle = limited.throttle.bind(client);
  limited.throttle = async (cost?: number) => {
    const call = current();
    const startUs = nowUs();
    const answer = await throttle(cost);
    if (call !== undefined) call.throttleUs += nowUs() - startUs;
    return answer;
  };
};

interface OrderStamp {
  readonly order: OrderRequest;
  /** When the graph called createOrder. */
  readonly decidedUs: number;
  /** ccxt's createOrder (after CcxtExchange's queue). */
  call?: CallStamp;
}

/** The live session with its probes: klines emitted, REST confirms, orders decided and sent. */
const startSession = (urls: { restUrl: string }, path: readonly Kline[]) => {
  let pathNowMs = path[HISTORY - 1].ts;
  let activity = 0;
  /** Per candle open time: when liveKlines emitted it, and the REST confirm it came from. */
  const emitted = new Map<number, { readonly atUs: number; readonly fetch: CallStamp }>();
  const orders: OrderStamp[] = [];
  // As `quantum run` builds them: one request-weight budget shared by both clients, in place of
  // ccxt's own limiter.
  const budget = inProcessRequestBudget();
  const marketClient = createBinanceClient({ baseUrl: urls.restUrl, budget });
  const venueClient = createBinanceClient({ baseUrl: urls.restUrl, apiKey: KEY, secret: SECRET, budget });

  let klineFetch: CallStamp | undefined;
  const fetchOHLCV = marketClient.fetchOHLCV.bind(marketClient);
  marketClient.fetchOHLCV = async (...args: Parameters<typeof fetchOHLCV>) => {
    const call: CallStamp = { startUs: nowUs(), endUs: 0, throttleUs: 0 };
    klineFetch = call;
    try {
      return await fetchOHLCV(...args);
    } finally {
      call.endUs = nowUs();
    }
  };
  timeThrottle(marketClient, () => klineFetch);

  let orderCall: CallStamp | undefined;
  const createOrder = venueClient.createOrder.bind(venueClient);
  venueClient.createOrder = async (...args: Parameters<typeof createOrder>) => {
    const call: CallStamp = { startUs: nowUs(), endUs: 0, throttleUs: 0 };
    const id = (args[5] as { clientOrderId?: string } | undefined)?.clientOrderId;
    const stamp = orders.find((o) => o.order.clientOrderId === id);
    if (stamp !== undefined) stamp.call = call;
    orderCall = call;
    try {
      return await createOrder(...args);
    } finally {
      call.endUs = nowUs();
      orderCall = undefined;
    }
  };
  timeThrottle(venueClient, () => orderCall);

  const ccxtExchange = new CcxtExchange({ client: venueClient, symbols: [AVAX], now: () => pathNowMs });
  const probed: Exchange = {
    name: ccxtExchange.name,
    connect: (ts) => ccxtExchange.connect(ts),
    events$: ccxtExchange.events$.pipe(tap(() => activity++)),
    onMarket: (event) => ccxtExchange.onMarket(event),
    createOrder: (order) => {
      orders.push({ order, decidedUs: nowUs() });
      activity++;
      ccxtExchange.createOrder(order);
    },
    cancelOrder: (command) => {
      activity++;
      ccxtExchange.cancelOrder(command);
    },
    fetchPositions: () => ccxtExchange.fetchPositions(),
    filtersOf: (symbol) => ccxtExchange.filtersOf(symbol),
    close: (ts, symbol) => ccxtExchange.close(ts, symbol),
  };
  const market$: Observable<Kline> = liveKlines({
    client: marketClient,
    symbols: [AVAX],
    interval: '1m',
    now: () => pathNowMs,
    after: new Map([[AVAX, path[0].openTime - 60_000]]),
  }).pipe(
    // catchUp is the only caller of fetchOHLCV, one at a time per symbol: the latest call is this candle's.
    tap((kline) => {
      if (klineFetch !== undefined) emitted.set(kline.openTime, { atUs: nowUs(), fetch: { ...klineFetch } });
    }),
  );
  const recordDir = mkdtempSync(join(tmpdir(), 'quantum-bench-latency-'));
  const stop = new AbortController();
  const running = runLiveSession({
    config,
    exchange: probed,
    market$,
    models: buildModels(config),
    liveFromTs: path[HISTORY - 1].ts + 1,
    signal: stop.signal,
    recordDir,
    onEvent: () => activity++,
  });
  return {
    orders,
    emitted,
    setPathNow: (ts: number) => {
      pathNowMs = ts;
    },
    /** Until the venue has answered every command and nothing moved for IDLE_MS. */
    settle: async (): Promise<void> => {
      for (;;) {
        const before = activity;
        await ccxtExchange.drain();
        await sleep(IDLE_MS);
        if (activity === before) return;
      }
    },
    stop: async (): Promise<void> => {
      stop.abort();
      await running;
      await closeBinanceClient(marketClient);
      rmSync(recordDir, { recursive: true, force: true });
    },
  };
};

/** One candle through our session. `arriveUs` undefined: the candle caused no order. */
interface OursSample {
  readonly kind: 'entry' | 'exit' | 'none';
  readonly sentUs: number;
  readonly fetch: CallStamp;
  readonly emitUs: number;
  readonly order?: OrderStamp;
  readonly arriveUs?: number;
}

const until = async (what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench/binance-latency.ts: timed out waiting for ${what}`);
    await sleep(1);
  }
};

const stepOurs = async (
  venues: VenueProcess,
  session: ReturnType<typeof startSession>,
  candle: Kline,
): Promise<OursSample> => {
  const ordersBefore = session.orders.length;
  session.setPathNow(candle.ts);
  const { sentUs } = await venues.step('ours');
  await until(`candle ${new Date(candle.openTime).toISOString()} from liveKlines`, () =>
    session.emitted.has(candle.openTime),
  );
  const { atUs: emitUs, fetch } = session.emitted.get(candle.openTime) as { atUs: number; fetch: CallStamp };
  await session.settle();
  const order = session.orders
    .slice(ordersBefore)
    .find((stamp) => stamp.order.type === 'MARKET' || stamp.order.type === 'LIMIT');
  if (order === undefined) return { kind: 'none', sentUs, fetch, emitUs };
  const arriveUs = await venues.arrival('ours', order.order.clientOrderId);
  return { kind: order.order.reduceOnly ? 'exit' : 'entry', sentUs, fetch, emitUs, order, arriveUs };
};

// --- the floor: a bare ws client and fetch -------------------------------------------------------

const startFloor = async (urls: { restUrl: string; wsUrl: string }) => {
  const received = new Map<number, number>();
  let pending: Promise<unknown> = Promise.resolve();
  let buy = true;
  const socket = new WebSocket(`${urls.wsUrl}/ws/${STREAM}`);
  socket.on('message', (data) => {
    const atUs = nowUs();
    const event = JSON.parse(String(data)) as { e?: string; k?: { t: number } };
    if (event.e !== 'kline' || event.k === undefined) return;
    received.set(event.k.t, atUs);
    const query =
      `symbol=${AVAX}&side=${buy ? 'BUY' : 'SELL'}&type=MARKET&quantity=1` +
      `&newClientOrderId=floor-${event.k.t}&timestamp=${Date.now()}`;
    buy = !buy;
    const signature = createHmac('sha256', SECRET).update(query).digest('hex');
    pending = fetch(`${urls.restUrl}/fapi/v1/order`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${query}&signature=${signature}`,
    }).then(async (response) => {
      if (!response.ok)
        throw new Error(`bench/binance-latency.ts: floor order refused: ${await response.text()}`);
    });
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return {
    received,
    /** The last order answered, then IDLE_MS (the same quiet time as ours). */
    settle: async (): Promise<void> => {
      await pending;
      await sleep(IDLE_MS);
    },
    close: () => socket.close(),
  };
};

interface FloorSample {
  readonly sentUs: number;
  readonly receivedUs: number;
  readonly arriveUs: number;
}

const stepFloor = async (
  venues: VenueProcess,
  floor: Awaited<ReturnType<typeof startFloor>>,
  candle: Kline,
): Promise<FloorSample> => {
  const { sentUs } = await venues.step('floor');
  const arriveUs = await venues.arrival('floor', `floor-${candle.openTime}`);
  await floor.settle();
  return { sentUs, receivedUs: floor.received.get(candle.openTime) ?? Number.NaN, arriveUs };
};

// --- statistics and report -----------------------------------------------------------------------

interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

/** ms from µs differences; nearest-rank percentiles. */
const spreadOf = (valuesUs: readonly number[]): Spread => {
  const sorted = [...valuesUs].sort((a, b) => a - b).map((us) => us / 1000);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    p50: rank(0.5),
    p99: rank(0.99),
    mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
    max: sorted[sorted.length - 1],
  };
};

/** A candle of ours that caused an order, with every stamp present. */
type OursOrderSample = OursSample & {
  readonly order: OrderStamp & { readonly call: CallStamp };
  readonly arriveUs: number;
};
const causedOrder = (sample: OursSample): sample is OursOrderSample =>
  sample.arriveUs !== undefined && sample.order?.call !== undefined;
const totalUs = (s: OursOrderSample): number => s.arriveUs - s.sentUs;
/** ccxt's rate-limit waits on the path: the candle's REST confirm and the order. */
const rateLimitUs = (s: OursOrderSample): number => s.fetch.throttleUs + s.order.call.throttleUs;

const oursBreakdown = (samples: readonly OursOrderSample[]) => {
  const of = (part: (s: OursOrderSample) => number): Spread => spreadOf(samples.map(part));
  return {
    wsToKlineRestAsked: of((s) => s.fetch.startUs - s.sentUs),
    klineRestConfirm: of((s) => s.fetch.endUs - s.fetch.startUs),
    klineRestRateLimitWait: of((s) => s.fetch.throttleUs),
    restAnswerToEmitted: of((s) => s.emitUs - s.fetch.endUs),
    emittedToCreateOrder: of((s) => s.order.decidedUs - s.emitUs),
    exchangeQueue: of((s) => s.order.call.startUs - s.order.decidedUs),
    ccxtCreateOrderToVenue: of((s) => s.arriveUs - s.order.call.startUs),
    orderRateLimitWait: of((s) => s.order.call.throttleUs),
  };
};

/** Which src was measured: the commit, and how many src files differed from it (others edit concurrently). */
const srcState = (): { commit: string; uncommittedSrcFiles: number } => {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', 'src');
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      uncommittedSrcFiles: changed === '' ? 0 : changed.split('\n').length,
    };
  } catch {
    return { commit: 'unknown', uncommittedSrcFiles: -1 };
  }
};

/** The JSON result: totals, ratios and breakdowns of both sides. */
const summarize = (oursAll: readonly OursSample[], floor: readonly FloorSample[], seconds: number) => {
  const ours = oursAll.filter(causedOrder);
  const oursTotal = spreadOf(ours.map(totalUs));
  const floorTotal = spreadOf(floor.map((s) => s.arriveUs - s.sentUs));
  const withoutRateLimit = spreadOf(ours.map((s) => totalUs(s) - rateLimitUs(s)));
  // Entries and exits wait differently on ccxt's limiter (see the header): two modes, reported apart.
  const entry = spreadOf(ours.filter((s) => s.kind === 'entry').map(totalUs));
  const exit = spreadOf(ours.filter((s) => s.kind === 'exit').map(totalUs));
  const count = (kind: OursSample['kind']): number => oursAll.filter((s) => s.kind === kind).length;
  return {
    bench: 'binance-latency',
    quick,
    method:
      'fake Binance in a child process, AVAXUSDT 1m path; per candle: the venue reveals it (kline event) → ' +
      'the first POST /fapi/v1/order arrives; sides stepped in alternating blocks, each idle between candles',
    host: { cpus: availableParallelism(), loadAvg1mStart: loadAtStart, loadAvg1mEnd: loadavg()[0] },
    src: srcState(),
    seconds,
    floor: {
      candles: floor.length,
      ...floorTotal,
      breakdown: {
        wsToReceived: spreadOf(floor.map((s) => s.receivedUs - s.sentUs)),
        receivedToVenue: spreadOf(floor.map((s) => s.arriveUs - s.receivedUs)),
      },
    },
    ours: {
      candles: oursAll.length,
      withOrder: ours.length,
      entries: count('entry'),
      exits: count('exit'),
      withoutOrder: count('none'),
      ...oursTotal,
      entry,
      exit,
      breakdown: oursBreakdown(ours),
      /** Venue → emitted over every candle, orders or not. */
      wsToEmittedAllCandles: spreadOf(oursAll.map((s) => s.emitUs - s.sentUs)),
      /** Each sample minus its two ccxt rate-limit waits (pure sleeps): ours once the limiter stops waiting. */
      withoutRateLimitWaits: withoutRateLimit,
    },
    ratioP50: oursTotal.p50 / floorTotal.p50,
    ratioP99: oursTotal.p99 / floorTotal.p99,
    ratioEntryP50: entry.p50 / floorTotal.p50,
    ratioExitP50: exit.p50 / floorTotal.p50,
    ratioWithoutRateLimitP50: withoutRateLimit.p50 / floorTotal.p50,
    ratioWithoutRateLimitP99: withoutRateLimit.p99 / floorTotal.p99,
  };
};

const printTable = (result: ReturnType<typeof summarize>): void => {
  const ms = (value: number): string => `${value.toFixed(2)} ms`.padStart(10);
  const row = (label: string, spread: Spread): void =>
    console.log(`${label.padEnd(60)} ${ms(spread.p50)} ${ms(spread.p99)} ${ms(spread.max)}`);
  const { ours, floor } = result;
  const b = ours.breakdown;
  console.log(
    `\nmarket event at the venue's websocket → order at its REST endpoint (fake Binance in a child process); ` +
      `${result.host.cpus} CPUs, load ${loadAtStart.toFixed(1)} → ${result.host.loadAvg1mEnd.toFixed(1)}; ` +
      `src ${result.src.commit} + ${result.src.uncommittedSrcFiles} uncommitted files; ${result.seconds.toFixed(0)} s`,
  );
  console.log(
    `ours: ${ours.candles} candles, ${ours.withOrder} with an order (${ours.entries} entries, ` +
      `${ours.exits} time exits), ${ours.withoutOrder} without; floor: ${floor.candles} candles, one order each`,
  );
  console.log(`${''.padEnd(60)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}`);
  row('floor: bare ws client + signed fetch (baseline)', floor);
  row('  venue reveals the candle → ws message received', floor.breakdown.wsToReceived);
  row('  received → order arrives at the venue (sign, fetch)', floor.breakdown.receivedToVenue);
  row('ours: liveKlines → live session graph → CcxtExchange', ours);
  row('  venue reveals the candle → liveKlines asks REST for it', b.wsToKlineRestAsked);
  row('  REST confirm of the candle (fetchOHLCV)', b.klineRestConfirm);
  row("    of which ccxt's rate-limit wait", b.klineRestRateLimitWait);
  row('  REST answer → candle emitted', b.restAnswerToEmitted);
  row('  emitted → graph calls createOrder (kernel cascade)', b.emittedToCreateOrder);
  row("  CcxtExchange's command queue", b.exchangeQueue);
  row('  ccxt createOrder → order arrives at the venue', b.ccxtCreateOrderToVenue);
  row("    of which ccxt's rate-limit wait", b.orderRateLimitWait);
  row('ours, entries only', ours.entry);
  row('ours, time exits only', ours.exit);
  row('ours, every candle: venue reveals it → candle emitted', ours.wsToEmittedAllCandles);
  row("ours minus ccxt's rate-limit waits (per sample)", ours.withoutRateLimitWaits);
  console.log(
    `ratio ours / floor: p50 ${result.ratioP50.toFixed(1)}×, p99 ${result.ratioP99.toFixed(1)}× ` +
      `(entries ${result.ratioEntryP50.toFixed(1)}×, exits ${result.ratioExitP50.toFixed(1)}× at p50); ` +
      `without ccxt's rate-limit waits: p50 ${result.ratioWithoutRateLimitP50.toFixed(1)}×, ` +
      `p99 ${result.ratioWithoutRateLimitP99.toFixed(1)}×`,
  );
};

// --- the run -------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const started = performance.now();
  const path = loadPath();
  const venues = new VenueProcess();
  try {
    const { urls } = await venues.take(
      'the venue process',
      (m): m is Extract<VenueMessage, { kind: 'ready' }> => m.kind === 'ready',
      60_000,
    );
    const floor = await startFloor(urls.floor);
    const session = startSession(urls.ours, path);
    await until('the warm-up candles', () => session.emitted.size === HISTORY, 60_000);
    // Market stream, user-data stream (ours) and the floor's socket open before the path moves.
    await sleep(500);
    let oursNext = HISTORY;
    let floorNext = HISTORY;
    const candleAt = (index: number): Kline => {
      if (index >= path.length)
        throw new Error('bench/binance-latency.ts: the path is too short for the samples');
      return path[index];
    };
    for (let i = 0; i < UNMEASURED; i++) {
      await stepOurs(venues, session, candleAt(oursNext++));
      await stepFloor(venues, floor, candleAt(floorNext++));
    }
    const ours: OursSample[] = [];
    const floorSamples: FloorSample[] = [];
    const oursWithOrder = (): number => ours.filter(causedOrder).length;
    while (oursWithOrder() < SAMPLES || floorSamples.length < SAMPLES) {
      const target = Math.min(SAMPLES, oursWithOrder() + BLOCK);
      while (oursWithOrder() < target) ours.push(await stepOurs(venues, session, candleAt(oursNext++)));
      const floorTarget = Math.min(SAMPLES, floorSamples.length + BLOCK);
      while (floorSamples.length < floorTarget)
        floorSamples.push(await stepFloor(venues, floor, candleAt(floorNext++)));
    }
    await session.stop();
    floor.close();
    const result = summarize(ours, floorSamples, (performance.now() - started) / 1000);
    console.log(JSON.stringify(result));
    printTable(result);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/binance-latency.json', `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await venues.close();
  }
};

if (process.argv[2] === '--venue') await serveVenues();
else await main();
