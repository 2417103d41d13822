import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codeOf, withFake } from './fake-binance-rest-helpers.js';
import { get, KEY, LINK, linkPath, signed, startLinkFake } from './harness.js';

// The fake Binance's REST side through raw `fetch` requests signed by hand, as Binance's docs
// describe: market data, authentication and its error codes, timestamps and clock skew, and request
// weights. Orders, the Algo Order API, delayed acks, the control API, the fault schedule and the
// payloads' shapes against real Binance bodies are in `fake-binance-rest-orders.test.ts`.

/** A wall clock the test moves by hand. */
const manualClock = (start = Date.UTC(2026, 5, 1, 12, 0, 30)) => {
  const clock = { now: start, read: () => clock.now };
  return clock;
};

test('market data needs no key: time, exchangeInfo with the filters, klines of the revealed candles, premium index', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    assert.equal((await get(fake, '/fapi/v1/ping')).body, {});
    const time = (await get(fake, '/fapi/v1/time')).body as { serverTime: number };
    assert.ok(Math.abs(time.serverTime - Date.now()) < 5_000);
    const info = (await get(fake, '/fapi/v1/exchangeInfo')).body as {
      symbols: { symbol: string; filters: { filterType: string; tickSize?: string; notional?: string }[] }[];
    };
    assert.equal(
      info.symbols.map((s) => s.symbol),
      [LINK],
    );
    const filters = info.symbols[0].filters;
    assert.is(filters.find((f) => f.filterType === 'PRICE_FILTER')?.tickSize, '0.001');
    assert.is(filters.find((f) => f.filterType === 'MIN_NOTIONAL')?.notional, '5');
    const klines = await get(fake, '/fapi/v1/klines', { symbol: LINK, interval: '1h', limit: 3 });
    const rows = klines.body as unknown[][];
    const last = linkPath()[23];
    assert.is(rows.length, 3);
    assert.equal(rows[2].slice(0, 7), [
      last.openTime,
      last.open.toFixed(3),
      last.high.toFixed(3),
      last.low.toFixed(3),
      last.close.toFixed(3),
      last.volume.toFixed(2),
      last.ts - 1,
    ]);
    // The minute's weight so far: ping, time, exchangeInfo and klines (limit < 100) weigh 1 each.
    assert.is(klines.headers.get('x-mbx-used-weight-1m'), '4');
  });
});

test('a request signed as Binance documents it is served, with the parameters in the query string or in a form body', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    const inQuery = await signed(fake, 'GET', '/fapi/v2/balance');
    assert.is(inQuery.status, 200);
    assert.is((inQuery.body as { balance: string }[])[0].balance, '10000.00000000');
    const inBody = await signed(
      fake,
      'POST',
      '/fapi/v1/leverage',
      { symbol: LINK, leverage: 5 },
      { inBody: true },
    );
    assert.is(inBody.status, 200);
    assert.equal(inBody.body, { leverage: 5, maxNotionalValue: '50000', symbol: LINK });
  });
});

test('a wrong signature answers HTTP 400 with -1022, an unknown key HTTP 401 with -2015, no signature -1102', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    const wrongSecret = await signed(fake, 'GET', '/fapi/v2/account', {}, { secret: 'not-the-secret' });
    assert.equal({ status: wrongSecret.status, code: codeOf(wrongSecret) }, { status: 400, code: -1022 });
    assert.is((wrongSecret.body as { msg: string }).msg, 'Signature for this request is not valid.');
    const wrongKey = await signed(fake, 'GET', '/fapi/v2/account', {}, { apiKey: 'someone-else' });
    assert.equal({ status: wrongKey.status, code: codeOf(wrongKey) }, { status: 401, code: -2015 });
    const response = await fetch(`${fake.restUrl}/fapi/v2/account?timestamp=${Date.now()}`, {
      headers: { 'X-MBX-APIKEY': KEY },
    });
    assert.equal(
      { status: response.status, code: ((await response.json()) as { code: number }).code },
      { status: 400, code: -1102 },
    );
  });
});

test('a timestamp older than recvWindow answers -1021, a wider recvWindow (at most 60000) accepts it, and one 1 s ahead answers -1021', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    const stale = await signed(fake, 'GET', '/fapi/v2/balance', {}, { timestamp: Date.now() - 6_000 });
    assert.equal({ status: stale.status, code: codeOf(stale) }, { status: 400, code: -1021 });
    assert.is(
      (stale.body as { msg: string }).msg,
      'Timestamp for this request is outside of the recvWindow.',
    );
    const widened = await signed(
      fake,
      'GET',
      '/fapi/v2/balance',
      {},
      { timestamp: Date.now() - 6_000, recvWindow: 10_000 },
    );
    assert.is(widened.status, 200);
    const tooWide = await signed(fake, 'GET', '/fapi/v2/balance', {}, { recvWindow: 70_000 });
    assert.is(codeOf(tooWide), -1131);
    const future = await signed(fake, 'GET', '/fapi/v2/balance', {}, { timestamp: Date.now() + 2_000 });
    assert.equal({ status: future.status, code: codeOf(future) }, { status: 400, code: -1021 });
    assert.is(
      (future.body as { msg: string }).msg,
      "Timestamp for this request was 1000ms ahead of the server's time.",
    );
  });
});

test("a clock-skew fault moves the server's time: a client signing with its own clock gets -1021, one that reads /time is served", async () => {
  await withFake(await startLinkFake(), async (fake) => {
    fake.applyFaults({ clockSkewMs: 30_000 });
    const unsynced = await signed(fake, 'GET', '/fapi/v2/balance');
    assert.is(codeOf(unsynced), -1021);
    const { serverTime } = (await get(fake, '/fapi/v1/time')).body as { serverTime: number };
    assert.ok(serverTime - Date.now() > 25_000);
    const synced = await signed(fake, 'GET', '/fapi/v2/balance', {}, { timestamp: serverTime });
    assert.is(synced.status, 200);
  });
});

test('over the weight limit the server answers 429 with Retry-After; a client that keeps sending is banned with 418, and the ban outlasts the minute', async () => {
  const clock = manualClock();
  await withFake(await startLinkFake({ weightLimit: 5, wallClock: clock.read }), async (fake) => {
    for (let i = 1; i <= 5; i++) {
      const ok = await get(fake, '/fapi/v1/ping');
      assert.is(ok.headers.get('x-mbx-used-weight-1m'), String(i));
    }
    const tooMany = await get(fake, '/fapi/v1/ping');
    assert.equal({ status: tooMany.status, code: codeOf(tooMany) }, { status: 429, code: -1003 });
    // 12:00:30 → the window ends at 12:01:00.
    assert.is(tooMany.headers.get('retry-after'), '30');
    clock.now += 1_000;
    const banned = await get(fake, '/fapi/v1/ping');
    assert.equal({ status: banned.status, code: codeOf(banned) }, { status: 418, code: -1003 });
    assert.is(banned.headers.get('retry-after'), '120');
    clock.now += 60_000;
    assert.is((await get(fake, '/fapi/v1/ping')).status, 418, 'a new minute does not lift a ban');
    clock.now += 61_000;
    assert.is((await get(fake, '/fapi/v1/ping')).status, 200);
    assert.equal(fake.weights.refused, { tooMany: 1, banned: 2 });
  });
});

test('a client that waits for Retry-After after a 429 is served again without a ban', async () => {
  const clock = manualClock();
  await withFake(await startLinkFake({ weightLimit: 2, wallClock: clock.read }), async (fake) => {
    await get(fake, '/fapi/v1/ping');
    await get(fake, '/fapi/v1/ping');
    const tooMany = await get(fake, '/fapi/v1/ping');
    assert.is(tooMany.status, 429);
    clock.now += Number(tooMany.headers.get('retry-after')) * 1_000;
    assert.is((await get(fake, '/fapi/v1/ping')).status, 200);
  });
});
test.run();
