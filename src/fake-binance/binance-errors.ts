/**
 * An error as Binance answers it: HTTP status plus `{ code, msg }` body (negative codes from the
 * USDⓈ-M error-code list). The fake venue throws them; the server turns them into responses.
 */
export class BinanceApiError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly httpStatus: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code} ${msg}`);
    this.name = 'BinanceApiError';
  }

  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

/** A mandatory parameter is missing or malformed (`-1102`). */
export const missingParameter = (name: string): BinanceApiError =>
  new BinanceApiError(
    -1102,
    `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
    400,
  );

/** A parameter has a value Binance does not accept (`-1116`/`-1100`-style). */
export const invalidParameter = (name: string, value: string): BinanceApiError =>
  new BinanceApiError(
    -1100,
    `Illegal characters found in parameter '${name}'; legal range is its documented values (got '${value}').`,
    400,
  );
