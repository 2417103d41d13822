import { createHmac, timingSafeEqual } from 'node:crypto';
import { BinanceApiError, missingParameter } from './binance-errors.js';

/** How an endpoint is secured (Binance's endpoint security types). */
export type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';

export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
}

/** The raw parts of a request the signature covers. */
export interface RawRequest {
  /** Query string without the leading `?` ('' when none). */
  readonly query: string;
  /** Form body ('' when none). */
  readonly body: string;
  readonly apiKeyHeader: string | undefined;
}

const MAX_RECV_WINDOW_MS = 60_000;
const DEFAULT_RECV_WINDOW_MS = 5_000;

const withoutSignature = (raw: string): { readonly rest: string; readonly signature?: string } => {
  if (raw === '') return { rest: '' };
  let signature: string | undefined;
  const kept = raw.split('&').filter((pair) => {
    if (!pair.startsWith('signature=')) return true;
    signature = decodeURIComponent(pair.slice('signature='.length));
    return false;
  });
  return { rest: kept.join('&'), signature };
};

/**
 * Check a request as Binance does and return its parameters (query and body merged):
 * - USER_STREAM and SIGNED need `X-MBX-APIKEY` naming the configured key (`-2015`, HTTP 401);
 * - SIGNED needs `signature` = HMAC-SHA256(secret, totalParams), where totalParams is the query
 *   string followed by the body, without the signature (`-1022` when wrong), and a `timestamp`
 *   with `timestamp < serverTime + 1000` and `serverTime − timestamp ≤ recvWindow` (`-1021`).
 */
export const checkRequest = (
  request: RawRequest,
  security: Security,
  credentials: Credentials,
  serverTime: number,
): URLSearchParams => {
  const query = withoutSignature(request.query);
  const body = withoutSignature(request.body);
  const params = new URLSearchParams(query.rest);
  for (const [key, value] of new URLSearchParams(body.rest)) params.append(key, value);
  if (security === 'NONE') return params;
  if (request.apiKeyHeader !== credentials.apiKey) {
    throw new BinanceApiError(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
  }
  if (security === 'USER_STREAM') return params;
  const signature = query.signature ?? body.signature;
  if (signature === undefined || signature === '') throw missingParameter('signature');
  const expected = createHmac('sha256', credentials.secret)
    .update(query.rest + body.rest)
    .digest('hex');
  const given = Buffer.from(signature.toLowerCase());
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new BinanceApiError(-1022, 'Signature for this request is not valid.', 400);
  }
  const timestamp = Number(params.get('timestamp'));
  if (!Number.isFinite(timestamp) || params.get('timestamp') === null) throw missingParameter('timestamp');
  const recvWindow = params.has('recvWindow') ? Number(params.get('recvWindow')) : DEFAULT_RECV_WINDOW_MS;
  if (!(recvWindow > 0 && recvWindow <= MAX_RECV_WINDOW_MS)) {
    throw new BinanceApiError(-1131, 'recvWindow must be less than 60000', 400);
  }
  if (timestamp >= serverTime + 1000) {
    throw new BinanceApiError(
      -1021,
      "Timestamp for this request was 1000ms ahead of the server's time.",
      400,
    );
  }
  if (serverTime - timestamp > recvWindow) {
    throw new BinanceApiError(-1021, 'Timestamp for this request is outside of the recvWindow.', 400);
  }
  return params;
};
