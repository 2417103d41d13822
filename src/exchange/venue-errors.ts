import ccxt from 'ccxt';
import {
  AuthenticationFailed,
  ExchangeError,
  InsufficientFunds,
  InvalidOrder,
  NetworkError,
  PositionLimitExceeded,
  RateLimitExceeded,
  ReduceOnlyRejected,
  TimestampOutOfWindow,
} from '../domain/index.js';

/** Binance's error code inside a ccxt error message (`binanceusdm {"code":-2019,"msg":…}`), if any. */
export const binanceCodeOf = (error: unknown): number | undefined => {
  const match = /"code"\s*:\s*"?(-?\d+)/.exec(error instanceof Error ? error.message : String(error));
  return match === null ? undefined : Number(match[1]);
};

/** Binance's `msg` inside a ccxt error message, else the message itself. */
const reasonOf = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  const match = /"msg"\s*:\s*"([^"]*)"/.exec(text);
  return match === null ? text : match[1];
};

/**
 * The domain's error for what ccxt raised on a Binance call: retryable ones (network, 429/418,
 * -1021 timestamp) and refusals (margin -2019, filters, reduce-only -2022, the leverage bracket's
 * position cap -2027, auth -1022/-2015), each
 * with a stable code. The message keeps Binance's code and text, never the request (it is signed).
 */
export const venueErrorOf = (error: unknown, where: string): ExchangeError => {
  if (error instanceof ExchangeError) return error;
  const code = binanceCodeOf(error);
  const reason = `${where}: ${code === undefined ? '' : `Binance ${code} `}${reasonOf(error)}`;
  if (code === -2019 || code === -2018 || error instanceof ccxt.InsufficientFunds)
    return new InsufficientFunds(reason);
  if (code === -2022) return new ReduceOnlyRejected(reason);
  if (code === -2027) return new PositionLimitExceeded(reason);
  if (code === -1021 || error instanceof ccxt.InvalidNonce) return new TimestampOutOfWindow(reason, error);
  if (
    code === -1022 ||
    code === -2014 ||
    code === -2015 ||
    error instanceof ccxt.AuthenticationError ||
    error instanceof ccxt.PermissionDenied
  ) {
    return new AuthenticationFailed(reason);
  }
  // 429 and 418 (ccxt: RateLimitExceeded, DDoSProtection) before NetworkError, their parent.
  if (code === -1003 || error instanceof ccxt.RateLimitExceeded || error instanceof ccxt.DDoSProtection) {
    return new RateLimitExceeded(reason, error);
  }
  if (error instanceof ccxt.NetworkError) return new NetworkError(reason, error);
  if (
    error instanceof ccxt.InvalidOrder ||
    error instanceof ccxt.OrderNotFound ||
    error instanceof ccxt.BadRequest
  ) {
    return new InvalidOrder(reason);
  }
  return new ExchangeError('QT_EXCHANGE_ERROR', reason, { cause: error });
};
