import { BinanceApiError } from './binance-errors.js';

/**
 * Binance's IP request-weight limit: each request costs its endpoint's weight inside fixed
 * one-minute windows; the running total is reported in `X-MBX-USED-WEIGHT-1M`. Going over answers
 * HTTP 429 with `Retry-After`; a client that keeps sending before that time is banned with HTTP 418
 * (the ban doubles each time, from 2 minutes), as Binance does.
 */
export class WeightBudget {
  private windowStart = 0;
  private used = 0;
  /** Until when a 429 asked the client to wait. */
  private retryAfter = 0;
  /** Until when the client is banned (418). */
  private bannedUntil = 0;
  private banMs = 120_000;
  /** Counts, for tests and the ledger: requests answered 429 and 418. */
  readonly refused = { tooMany: 0, banned: 0 };

  /** @param limit weight allowed per minute; a fault (`weightLimit`) may change it while running. */
  constructor(public limit: number) {}

  /** Charge `weight` at wall time `now`; returns the weight used in this window, or throws 429/418. */
  charge(weight: number, now: number): number {
    if (now < this.bannedUntil) throw this.ban(now, false);
    if (now < this.retryAfter) throw this.ban(now, true);
    const window = Math.floor(now / 60_000) * 60_000;
    if (window !== this.windowStart) {
      this.windowStart = window;
      this.used = 0;
    }
    if (this.used + weight > this.limit) {
      this.retryAfter = window + 60_000;
      this.refused.tooMany++;
      const seconds = Math.ceil((this.retryAfter - now) / 1000);
      throw new BinanceApiError(
        -1003,
        `Too many requests; current limit of IP(127.0.0.1) is ${this.limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`,
        429,
        { 'Retry-After': String(seconds), 'X-MBX-USED-WEIGHT-1M': String(this.used) },
      );
    }
    this.used += weight;
    return this.used;
  }

  private ban(now: number, fresh: boolean): BinanceApiError {
    if (fresh) {
      this.bannedUntil = now + this.banMs;
      this.banMs *= 2;
      this.retryAfter = 0;
    }
    this.refused.banned++;
    return new BinanceApiError(
      -1003,
      `Way too many requests; IP(127.0.0.1) banned until ${this.bannedUntil}. Please use the websocket for live updates to avoid bans.`,
      418,
      { 'Retry-After': String(Math.ceil((this.bannedUntil - now) / 1000)) },
    );
  }
}

/** Weight of `GET /fapi/v1/klines` by `limit`. */
export const klinesWeight = (limit: number): number =>
  limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;

/** Binance USDⓈ-M's order-count limits per account: new orders per 10 seconds and per minute. */
export interface OrderLimits {
  readonly tenSeconds: number;
  readonly minute: number;
}

/**
 * Binance's order-count limit per account: each new order (`POST order`, `algoOrder`, each order of
 * a batch) counts in a fixed 10-second window and a fixed minute; the counts so far are reported in
 * `X-MBX-ORDER-COUNT-10S` and `X-MBX-ORDER-COUNT-1M`. Past a limit Binance answers HTTP 429 with
 * `-1015` and no `Retry-After`; the order is not placed.
 */
export class OrderCounter {
  private window10s = -1;
  private windowMinute = -1;
  private in10s = 0;
  private inMinute = 0;
  /** Orders refused with -1015, for tests and the ledger. */
  refused = 0;

  constructor(public limits: OrderLimits) {}

  /** Count `orders` new orders at wall time `now`; the counts for the headers, or throws -1015. */
  charge(orders: number, now: number): { tenSeconds: number; minute: number } {
    const w10 = Math.floor(now / 10_000);
    const w60 = Math.floor(now / 60_000);
    if (w10 !== this.window10s) {
      this.window10s = w10;
      this.in10s = 0;
    }
    if (w60 !== this.windowMinute) {
      this.windowMinute = w60;
      this.inMinute = 0;
    }
    const over =
      this.in10s + orders > this.limits.tenSeconds
        ? `${this.limits.tenSeconds} orders per 10 SECOND`
        : this.inMinute + orders > this.limits.minute
          ? `${this.limits.minute} orders per 1 MINUTE`
          : undefined;
    if (over !== undefined) {
      this.refused++;
      throw new BinanceApiError(-1015, `Too many new orders; current limit is ${over}.`, 429);
    }
    this.in10s += orders;
    this.inMinute += orders;
    return { tenSeconds: this.in10s, minute: this.inMinute };
  }
}
