/**
 * The error catalog (ccxt-style): a stable `code` per error and a `retryable` flag the retry
 * policy reads. Callers branch on the class or code, never on message text.
 */
export class QuantumError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** Where it happened: a config path, `file:line`, a stream id. */
  readonly where?: string;
  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; where?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.where = options.where;
  }
}

/** The pipeline config is invalid; the message lists each bad path and the expected value. Exit 2. */
export class ConfigError extends QuantumError {
  constructor(message: string, where?: string) {
    super('QT_CONFIG_INVALID', message, { where });
  }
}

/** Input data is malformed (CSV row, JSON candle, Redis message). `where` is `file:line` or the stream id. */
export class DataError extends QuantumError {
  constructor(message: string, where?: string) {
    super('QT_DATA_INVALID', message, { where });
  }
}

/** A model file is corrupt or does not match the pipeline. */
export class ModelError extends QuantumError {
  constructor(message: string, where?: string) {
    super('QT_MODEL_INVALID', message, { where });
  }
}

/** Bad command-line usage. Exit 2. */
export class UsageError extends QuantumError {
  constructor(message: string) {
    super('QT_USAGE', message);
  }
}

/** Exchange errors: network problems are retryable, exchange refusals are not. */
export class ExchangeError extends QuantumError {}
export class NetworkError extends ExchangeError {
  constructor(message: string, cause?: unknown) {
    super('QT_EXCHANGE_NETWORK', message, { retryable: true, cause });
  }
}
export class RateLimitExceeded extends ExchangeError {
  constructor(message: string, cause?: unknown) {
    super('QT_EXCHANGE_RATE_LIMIT', message, { retryable: true, cause });
  }
}
export class InsufficientFunds extends ExchangeError {
  constructor(message: string) {
    super('QT_EXCHANGE_INSUFFICIENT_MARGIN', message);
  }
}
export class InvalidOrder extends ExchangeError {
  constructor(message: string) {
    super('QT_EXCHANGE_INVALID_ORDER', message);
  }
}
/**
 * The position the order would leave exceeds what the symbol's leverage bracket allows at its
 * leverage (Binance `-2027`): lower the leverage or the size.
 */
export class PositionLimitExceeded extends ExchangeError {
  constructor(message: string) {
    super('QT_EXCHANGE_POSITION_LIMIT', message);
  }
}
/** A reduce-only order would not reduce the position (Binance `-2022`). */
export class ReduceOnlyRejected extends ExchangeError {
  constructor(message: string) {
    super('QT_EXCHANGE_REDUCE_ONLY_REJECTED', message);
  }
}
/** The request's timestamp is outside the venue's `recvWindow` (Binance `-1021`): retry after syncing the clock. */
export class TimestampOutOfWindow extends ExchangeError {
  constructor(message: string, cause?: unknown) {
    super('QT_EXCHANGE_TIMESTAMP', message, { retryable: true, cause });
  }
}
/** The venue refused the API key or the signature (Binance `-2015`, `-1022`). Never retried. */
export class AuthenticationFailed extends ExchangeError {
  constructor(message: string) {
    super('QT_EXCHANGE_AUTH', message);
  }
}

/** Codes of the catalog's retryable exchange errors (their `retryable` flag): what a retry policy may send again. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(
  [new NetworkError(''), new RateLimitExceeded(''), new TimestampOutOfWindow('')]
    .filter((error) => error.retryable)
    .map((error) => error.code),
);

/** Whether a venue's refusal with this error code (`ExecutionResult.errorCode`) is worth sending again. */
export const isRetryableErrorCode = (code: string | undefined): boolean =>
  code !== undefined && RETRYABLE_CODES.has(code);
