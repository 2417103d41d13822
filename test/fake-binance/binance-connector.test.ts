import {
  DerivativesTradingUsdsFutures,
  DerivativesTradingUsdsFuturesRestAPI as RestAPI,
  DerivativesTradingUsdsFuturesWebsocketStreams as Streams,
} from '@binance/derivatives-trading-usds-futures';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { KEY, LINK, linkPath, SECRET, startLinkFake, until } from './harness.js';

// Binance's own Node connector for USDⓈ-M futures (`@binance/derivatives-trading-usds-futures`,
// binance-connector-js) runs its documented calls against the fake server unchanged: only
// `basePath` and `wsURL` point at 127.0.0.1, the way its README points them at the testnet.

type Connector = DerivativesTradingUsdsFutures;

const connect = (fake: FakeBinance, apiSecret = SECRET): Connector =>
  new DerivativesTradingUsdsFutures({
    configurationRestAPI: { apiKey: KEY, apiSecret, basePath: fake.restUrl, timeout: 10_000 },
    configurationWebsocketStreams: { wsURL: fake.wsUrl, reconnectDelay: 100 },
  });

const withConnector = async (
  body: (fake: FakeBinance, client: Connector) => Promise<void>,
  apiSecret = SECRET,
): Promise<void> => {
  const fake = await startLinkFake();
  try {
    await body(fake, connect(fake, apiSecret));
  } finally {
    await fake.close();
  }
};

/** The error class name and Binance code a connector call fails with. */
const failure = async (call: Promise<unknown>): Promise<{ name: string; code?: number }> => {
  try {
    await call;
  } catch (error) {
    return { name: (error as Error).name, code: (error as { code?: number }).code };
  }
  return { name: 'no error' };
};

/** The rounding the connector's callers do: a price on LINKUSDT's 0.001 tick. */
const onTick = (price: number): number => Math.round(price * 1000) / 1000;

test('market data through the connector: server time, exchange information, klines', async () => {
  await withConnector(async (_fake, client) => {
    const time = await (await client.restAPI.checkServerTime()).data();
    assert.ok(Math.abs(Number(time.serverTime) - Date.now()) < 5_000);
    const info = await (await client.restAPI.exchangeInformation()).data();
    assert.equal(
      info.symbols?.map((s) => s.symbol),
      [LINK],
    );
    const klines = await (
      await client.restAPI.klineCandlestickData({
        symbol: LINK,
        interval: RestAPI.KlineCandlestickDataIntervalEnum.INTERVAL_1h,
        limit: 2,
      })
    ).data();
    const last = linkPath()[23];
    const row = klines.at(-1) ?? [];
    assert.equal(
      [Number(row[0]), ...row.slice(1, 5)],
      [last.openTime, last.open.toFixed(3), last.high.toFixed(3), last.low.toFixed(3), last.close.toFixed(3)],
    );
  });
});

test('signed trading through the connector: new MARKET order, query, LIMIT order and cancel, algo stop, positions, account, balance', async () => {
  await withConnector(async (fake, client) => {
    const rest = client.restAPI;
    const buy = await (
      await rest.newOrder({
        symbol: LINK,
        side: RestAPI.NewOrderSideEnum.BUY,
        type: RestAPI.NewOrderTypeEnum.MARKET,
        quantity: 20,
        newClientOrderId: 'conn-1',
      })
    ).data();
    assert.equal({ status: buy.status, qty: buy.executedQty }, { status: 'FILLED', qty: '20.00' });
    const queried = await (await rest.queryOrder({ symbol: LINK, origClientOrderId: 'conn-1' })).data();
    assert.is(queried.avgPrice, fake.venue.trades[0].price.toFixed(3));
    const bid = onTick(linkPath()[23].close * 0.9);
    const resting = await (
      await rest.newOrder({
        symbol: LINK,
        side: RestAPI.NewOrderSideEnum.BUY,
        type: RestAPI.NewOrderTypeEnum.LIMIT,
        timeInForce: RestAPI.NewOrderTimeInForceEnum.GTC,
        quantity: 10,
        price: bid,
      })
    ).data();
    assert.is(resting.status, 'NEW');
    const canceled = await (
      await rest.cancelOrder({ symbol: LINK, orderId: Number(resting.orderId) })
    ).data();
    assert.is(canceled.status, 'CANCELED');
    const stop = await (
      await rest.newAlgoOrder({
        algoType: RestAPI.NewAlgoOrderAlgoTypeEnum.CONDITIONAL,
        symbol: LINK,
        side: RestAPI.NewAlgoOrderSideEnum.SELL,
        type: RestAPI.NewAlgoOrderTypeEnum.STOP_MARKET,
        quantity: 20,
        triggerPrice: onTick(linkPath()[23].close * 0.9),
        reduceOnly: RestAPI.NewAlgoOrderReduceOnlyEnum.TRUE,
        clientAlgoId: 'conn-sl',
      })
    ).data();
    assert.is(stop.algoStatus, 'NEW');
    const found = await (await rest.queryAlgoOrder({ clientAlgoId: 'conn-sl' })).data();
    assert.is(found.orderType, 'STOP_MARKET');
    const positions = await (await rest.positionInformationV3({ symbol: LINK })).data();
    assert.equal(
      positions.map((p) => p.positionAmt),
      ['20.00'],
    );
    const account = await (await rest.accountInformationV2()).data();
    assert.is(account.positions?.[0].positionAmt, '20.00');
    const accountV3 = await (await rest.accountInformationV3()).data();
    assert.is(Number(accountV3.totalWalletBalance), fake.venue.wallet);
    const balance = await (await rest.futuresAccountBalanceV2()).data();
    assert.is(balance[0].asset, 'USDT');
  });
});

test("the connector sees Binance's answers to bad requests: wrong secret -1022, stale timestamp -1021, unknown key -2015, 429 over the weight limit", async () => {
  await withConnector(async (_fake, client) => {
    assert.equal(await failure(client.restAPI.accountInformationV3()), {
      name: 'BadRequestError',
      code: -1022,
    });
  }, 'not-the-secret');
  await withConnector(async (fake, client) => {
    // The server's clock runs 30 s ahead: the connector's timestamps are stale.
    fake.applyFaults({ clockSkewMs: 30_000 });
    assert.equal(await failure(client.restAPI.accountInformationV3()), {
      name: 'BadRequestError',
      code: -1021,
    });
    fake.applyFaults({ clockSkewMs: -2_000 });
    assert.equal(await failure(client.restAPI.accountInformationV3()), {
      name: 'BadRequestError',
      code: -1021,
    });
    fake.applyFaults({ clockSkewMs: 0, weightLimit: 1 });
    await client.restAPI.checkServerTime();
    const limited = await failure(client.restAPI.checkServerTime());
    assert.equal(limited, { name: 'TooManyRequestsError', code: -1003 });
    assert.equal((await failure(client.restAPI.checkServerTime())).name, 'RateLimitBanError');
  });
  const fake = await startLinkFake();
  try {
    const stranger = new DerivativesTradingUsdsFutures({
      configurationRestAPI: {
        apiKey: 'stranger',
        apiSecret: SECRET,
        basePath: fake.restUrl,
        timeout: 10_000,
      },
    });
    assert.equal(await failure(stranger.restAPI.accountInformationV3()), {
      name: 'UnauthorizedError',
      code: -2015,
    });
  } finally {
    await fake.close();
  }
});

test("the connector's websocket streams: a kline stream gets each closed candle, the user data stream its order updates, and after a dropped connection it reconnects and resubscribes", async () => {
  await withConnector(async (fake, client) => {
    const { listenKey } = await (await client.restAPI.startUserDataStream()).data();
    assert.ok(listenKey !== undefined && listenKey.length > 0);
    assert.equal(await (await client.restAPI.keepaliveUserDataStream()).data(), { listenKey });
    const connection = await client.websocketStreams.connect();
    try {
      const candles: { k?: { t?: number | bigint; x?: boolean } }[] = [];
      const kline = connection.klineCandlestickStreams({
        symbol: LINK,
        interval: Streams.KlineCandlestickStreamsIntervalEnum.INTERVAL_1h,
      });
      kline.on('message', (data) => {
        candles.push(data as { k?: { t?: number | bigint; x?: boolean } });
      });
      const userEvents: { e?: string }[] = [];
      const user = connection.userData(listenKey ?? '');
      user.on('message', (data) => {
        userEvents.push(data as { e?: string });
      });
      // The connector SUBSCRIBEs on its routed connections (`/market/stream`, `/private/stream`).
      await until('subscriptions', () => fake.connectionCount() === 3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      fake.step(1);
      await until('a closed candle', () => candles.length === 1);
      assert.equal(
        { t: Number(candles[0].k?.t), x: candles[0].k?.x },
        { t: linkPath()[24].openTime, x: true },
      );
      await client.restAPI.newOrder({
        symbol: LINK,
        side: RestAPI.NewOrderSideEnum.BUY,
        type: RestAPI.NewOrderTypeEnum.MARKET,
        quantity: 20,
      });
      await until('order updates', () => userEvents.length === 3);
      assert.equal(
        userEvents.map((e) => e.e),
        ['ORDER_TRADE_UPDATE', 'ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'],
      );
      // Cut every socket: the connector reconnects its three routed connections (one a second),
      // each with its streams in the URL.
      const before = fake.connectionCount();
      fake.dropConnections();
      await until('dropped', () => fake.connectionCount() === 0);
      await until('reconnected', () => fake.connectionCount() === before, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      fake.step(1);
      await until('the next candle after the reconnect', () => candles.length === 2, 10_000);
      assert.is(Number(candles[1].k?.t), linkPath()[25].openTime);
    } finally {
      await connection.disconnect();
    }
  });
});

test.run();
