import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { requires } from '../requirements.js';
import { missingSharedData, sharedData } from '../shared-data.js';
import {
  eventTypes,
  LINK,
  linkPath,
  type Recorder,
  record,
  signed,
  sleep,
  startLinkFake,
  until,
  withKey,
} from './harness.js';

// The fake Binance's websockets with a plain `ws` client: every way Binance's clients open market
// and user-data streams, the listenKey's life, and the stream faults (duplicates, reordering,
// market streams down, dropped connections).

const KLINE = `${LINK.toLowerCase()}@kline_1h`;

const withFake = async (
  fake: FakeBinance,
  body: (fake: FakeBinance) => Promise<void>,
  sockets: Recorder[] = [],
): Promise<void> => {
  try {
    await body(fake);
  } finally {
    for (const socket of sockets) socket.close();
    await fake.close();
  }
};

const newListenKey = async (fake: FakeBinance): Promise<string> =>
  ((await withKey(fake, 'POST', '/fapi/v1/listenKey')).body as { listenKey: string }).listenKey;

const marketBuy = (fake: FakeBinance, quantity = 20) =>
  signed(fake, 'POST', '/fapi/v1/order', { symbol: LINK, side: 'BUY', type: 'MARKET', quantity });

/** The user events a recorder got (unwrapped), as `TYPE:status`. */
const userEvents = (recorder: Recorder): string[] =>
  recorder.messages.map((m) => {
    const event = (m.data ?? m) as { e: string; o?: { X?: string; x?: string }; a?: { m?: string } };
    return event.e === 'ORDER_TRADE_UPDATE'
      ? `ORDER:${event.o?.x}`
      : event.e === 'ACCOUNT_UPDATE'
        ? `ACCOUNT:${event.a?.m}`
        : event.e;
  });

test('a closed candle goes out on /ws/<stream>, on /ws after SUBSCRIBE, wrapped on combined /stream?streams=, and on the routed /market/stream', async () => {
  const fake = await startLinkFake();
  const raw = await record(`${fake.wsUrl}/ws/${KLINE}`);
  const subscribed = await record(`${fake.wsUrl}/ws`);
  const combined = await record(`${fake.wsUrl}/stream?streams=${KLINE}/${LINK.toLowerCase()}@markPrice`);
  const routed = await record(`${fake.wsUrl}/market/stream?streams=`);
  await withFake(fake, async () => {
    subscribed.send({ method: 'SUBSCRIBE', params: [KLINE], id: 1 });
    routed.send({ method: 'SUBSCRIBE', params: [KLINE], id: 7 });
    await until(
      'subscriptions confirmed',
      () => subscribed.messages.length === 1 && routed.messages.length === 1,
    );
    assert.equal(subscribed.messages[0], { result: null, id: 1 });
    subscribed.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    await until('the list', () => subscribed.messages.length === 2);
    assert.equal(subscribed.messages[1], { result: [KLINE], id: 2 });
    fake.step(1);
    await until(
      'the candle everywhere',
      () =>
        raw.messages.length === 1 &&
        subscribed.messages.length === 3 &&
        combined.messages.length === 2 &&
        routed.messages.length === 2,
    );
    const candle = linkPath()[24];
    const event = raw.messages[0] as { e: string; E: number; k: Record<string, unknown> };
    assert.equal(
      {
        e: event.e,
        E: event.E,
        t: event.k.t,
        T: event.k.T,
        o: event.k.o,
        c: event.k.c,
        x: event.k.x,
        i: event.k.i,
      },
      {
        e: 'kline',
        E: candle.ts,
        t: candle.openTime,
        T: candle.ts - 1,
        o: candle.open.toFixed(3),
        c: candle.close.toFixed(3),
        x: true,
        i: '1h',
      },
    );
    assert.equal(subscribed.messages[2], raw.messages[0]);
    assert.equal(
      combined.messages.map((m) => m.stream),
      [KLINE, `${LINK.toLowerCase()}@markPrice`],
    );
    assert.equal(combined.messages[0].data, raw.messages[0]);
    assert.equal(routed.messages[1], { stream: KLINE, data: raw.messages[0] });
    subscribed.send({ method: 'UNSUBSCRIBE', params: [KLINE], id: 3 });
    await until('unsubscribed', () => subscribed.messages.length === 4);
    fake.step(1);
    await until('the next candle', () => raw.messages.length === 2);
    await sleep(50);
    assert.is(subscribed.messages.length, 4, 'no candle after UNSUBSCRIBE');
  }, [raw, subscribed, combined, routed]);
});

test('user data reaches /ws/<listenKey>, /private/ws?listenKey=, a combined stream named by the key (wrapped), and a SUBSCRIBE of the key on /private/stream', async () => {
  const fake = await startLinkFake();
  const listenKey = await newListenKey(fake);
  const sockets = [
    await record(`${fake.wsUrl}/ws/${listenKey}`),
    await record(`${fake.wsUrl}/private/ws?listenKey=${listenKey}`),
    await record(`${fake.wsUrl}/stream?streams=${listenKey}`),
    await record(`${fake.wsUrl}/private/stream?streams=`),
  ];
  await withFake(
    fake,
    async () => {
      sockets[3].send({ method: 'SUBSCRIBE', params: [listenKey], id: 1 });
      await until('subscribed', () => sockets[3].messages.length === 1);
      sockets[3].messages.length = 0;
      await marketBuy(fake);
      await until('the fill everywhere', () => sockets.every((s) => s.messages.length === 3));
      for (const socket of sockets)
        assert.equal(userEvents(socket), ['ORDER:NEW', 'ORDER:TRADE', 'ACCOUNT:ORDER']);
      assert.equal(sockets[2].messages[1].stream, listenKey);
      assert.equal(sockets[2].messages[1].data, sockets[0].messages[1]);
      const fill = sockets[0].messages[1] as { o: { X: string; l: string; L: string; n: string; t: number } };
      const trade = fake.venue.trades[0];
      assert.equal(
        { X: fill.o.X, l: fill.o.l, L: fill.o.L, t: fill.o.t },
        { X: 'FILLED', l: '20.00', L: trade.price.toFixed(3), t: trade.id },
      );
    },
    sockets,
  );
});

test('a listenKey: POST returns the active key, PUT keeps it alive, it expires after the TTL with listenKeyExpired on its stream, then PUT answers -1125', async () => {
  const clock = { now: Date.now() };
  const fake = await startLinkFake({ wallClock: () => clock.now, listenKeyTtlMs: 60_000 });
  const listenKey = await newListenKey(fake);
  const user = await record(`${fake.wsUrl}/ws/${listenKey}`);
  await withFake(fake, async () => {
    assert.is(await newListenKey(fake), listenKey, 'one active key per account');
    clock.now += 50_000;
    assert.equal((await withKey(fake, 'PUT', '/fapi/v1/listenKey')).body, { listenKey });
    clock.now += 50_000;
    await sleep(1_200);
    assert.is(user.messages.length, 0, 'the keep-alive moved the expiry');
    clock.now += 11_000;
    await until('listenKeyExpired', () => user.messages.length === 1, 3_000);
    assert.equal(user.messages[0], { e: 'listenKeyExpired', E: fake.venue.time(), listenKey });
    await until('the stream closed', () => user.closeCode !== undefined);
    const keepAlive = await withKey(fake, 'PUT', '/fapi/v1/listenKey');
    assert.equal(
      { status: keepAlive.status, code: (keepAlive.body as { code: number }).code },
      { status: 400, code: -1125 },
    );
    const refused = await record(`${fake.wsUrl}/ws?listenKey=${listenKey}`);
    assert.is(refused.refusedStatus, 400);
    assert.not.equal(await newListenKey(fake), listenKey, 'a new key after expiry');
    assert.is((await withKey(fake, 'POST', '/fapi/v1/listenKey', 'wrong-key')).status, 401);
  }, [user]);
});

test('the expireListenKey fault ends a user stream at once; a connection with market streams too keeps them', async () => {
  const fake = await startLinkFake();
  const listenKey = await newListenKey(fake);
  const userOnly = await record(`${fake.wsUrl}/ws/${listenKey}`);
  const mixed = await record(`${fake.wsUrl}/stream?streams=${listenKey}/${KLINE}`);
  await withFake(fake, async () => {
    fake.applyFaults({ expireListenKey: true });
    await until(
      'listenKeyExpired on both',
      () => userOnly.messages.length === 1 && mixed.messages.length === 1,
    );
    assert.equal(mixed.messages[0], {
      stream: listenKey,
      data: { e: 'listenKeyExpired', E: fake.venue.time(), listenKey },
    });
    await until('the user-only stream closed', () => userOnly.closeCode === 1000);
    fake.step(1);
    await until('the candle on the mixed stream', () => mixed.messages.length === 2);
    assert.is(mixed.closeCode, undefined);
  }, [userOnly, mixed]);
});

test('duplicate user events: every event arrives twice', async () => {
  const fake = await startLinkFake();
  const user = await record(`${fake.wsUrl}/ws/${await newListenKey(fake)}`);
  await withFake(fake, async () => {
    fake.applyFaults({ duplicateUserEvents: true });
    await marketBuy(fake);
    await until('six events', () => user.messages.length === 6);
    assert.equal(userEvents(user), [
      'ORDER:NEW',
      'ORDER:NEW',
      'ORDER:TRADE',
      'ORDER:TRADE',
      'ACCOUNT:ORDER',
      'ACCOUNT:ORDER',
    ]);
    assert.equal(user.messages[0], user.messages[1]);
  }, [user]);
});

test('reordered user events arrive in swapped pairs, and the held one is sent when reordering is switched off', async () => {
  const fake = await startLinkFake();
  const user = await record(`${fake.wsUrl}/ws/${await newListenKey(fake)}`);
  await withFake(fake, async () => {
    fake.applyFaults({ reorderUserEvents: true });
    await marketBuy(fake);
    await until('two events', () => user.messages.length === 2);
    await sleep(50);
    assert.equal(userEvents(user), ['ORDER:TRADE', 'ORDER:NEW'], 'ACCOUNT_UPDATE is held for its pair');
    fake.applyFaults({ reorderUserEvents: false });
    await until('the held one', () => user.messages.length === 3);
    assert.equal(userEvents(user).at(-1), 'ACCOUNT:ORDER');
  }, [user]);
});

test('while market streams are down new market connections are refused (503) and subscribers get nothing, user data still flows', async () => {
  const fake = await startLinkFake();
  const listenKey = await newListenKey(fake);
  const market = await record(`${fake.wsUrl}/ws/${KLINE}`);
  await withFake(fake, async () => {
    fake.applyFaults({ marketStreamsDown: true });
    const refused = await record(`${fake.wsUrl}/ws/${KLINE}`);
    assert.is(refused.refusedStatus, 503);
    const user = await record(`${fake.wsUrl}/ws/${listenKey}`);
    assert.is(user.refusedStatus, undefined);
    fake.step(1);
    await marketBuy(fake);
    await until('user events', () => user.messages.length === 3);
    assert.is(market.messages.length, 0);
    fake.applyFaults({ marketStreamsDown: false });
    fake.step(1);
    await until('market data back', () => market.messages.length === 1);
    user.close();
  }, [market]);
});

test('dropped connections close without a handshake (1006): all of them, or with `market` only those without user data', async () => {
  const fake = await startLinkFake();
  const listenKey = await newListenKey(fake);
  const market = await record(`${fake.wsUrl}/ws/${KLINE}`);
  const user = await record(`${fake.wsUrl}/ws/${listenKey}`);
  await withFake(fake, async () => {
    fake.applyFaults({ dropConnections: 'market' });
    await until('the market socket dropped', () => market.closeCode === 1006);
    await sleep(50);
    assert.is(user.closeCode, undefined);
    assert.is(fake.connectionCount(), 1);
    fake.applyFaults({ dropConnections: true });
    await until('the user socket dropped', () => user.closeCode === 1006);
  }, [market, user]);
});

test('an unknown websocket method answers an error with its id; unknown paths are refused', async () => {
  const fake = await startLinkFake();
  const socket = await record(`${fake.wsUrl}/ws`);
  await withFake(fake, async () => {
    socket.send({ method: 'FLY', id: 9 });
    await until('the answer', () => socket.messages.length === 1);
    assert.equal(socket.messages[0], {
      error: { code: 2, msg: 'Invalid request: unknown method FLY' },
      id: 9,
    });
    const nowhere = await record(`${fake.wsUrl}/nowhere`);
    assert.is(nowhere.refusedStatus, 404);
    assert.equal(eventTypes([{ result: null, id: 1 }]), ['result']);
  }, [socket]);
});

if (requires(missingSharedData('binance/futures'))) {
  const real = (file: string): Record<string, unknown> => {
    const json = JSON.parse(readFileSync(sharedData('binance/futures', file), 'utf8')) as Record<
      string,
      unknown
    >;
    return (json.data ?? json) as Record<string, unknown>;
  };
  const missing = (realBody: Record<string, unknown>, ours: Record<string, unknown>): string[] =>
    Object.keys(realBody).filter((key) => !(key in ours));

  test('websocket events carry every key of the real Binance events', async () => {
    const fake = await startLinkFake();
    const listenKey = await newListenKey(fake);
    const user = await record(`${fake.wsUrl}/ws/${listenKey}`);
    const market = await record(`${fake.wsUrl}/stream?streams=${KLINE}/${LINK.toLowerCase()}@markPrice`);
    await withFake(fake, async () => {
      await marketBuy(fake);
      const stop = Math.round(linkPath()[23].close * 0.95 * 1000) / 1000;
      await signed(fake, 'POST', '/fapi/v1/algoOrder', {
        algoType: 'CONDITIONAL',
        symbol: LINK,
        side: 'SELL',
        type: 'STOP_MARKET',
        triggerPrice: stop,
        quantity: 20,
        reduceOnly: true,
      });
      fake.step(1);
      await until('events', () => user.messages.length >= 4 && market.messages.length === 2);
      const byType = (type: string) =>
        user.messages.find((m) => m.e === type) as Record<string, Record<string, unknown>>;
      const order = byType('ORDER_TRADE_UPDATE');
      const realOrder = real('user_data_json/order_update_trade.json') as Record<
        string,
        Record<string, unknown>
      >;
      assert.equal(missing(realOrder, order), []);
      assert.equal(missing(realOrder.o, order.o), []);
      const algo = byType('ALGO_UPDATE');
      assert.equal(
        missing(real('ws_examples/algo_update_finished.json').o as Record<string, unknown>, algo.o),
        [],
      );
      const account = byType('ACCOUNT_UPDATE');
      const realAccount = real('user_data_json/account_update.json') as {
        a: { B: Record<string, unknown>[]; P: Record<string, unknown>[] };
      };
      const ours = account.a as unknown as { B: Record<string, unknown>[]; P: Record<string, unknown>[] };
      assert.equal(missing(realAccount.a.B[0], ours.B[0]), []);
      assert.equal(missing(realAccount.a.P[0], ours.P[0]), []);
      const kline = market.messages[0].data as Record<string, Record<string, unknown>>;
      const realKline = real('market_data_json/kline_stream_closed.json') as Record<
        string,
        Record<string, unknown>
      >;
      assert.equal(missing(realKline, kline), []);
      assert.equal(missing(realKline.k, kline.k), []);
      const mark = market.messages[1].data as Record<string, unknown>;
      assert.equal(missing(real('market_data_json/mark_price_stream.json'), mark), ['st']);
    }, [user, market]);
  });
}

test.run();
