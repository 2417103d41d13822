import { USDMClient, WebsocketClient } from 'binance';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { KEY, LINK, linkPath, SECRET, startLinkFake, until } from './harness.js';

// A second client written independently of Binance and of ccxt — tiagosiebler's `binance` package
// (USDMClient and WebsocketClient) — against the fake server, configured only with its documented
// `baseUrl` and `wsUrl` options: REST market data, signed orders, positions, account, listenKey,
// and its market and user-data websockets (which it opens on the routed `/market/stream` and
// `/private/stream?listenKey=` endpoints Binance introduced in 2026).

const quiet = { trace: () => {}, info: () => {}, error: () => {} };

const restClient = (fake: FakeBinance, apiSecret = SECRET): USDMClient =>
  new USDMClient({ api_key: KEY, api_secret: apiSecret, baseUrl: fake.restUrl, disableTimeSync: true });

/** The Binance code a call fails with (the client rejects with `{ code, message, body }`). */
const codeOf = async (call: Promise<unknown>): Promise<unknown> => {
  try {
    await call;
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'no error';
};

test('USDMClient: exchange info, klines, a signed MARKET order, positions, account, listenKey; -1022 and -1021 as Binance answers them', async () => {
  const fake = await startLinkFake();
  try {
    const client = restClient(fake);
    const info = await client.getExchangeInfo();
    assert.equal(
      info.symbols.map((s) => s.symbol),
      [LINK],
    );
    const klines = await client.getKlines({ symbol: LINK, interval: '1h', limit: 2 });
    assert.is(klines.at(-1)?.[0], linkPath()[23].openTime);
    const order = await client.submitNewOrder({ symbol: LINK, side: 'BUY', type: 'MARKET', quantity: 20 });
    assert.equal({ status: order.status, qty: order.executedQty }, { status: 'FILLED', qty: '20.00' });
    const positions = await client.getPositionsV3({ symbol: LINK });
    assert.equal(
      positions.map((p) => p.positionAmt),
      ['20.00'],
    );
    const account = await client.getAccountInformationV3();
    assert.is(Number(account.totalWalletBalance), fake.venue.wallet);
    const { listenKey } = await client.getFuturesUserDataListenKey();
    assert.ok(listenKey.length > 0);
    assert.is(await codeOf(restClient(fake, 'not-the-secret').getAccountInformationV3()), -1022);
    fake.applyFaults({ clockSkewMs: 30_000 });
    assert.is(await codeOf(client.getAccountInformationV3()), -1021);
  } finally {
    await fake.close();
  }
});

test('WebsocketClient: a kline subscription gets each closed candle and the user-data stream its order updates', async () => {
  const fake = await startLinkFake();
  const ws = new WebsocketClient(
    {
      api_key: KEY,
      api_secret: SECRET,
      wsUrl: fake.wsUrl,
      restOptions: { baseUrl: fake.restUrl, disableTimeSync: true },
    },
    quiet,
  );
  const events: { e?: string; k?: { t?: number } }[] = [];
  ws.on('message', (message) => events.push(message as { e?: string; k?: { t?: number } }));
  try {
    await ws.subscribeKlines(LINK, '1h', 'usdm');
    await ws.subscribeUsdFuturesUserDataStream();
    await until('both connections', () => fake.connectionCount() === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    fake.step(1);
    await restClient(fake).submitNewOrder({ symbol: LINK, side: 'BUY', type: 'MARKET', quantity: 20 });
    await until('the candle and the order updates', () => events.length === 4);
    assert.equal(
      events.map((e) => e.e),
      ['kline', 'ORDER_TRADE_UPDATE', 'ORDER_TRADE_UPDATE', 'ACCOUNT_UPDATE'],
    );
    assert.is(events[0].k?.t, linkPath()[24].openTime);
  } finally {
    // The client keeps a 50-minute listenKey keep-alive interval that neither closeAll nor
    // unsubscribing clears (it clears it on `listenKeyExpired`): tear it down the way it does.
    const { listenKey } = await restClient(fake).getFuturesUserDataListenKey();
    const internals = ws as unknown as {
      getUserDataStreamManager(): { teardownUserDataListenKey(key: string): void };
    };
    internals.getUserDataStreamManager().teardownUserDataListenKey(listenKey);
    ws.closeAll(true);
    await fake.close();
  }
});

test.run();
