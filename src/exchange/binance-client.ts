import ccxt from 'ccxt';
import { wallTimer } from '../kernel/clock.js';

/** ccxt.pro's Binance USDⓈ-M client (REST and websockets). */
export type BinanceClient = InstanceType<typeof ccxt.pro.binanceusdm>;

/**
 * One way to make ccxt's Binance USDⓈ-M client (`binanceusdm`, with ccxt.pro websockets) for every
 * part of the engine: the live venue, the live feed and `quantum data download`. `baseUrl` points
 * it at another server — the fake Binance in tests and `quantum fake-binance` — by rewriting the
 * REST roots (`/fapi/v1|v2|v3`, `/futures/data`) and the futures websocket root; everything else is
 * ccxt's own code path.
 */
export interface BinanceClientOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** `https://fapi.binance.com` by default; e.g. `http://127.0.0.1:8089` for the fake server. */
  readonly baseUrl?: string;
  /** Websocket root; defaults to `baseUrl` with `ws(s)://`. */
  readonly wsUrl?: string;
  /** Binance's demo-trading (testnet) endpoints. Ignored when `baseUrl` is set. */
  readonly testnet?: boolean;
  /** ms a signed request stays valid (Binance `recvWindow`, max 60000). */
  readonly recvWindowMs?: number;
  /** REST timeout, ms. */
  readonly timeoutMs?: number;
}

const FAPI_ROOT = 'https://fapi.binance.com';

/** A ccxt.pro `binanceusdm` client; call `prepareBinanceClient` before using its websockets. */
export const createBinanceClient = (options: BinanceClientOptions = {}): BinanceClient => {
  const client = new ccxt.pro.binanceusdm({
    apiKey: options.apiKey,
    secret: options.secret,
    enableRateLimit: true,
    timeout: options.timeoutMs ?? 10_000,
    options: {
      // `fetchCurrencies` calls the spot wallet API (sapi), which a futures-only key may not reach.
      fetchCurrencies: false,
      recvWindow: options.recvWindowMs ?? 5_000,
      // Sync with the server's clock before signing (answers -1021 otherwise).
      adjustForTimeDifference: false,
      defaultType: 'swap',
    },
  });
  // ccxt schedules listenKey keep-alives (every 20 min) with plain timers: unref them, so a closed
  // client never keeps the process alive. The keep-alive still runs while the process does.
  const scheduled = client as unknown as {
    delay: (ms: number, method: unknown, ...args: unknown[]) => void;
    spawn: (method: unknown, ...args: unknown[]) => unknown;
  };
  scheduled.delay = (ms, method, ...args) => {
    wallTimer(() => scheduled.spawn(method, ...args), ms);
  };
  if (options.baseUrl !== undefined) {
    const base = options.baseUrl.replace(/\/+$/, '');
    const api = client.urls.api as Record<string, unknown>;
    for (const [name, url] of Object.entries(api)) {
      if (typeof url === 'string' && url.startsWith(FAPI_ROOT))
        api[name] = base + url.slice(FAPI_ROOT.length);
    }
    const ws = (api.ws ?? {}) as Record<string, unknown>;
    ws.future = `${options.wsUrl ?? base.replace(/^http/, 'ws')}/ws`;
    api.ws = ws;
  } else if (options.testnet === true) {
    client.enableDemoTrading(true);
  }
  return client;
};

/** ccxt refuses plain `ws://` until its HTTP agent is loaded (the fake server speaks plain ws). */
export const prepareBinanceClient = async (client: BinanceClient): Promise<void> => {
  await client.loadHttpProxyAgent();
};

/** ccxt's unified symbol of a Binance USDⓈ-M perpetual id (`BTCUSDT` → `BTC/USDT:USDT`). */
export const unifiedSymbol = (client: BinanceClient, id: string): string => {
  const market = client.markets_by_id?.[id]?.[0];
  if (market !== undefined) return market.symbol;
  if (!id.endsWith('USDT')) throw new Error(`${id}: not a USDT-margined perpetual id`);
  return `${id.slice(0, -4)}/USDT:USDT`;
};

/**
 * Close a client's websockets. ccxt rejects every pending future of every connection with
 * `ExchangeClosedByUser`, including ones nobody awaits (the never-dialed connection it keeps for
 * listenKey requests): they are marked handled first, so closing never raises an unhandled rejection.
 */
export const closeBinanceClient = async (client: BinanceClient): Promise<void> => {
  const ignore = (): void => undefined;
  for (const connection of Object.values(
    (client.clients ?? {}) as Record<
      string,
      { connected?: Promise<unknown>; futures?: Record<string, Promise<unknown>> }
    >,
  )) {
    connection.connected?.catch?.(ignore);
    for (const future of Object.values(connection.futures ?? {})) future.catch?.(ignore);
  }
  await client.close().catch(ignore);
};

/**
 * Forget websocket connections that closed with an error. ccxt keeps such a connection in its
 * table (its close handler skips the clean-up when the close set an error), so the next `watch…`
 * would reuse a dead socket and wait forever; call this before watching again after a failure.
 */
export const forgetClosedConnections = (client: BinanceClient): void => {
  const table = (client.clients ?? {}) as Record<
    string,
    { error?: unknown; connection?: { readyState?: number } }
  >;
  for (const [url, entry] of Object.entries(table)) {
    // A connection that was never dialed (ccxt's listenKey bookkeeping) has no socket: keep it.
    if (entry.connection === undefined) continue;
    const closing = entry.connection.readyState !== undefined && entry.connection.readyState >= 2;
    if (entry.error !== undefined || closing) delete table[url];
  }
};
