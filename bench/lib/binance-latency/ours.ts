// Ours in bench/binance-latency.ts: the live session as `quantum run --mode testnet` builds it, with
// probes that stamp each candle's REST confirm, its emission, and each order decided and sent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Observable, tap } from 'rxjs';
import type { Kline, OrderRequest } from '../../../src/domain/index.js';
import {
  type BinanceClient,
  closeBinanceClient,
  createBinanceClient,
} from '../../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../../src/exchange/ccxt-exchange.js';
import type { Exchange } from '../../../src/exchange/exchange.js';
import { inProcessRequestBudget } from '../../../src/exchange/request-budget.js';
import { buildModels } from '../../../src/pipeline/build-models.js';
import { parsePipelineConfig } from '../../../src/pipeline/config.js';
import { runLiveSession } from '../../../src/pipeline/live-session.js';
import { liveKlines } from '../../../src/streams/live-klines.js';
import { AVAX, HISTORY, IDLE_MS, KEY, nowUs, SECRET, sleep, until } from './setup.js';
import type { VenueProcess } from './venue.js';

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
export interface CallStamp {
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

export interface OrderStamp {
  readonly order: OrderRequest;
  /** When the graph called createOrder. */
  readonly decidedUs: number;
  /** ccxt's createOrder (after CcxtExchange's queue). */
  call?: CallStamp;
}

/** The live session with its probes: klines emitted, REST confirms, orders decided and sent. */
export const startSession = (urls: { restUrl: string }, path: readonly Kline[]) => {
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
export interface OursSample {
  readonly kind: 'entry' | 'exit' | 'none';
  readonly sentUs: number;
  readonly fetch: CallStamp;
  readonly emitUs: number;
  readonly order?: OrderStamp;
  readonly arriveUs?: number;
}

/** Steps the venue by one candle and stamps it through our session; the sample of that candle. */
export const stepOurs = async (
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
