// What the `downloadBinanceData` tests share: a fake Binance server on 127.0.0.1 moved along the
// real 1h candles of February 2026 (examples/data), a ccxt client pointed at it, and the candles
// as a downloaded folder should read back.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kline } from '../../src/domain/index.js';
import { type BinanceClient, createBinanceClient } from '../../src/exchange/binance-client.js';
import { type FakeBinance, startFakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import {
  type BinanceDownloadOptions,
  type BinanceDownloadReport,
  downloadBinanceData,
} from '../../src/streams/binance-download.js';
import { attachFunding } from '../../src/streams/funding-csv.js';
import { loadMarketData } from '../../src/streams/market-data.js';
import { DOT_SPEC, LINK_SPEC } from '../fake-binance/harness.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HOUR_1_DATA = join(REPO, 'examples', 'data', 'klines', 'um-2026-02-1h');
export const FEB = Date.parse('2026-02-01T00:00:00Z');
export const MAR = Date.parse('2026-03-01T00:00:00Z');
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const CREDENTIALS = { apiKey: 'k', secret: 's' };

/** The real candles, each carrying a funding rate that differs candle to candle (so funding rows are told apart). */
export const source = (): Map<string, Kline[]> => {
  const data = loadMarketData(HOUR_1_DATA, { symbols: ['LINKUSDT', 'DOTUSDT'], policy: 'fail' });
  for (const [symbol, klines] of data.klinesBySymbol) {
    data.klinesBySymbol.set(
      symbol,
      klines.map((k, i) => ({ ...k, fundingRate: ((i % 13) - 6) * 1e-5 })),
    );
  }
  return data.klinesBySymbol;
};

/** The same candles without funding rates (a kline CSV has no funding column). */
const withoutFunding = (klines: readonly Kline[]): Kline[] =>
  klines.map(({ fundingRate: _rate, ...kline }) => kline as Kline);

/**
 * The candles as the downloaded folder reads back: the funding CSV beside the klines puts each
 * rate the venue settled (8 decimals, as Binance sends it) on the candle holding its instant —
 * up to, not including, the end of the download (Binance stamps a settlement a few ms after the
 * hour, in the candle after the last one).
 */
export const asDownloaded = (klines: readonly Kline[], venue: Venue): Kline[] =>
  attachFunding(
    withoutFunding(klines),
    venue.fake.venue.funding
      .filter((f) => f.symbol === klines[0]?.symbol && f.fundingTime < (klines.at(-1)?.ts ?? 0))
      .map((f) => ({ ts: f.fundingTime, rate: Number(f.fundingRate.toFixed(8)) })),
  );

export interface Venue {
  readonly fake: FakeBinance;
  readonly path: Map<string, Kline[]>;
  readonly client: BinanceClient;
  /** Moves the fake server's wall clock (rate-limit windows) as a test's `sleep` waits. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly slept: number[];
  close(): Promise<void>;
}

/** A fake Binance serving `path` (`revealed` candles of it) and a ccxt client pointed at it. */
export const startVenue = async (
  options: { revealed?: number; weightLimit?: number; keys?: boolean; path?: Map<string, Kline[]> } = {},
): Promise<Venue> => {
  const path = options.path ?? source();
  let shiftMs = 0;
  const slept: number[] = [];
  const fake = await startFakeBinance({
    credentials: CREDENTIALS,
    symbols: [LINK_SPEC, DOT_SPEC],
    path,
    revealed: options.revealed ?? 672,
    walletUsdt: 10_000,
    takerFeeRate: 0.0005,
    makerFeeRate: 0.0002,
    slippageBps: 2,
    defaultLeverage: 20,
    fundingRate: 0.0001,
    weightLimit: options.weightLimit,
    wallClock: () => Date.now() + shiftMs,
  });
  const client = createBinanceClient({
    baseUrl: fake.restUrl,
    ...(options.keys === false ? {} : CREDENTIALS),
  });
  return {
    fake,
    path,
    client,
    slept,
    sleep: async (ms) => {
      slept.push(ms);
      shiftMs += ms;
    },
    close: async () => {
      await client.close();
      await fake.close();
    },
  };
};

export const freshDir = (): string => mkdtempSync(join(tmpdir(), 'quantum-download-'));

/** Downloads February's 1h candles of both symbols, 100 per request, unless `overrides` say otherwise. */
export const download = (
  venue: Venue,
  outDir: string,
  overrides: Partial<BinanceDownloadOptions> = {},
): Promise<BinanceDownloadReport> =>
  downloadBinanceData({
    client: venue.client,
    symbols: ['LINKUSDT', 'DOTUSDT'],
    interval: '1h',
    from: FEB,
    to: MAR,
    outDir,
    klinesPageLimit: 100,
    sleep: venue.sleep,
    ...overrides,
  });

export const klineRequests = (venue: Venue): number => venue.fake.requests.get('GET /fapi/v1/klines') ?? 0;
export const filesOf = (dir: string): string[] => readdirSync(dir).sort();
