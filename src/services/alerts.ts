import type { Logger } from 'pino';
import { ConfigError } from '../domain/errors.js';

/** How long a webhook POST may take before it is abandoned. */
const WEBHOOK_TIMEOUT_MS = 5_000;

/** What an alert POST sends (and what a test's `post` receives). */
export interface WebhookRequest {
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** Sends one webhook request; global `fetch` unless a test injects its own. */
export type WebhookPost = (
  url: string,
  request: WebhookRequest,
) => Promise<{ readonly ok: boolean; readonly status: number }>;

export interface AlerterOptions {
  /** Where alerts are POSTed as JSON (`QUANTUM_ALERT_WEBHOOK`); none: alerts are only logged. */
  readonly webhookUrl?: string;
  /** The same key is sent at most once per this many ms (default 5 minutes). */
  readonly intervalMs?: number;
  readonly log: Logger;
  /** Wall clock (ms since epoch): rate limit and the `ts` of each alert. */
  readonly now?: () => number;
  readonly post?: WebhookPost;
  /** Abandon a webhook POST after this many ms (default 5 s). */
  readonly timeoutMs?: number;
}

/** Raises alerts: see `createAlerter`. */
export interface Alerter {
  /** Logs and sends one alert; false when the same key was sent less than `intervalMs` ago. */
  alert(key: string, message: string, details?: Record<string, unknown>): Promise<boolean>;
}

/** `fetch`, with the response body released so the connection can be reused. */
const fetchPost: WebhookPost = async (url, request) => {
  const response = await fetch(url, request);
  await response.body?.cancel();
  return { ok: response.ok, status: response.status };
};

/** The webhook's origin (scheme, host, port): what logs may show of a URL that carries a token. */
const originOf = (webhookUrl: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(webhookUrl);
  } catch {
    throw new ConfigError(
      'the alert webhook is not a URL: expected https://host/path',
      'QUANTUM_ALERT_WEBHOOK',
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(
      `the alert webhook must be an http(s) URL, got a ${parsed.protocol} one`,
      'QUANTUM_ALERT_WEBHOOK',
    );
  }
  return parsed.origin;
};

/** Why a POST failed, in words that never contain the full webhook URL. */
const failureOf = (error: unknown, webhookUrl: string, origin: string): string => {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return `${message.split(webhookUrl).join(origin)}${code}`;
};

/**
 * An alerter: each `alert(key, message, details)` is logged at warn level and, with a
 * `webhookUrl`, POSTed as JSON `{ key, message, details, ts }` (5 s timeout). The same `key` is
 * sent at most once per `intervalMs` — later calls within the interval resolve false and stay
 * silent — while different keys are independent. A failing or unreachable webhook is logged at
 * error level and never thrown. The URL may carry a token, so logs show only its origin; an
 * invalid URL is a `ConfigError` at creation.
 */
export const createAlerter = (options: AlerterOptions): Alerter => {
  const { webhookUrl, log } = options;
  const intervalMs = options.intervalMs ?? 300_000;
  const now = options.now ?? Date.now;
  const post = options.post ?? fetchPost;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const origin = webhookUrl === undefined ? undefined : originOf(webhookUrl);
  // When each key was last sent: the rate limit's only state, private to this alerter.
  const lastSentMs = new Map<string, number>();

  const send = async (url: string, key: string, body: string): Promise<void> => {
    try {
      const response = await post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) {
        log.error(
          { alert: key, webhook: origin, status: response.status },
          'alert webhook refused the alert',
        );
      }
    } catch (error) {
      log.error(
        { alert: key, webhook: origin, reason: failureOf(error, url, origin ?? '') },
        'alert webhook failed',
      );
    }
  };

  return {
    alert: async (key, message, details) => {
      const ts = now();
      const last = lastSentMs.get(key);
      if (last !== undefined && ts - last < intervalMs) return false;
      // Marked before the POST, so a burst of the same alert while it is in flight sends one.
      lastSentMs.set(key, ts);
      log.warn({ alert: key, details }, message);
      if (webhookUrl !== undefined)
        await send(webhookUrl, key, JSON.stringify({ key, message, details, ts }));
      return true;
    },
  };
};
