// Shared by the fake Binance tests: a small server on real LINKUSDT 1h candles, requests signed
// by hand the way Binance documents it (HMAC-SHA256 of the query string + body), a websocket that
// records what it receives, and a poll-until helper for what arrives over the network.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import type { Kline } from '../../src/domain/index.js';
import {
  type FakeBinance,
  type FakeBinanceOptions,
  startFakeBinance,
} from '../../src/fake-binance/fake-binance-server.js';
import type { FakeSymbol } from '../../src/fake-binance/fake-venue.js';
import { loadMarketData } from '../../src/streams/market-data.js';

export const KEY = 'fake-test-key';
export const SECRET = 'fake-test-secret';
export const LINK = 'LINKUSDT';
export const LINK_SPEC: FakeSymbol = {
  symbol: LINK,
  baseAsset: 'LINK',
  tickSize: 0.001,
  stepSize: 0.01,
  minQty: 0.01,
  maxQty: 1e6,
  minNotional: 5,
};

export const DOT_SPEC: FakeSymbol = {
  symbol: 'DOTUSDT',
  baseAsset: 'DOT',
  tickSize: 0.001,
  stepSize: 0.1,
  minQty: 0.1,
  maxQty: 1e6,
  minNotional: 5,
};

let linkCandles: Kline[] | undefined;
/** Real LINKUSDT 1h candles of February 2026 (672), read once per process. */
export const linkPath = (): Kline[] => {
  linkCandles ??=
    loadMarketData('examples/data/klines/um-2026-02-1h', { symbols: [LINK] }).klinesBySymbol.get(LINK) ?? [];
  return linkCandles;
};

/** A fake server on LINKUSDT with 24 candles revealed; `overrides` change any option. */
export const startLinkFake = (overrides: Partial<FakeBinanceOptions> = {}): Promise<FakeBinance> =>
  startFakeBinance({
    credentials: { apiKey: KEY, secret: SECRET },
    symbols: [LINK_SPEC],
    path: new Map([[LINK, linkPath()]]),
    revealed: 24,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 2,
    defaultLeverage: 20,
    fundingRate: 0.0001,
    ...overrides,
  });

export const AVAX = 'AVAXUSDT';
export const AVAX_SPEC: FakeSymbol = {
  symbol: AVAX,
  baseAsset: 'AVAX',
  tickSize: 0.001,
  stepSize: 1,
  minQty: 1,
  maxQty: 1e6,
  minNotional: 5,
};

/** Real AVAXUSDT 1m candles from 2026-02-01 00:00 up to `toMs` (close time, exclusive). */
export const avaxPath = (toMs: number): Kline[] =>
  loadMarketData('examples/data/klines', { symbols: [AVAX], to: toMs }).klinesBySymbol.get(AVAX) ?? [];

/** A fake server on an AVAXUSDT path (the live feed and session tests); `overrides` change any option. */
export const startAvaxFake = (
  path: readonly Kline[],
  overrides: Partial<FakeBinanceOptions> = {},
): Promise<FakeBinance> =>
  startLinkFake({ symbols: [AVAX_SPEC], path: new Map([[AVAX, path]]), ...overrides });

/** The JSON body and what else a test checks of an answer. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  readonly ms: number;
}

export interface SignOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** ms since epoch; default now. */
  readonly timestamp?: number;
  readonly recvWindow?: number;
  /** Send the parameters as a form body instead of the query string. */
  readonly inBody?: boolean;
  /** Replace the signature with this text. */
  readonly signature?: string;
}

/** Binance's signature: HMAC-SHA256 of the total parameter string, hex. */
export const sign = (totalParams: string, secret = SECRET): string =>
  createHmac('sha256', secret).update(totalParams).digest('hex');

/** Where a server answers: a started `FakeBinance`, or the URL a `quantum fake-binance` process printed. */
export type Server = Pick<FakeBinance, 'restUrl'>;

/** A public (unsigned) request. */
export const get = async (
  fake: Server,
  path: string,
  params: Record<string, string | number> = {},
): Promise<Answer> => {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  const started = performance.now();
  const response = await fetch(`${fake.restUrl}${path}${query ? `?${query}` : ''}`);
  return {
    status: response.status,
    body: await response.json(),
    headers: response.headers,
    ms: performance.now() - started,
  };
};

/** A SIGNED request made by hand, as Binance's docs describe it. */
export const signed = async (
  fake: Server,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  params: Record<string, string | number | boolean> = {},
  options: SignOptions = {},
): Promise<Answer> => {
  const all: [string, string][] = Object.entries(params).map(([k, v]) => [k, String(v)]);
  if (options.recvWindow !== undefined) all.push(['recvWindow', String(options.recvWindow)]);
  all.push(['timestamp', String(options.timestamp ?? Date.now())]);
  const total = new URLSearchParams(all).toString();
  const signature = options.signature ?? sign(total, options.secret ?? SECRET);
  const text = `${total}&signature=${signature}`;
  const started = performance.now();
  const response = await fetch(`${fake.restUrl}${path}${options.inBody ? '' : `?${text}`}`, {
    method,
    headers: {
      'X-MBX-APIKEY': options.apiKey ?? KEY,
      ...(options.inBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: options.inBody ? text : undefined,
  });
  return {
    status: response.status,
    body: await response.json(),
    headers: response.headers,
    ms: performance.now() - started,
  };
};

/** A request with only the API key (USER_STREAM endpoints: listenKey). */
export const withKey = async (
  fake: Server,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  apiKey = KEY,
): Promise<Answer> => {
  const response = await fetch(`${fake.restUrl}${path}`, { method, headers: { 'X-MBX-APIKEY': apiKey } });
  return { status: response.status, body: await response.json(), headers: response.headers, ms: 0 };
};

/** Poll `check` every 10 ms until it holds; fails naming `what` after `timeoutMs`. */
export const until = async (what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A websocket client that keeps every message (parsed) and how it closed. */
export interface Recorder {
  readonly socket: WebSocket;
  readonly messages: Record<string, unknown>[];
  closeCode?: number;
  /** The HTTP status of a refused upgrade. */
  refusedStatus?: number;
  send(message: object): void;
  close(): void;
}

/** Open `url` and record; resolves once open (or refused: `refusedStatus`). */
export const record = (url: string): Promise<Recorder> =>
  new Promise((resolve) => {
    const socket = new WebSocket(url);
    const recorder: Recorder = {
      socket,
      messages: [],
      send: (message) => socket.send(JSON.stringify(message)),
      close: () => socket.terminate(),
    };
    socket.on('message', (data) =>
      recorder.messages.push(JSON.parse(String(data)) as Record<string, unknown>),
    );
    socket.on('close', (code) => {
      recorder.closeCode = code;
    });
    socket.on('open', () => resolve(recorder));
    socket.on('unexpected-response', (_request, response) => {
      recorder.refusedStatus = response.statusCode;
      resolve(recorder);
    });
    socket.on('error', () => resolve(recorder));
  });

/** The `e` of each recorded message (unwrapping combined `{ stream, data }`). */
export const eventTypes = (messages: readonly Record<string, unknown>[]): string[] =>
  messages.map((m) => {
    const event = (m.data ?? m) as Record<string, unknown>;
    return String(event.e ?? (m.result !== undefined ? 'result' : '?'));
  });
