// Alerts: logged at warn level and POSTed to a real local webhook as JSON, at most once per key and
// interval, with a failing webhook logged (never thrown) and its token never in a log line.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAlerter, type WebhookRequest } from '../../src/services/alerts.js';
import { freePort } from '../../src/services/local-redis.js';
import { REDACT_PATHS } from '../../src/sinks/logger.js';
import { assertError } from '../requirements.js';

const TOKEN = 's3cr3t-hook-token';
const MINUTE_MS = 60_000;

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** A pino logger like `createLogger`'s, writing its JSON lines into `lines`. */
const bufferLogger = () => {
  const lines: string[] = [];
  const log = pino(
    { name: 'alerts-test', level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    { write: (line: string) => lines.push(line) },
  );
  const entries = (): Record<string, unknown>[] =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, entries };
};

let server: Server;
let base = '';
const received: Received[] = [];

test.before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({ path, contentType: request.headers['content-type'], body: JSON.parse(body) });
      response.statusCode = path.startsWith('/broken/') ? 500 : 204;
      response.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.before.each(() => {
  received.length = 0;
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

test('the same key twice within the interval is POSTed once, as JSON', async () => {
  const { log, entries } = bufferLogger();
  const alerter = createAlerter({ webhookUrl: `${base}/hooks/${TOKEN}`, log, now: () => 1_000 });
  assert.is(await alerter.alert('stale:sizing', 'sizing is stale', { ageMs: 180_000 }), true);
  assert.is(await alerter.alert('stale:sizing', 'sizing is stale', { ageMs: 190_000 }), false);
  assert.equal(received, [
    {
      path: `/hooks/${TOKEN}`,
      contentType: 'application/json',
      body: { key: 'stale:sizing', message: 'sizing is stale', details: { ageMs: 180_000 }, ts: 1_000 },
    },
  ]);
  assert.equal(
    entries().map((entry) => [entry.level, entry.alert, entry.msg]),
    [[40, 'stale:sizing', 'sizing is stale']],
    'one warn line: the suppressed alert stays silent',
  );
});

test('after the interval the same key is POSTed again', async () => {
  const { log } = bufferLogger();
  let nowMs = 1_000;
  const alerter = createAlerter({
    webhookUrl: `${base}/hooks/${TOKEN}`,
    intervalMs: 5 * MINUTE_MS,
    log,
    now: () => nowMs,
  });
  await alerter.alert('stale:sizing', 'sizing is stale');
  nowMs += 5 * MINUTE_MS - 1;
  assert.is(await alerter.alert('stale:sizing', 'sizing is stale'), false, 'just inside the interval');
  nowMs += 1;
  assert.is(await alerter.alert('stale:sizing', 'sizing is stale'), true, 'the interval has passed');
  assert.equal(
    received.map((post) => (post.body as { ts: number }).ts),
    [1_000, 1_000 + 5 * MINUTE_MS],
  );
});

test('different keys are rate-limited independently', async () => {
  const { log } = bufferLogger();
  const alerter = createAlerter({ webhookUrl: `${base}/hooks/${TOKEN}`, log, now: () => 1_000 });
  await alerter.alert('stale:sizing', 'sizing is stale');
  await alerter.alert('stale:risk', 'risk is stale');
  assert.equal(
    received.map((post) => (post.body as { key: string }).key),
    ['stale:sizing', 'stale:risk'],
  );
});

test('a webhook answering 500 is logged with its origin only, and the alert still resolves', async () => {
  const { log, lines, entries } = bufferLogger();
  const alerter = createAlerter({ webhookUrl: `${base}/broken/${TOKEN}`, log });
  assert.is(await alerter.alert('dlq:growing', 'dead letters are piling up'), true);
  assert.is(received.length, 1);
  const failure = entries().find((entry) => entry.level === 50);
  assert.equal(
    [failure?.alert, failure?.webhook, failure?.status],
    ['dlq:growing', base, 500],
    lines.join(''),
  );
  assert.not.ok(lines.join('').includes(TOKEN), 'the token never reaches the log');
  assert.not.ok(lines.join('').includes('/broken'), 'nor does the path');
});

test('a webhook nothing listens on is logged, and the alert still resolves', async () => {
  const { log, lines, entries } = bufferLogger();
  const port = await freePort();
  const alerter = createAlerter({ webhookUrl: `http://127.0.0.1:${port}/hooks/${TOKEN}`, log });
  assert.is(await alerter.alert('stale:sizing', 'sizing is stale'), true);
  const failure = entries().find((entry) => entry.level === 50);
  assert.is(failure?.msg, 'alert webhook failed', lines.join(''));
  assert.is(failure?.webhook, `http://127.0.0.1:${port}`);
  assert.match(String(failure?.reason), /ECONNREFUSED/);
  assert.not.ok(lines.join('').includes(TOKEN), 'the token never reaches the log');
});

test('without a webhook an alert is only logged at warn level', async () => {
  const { log, entries } = bufferLogger();
  const alerter = createAlerter({ log });
  assert.is(await alerter.alert('stale:sizing', 'sizing is stale', { service: 'sizing' }), true);
  assert.equal(received, []);
  assert.equal(
    entries().map((entry) => [entry.level, entry.alert, entry.details]),
    [[40, 'stale:sizing', { service: 'sizing' }]],
  );
});

test('an injected post receives the JSON body and a 5 s timeout signal', async () => {
  const { log } = bufferLogger();
  const requests: { url: string; request: WebhookRequest }[] = [];
  const alerter = createAlerter({
    webhookUrl: `https://hooks.example.com/${TOKEN}`,
    log,
    now: () => 7,
    post: async (url, request) => {
      requests.push({ url, request });
      return { ok: true, status: 200 };
    },
  });
  await alerter.alert('k', 'm');
  assert.is(requests.length, 1);
  assert.is(requests[0].url, `https://hooks.example.com/${TOKEN}`);
  assert.equal(JSON.parse(requests[0].request.body), { key: 'k', message: 'm', ts: 7 });
  assert.ok(requests[0].request.signal instanceof AbortSignal);
  assert.is(requests[0].request.signal.aborted, false);
});

test('a webhook that is not an http(s) URL is a config error naming QUANTUM_ALERT_WEBHOOK', () => {
  const { log } = bufferLogger();
  const error = assertError(() => createAlerter({ webhookUrl: `ftp://example.com/${TOKEN}`, log }), {
    code: 'QT_CONFIG_INVALID',
  });
  assert.is((error as { where?: string }).where, 'QUANTUM_ALERT_WEBHOOK');
  assert.not.ok(error.message.includes(TOKEN), error.message);
});

test.run();
