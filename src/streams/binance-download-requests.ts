// The REST boundary of `quantum data download` (binance-download.ts): zod schemas of Binance's
// answers, `parseResponse`, and the requester that makes one call at a time, waits out 429s and
// retries network errors.
import ccxt from 'ccxt';
import { z } from 'zod';
import { ExchangeError, NetworkError, RateLimitExceeded } from '../domain/index.js';
import type { BinanceClient } from '../exchange/binance-client.js';

const NETWORK_RETRIES = 3;

// --- boundary schemas ---------------------------------------------------------------------------

const decimal = z.union([z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i), z.number()]);
const integer = z.number().int().nonnegative();
/** `GET /fapi/v1/klines` row: `[openTime, o, h, l, c, v, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]`. */
export const klineRowSchema = z.tuple(
  [
    integer,
    decimal,
    decimal,
    decimal,
    decimal,
    decimal,
    integer,
    decimal,
    integer,
    decimal,
    decimal,
    decimal,
  ],
  z.unknown(),
);
export const fundingRowSchema = z.looseObject({
  symbol: z.string(),
  fundingTime: integer,
  fundingRate: decimal,
});
export const exchangeInfoSchema = z.looseObject({
  symbols: z.array(z.looseObject({ symbol: z.string(), status: z.string().optional() })),
});
export const leverageBracketsSchema = z.array(
  z.looseObject({ symbol: z.string(), brackets: z.array(z.unknown()) }),
);
export const serverTimeSchema = z.looseObject({ serverTime: integer });

/** `body` parsed by `schema`; another shape throws `QT_EXCHANGE_BAD_RESPONSE` naming `what` and where. */
export const parseResponse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ExchangeError(
    'QT_EXCHANGE_BAD_RESPONSE',
    `${what}: unexpected answer at ${issue.path.join('.') || 'the top'} (${issue.message})`,
  );
};

// --- requests: one at a time, 429 waited out ------------------------------------------------------

/**
 * Calls the exchange (paced by the client's budget or ccxt's limiter); waits `Retry-After` on a
 * 429/418 the client gave up on (none without a budget) and retries network errors.
 */
export const createRequester = (
  client: BinanceClient,
  sleep: (ms: number) => Promise<void>,
  maxWaitMs: number,
) => {
  const counts = { requests: 0, rateLimitWaits: 0, rateLimitWaitedMs: 0 };
  const request = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    for (let networkFailures = 0; ; ) {
      counts.requests++;
      try {
        return await call();
      } catch (error) {
        // ccxt answers both 429 and 418 with DDoSProtection (a NetworkError): test it first.
        if (error instanceof ccxt.DDoSProtection || error instanceof ccxt.RateLimitExceeded) {
          const waitMs = retryAfterMs(client);
          if (waitMs > maxWaitMs) {
            throw new RateLimitExceeded(
              `${what}: Binance asks to wait ${Math.ceil(waitMs / 1000)} s (rate limit or ban); rerun later — the download resumes where it stopped`,
              error,
            );
          }
          counts.rateLimitWaits++;
          counts.rateLimitWaitedMs += waitMs;
          await sleep(waitMs);
          continue;
        }
        if (error instanceof ccxt.NetworkError && networkFailures < NETWORK_RETRIES) {
          await sleep(1000 * 2 ** networkFailures++);
          continue;
        }
        if (error instanceof ccxt.NetworkError) {
          throw new NetworkError(
            `${what}: ${(error as Error).message}; rerun the same command to resume`,
            error,
          );
        }
        throw new ExchangeError('QT_EXCHANGE_REFUSED', `${what}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  };
  return { request, counts };
};

/** The last answer's `Retry-After` in ms (Binance sends seconds), a minute when absent. */
const retryAfterMs = (client: BinanceClient): number => {
  const headers = client.last_response_headers ?? {};
  const value = Number(headers['Retry-After'] ?? headers['retry-after']);
  return Number.isFinite(value) && value >= 0 ? value * 1000 : 60_000;
};

/** Makes one request through `createRequester` (429s waited out, network errors retried). */
export type Requester = ReturnType<typeof createRequester>['request'];
