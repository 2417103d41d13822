import ccxt from 'ccxt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BinanceClient,
  createBinanceClient,
  prepareBinanceClient,
} from '../../src/exchange/binance-client.js';
import type { FakeBinance } from '../../src/fake-binance/fake-binance-server.js';
import { KEY, LINK, linkPath, SECRET, startLinkFake, until } from './harness.js';

// ccxt's binanceusdm (REST and ccxt.pro websockets), made by our one factory and pointed at the
// fake server, runs its unified calls unchanged: the fake answers the way Binance answers ccxt.

const SYMBOL = 'LINK/USDT:USDT';

// Closing a ccxt.pro client rejects the futures it keeps for its own subscriptions (the user
// stream's) with ExchangeClosedByUser, and nothing awaits those: that rejection is expected.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof ccxt.ExchangeClosedByUser) return;
  throw reason;
});

const withClient = async (
  body: (fake: FakeBinance, client: BinanceClient) => Promise<void>,
  options: Parameters<typeof startLinkFake>[0] = {},
  secret = SECRET,
): Promise<void> => {
  const fake = await startLinkFake(options);
  const client = createBinanceClient({ apiKey: KEY, secret, baseUrl: fake.restUrl, timeoutMs: 5_000 });
  await prepareBinanceClient(client);
  try {
    await body(fake, client);
  } finally {
    await client.close();
    await fake.close();
  }
};

/** The Binance error code inside a ccxt error's message (`binanceusdm {"code":-1022,…}`). */
const binanceCode = async (call: Promise<unknown>): Promise<number | string> => {
  try {
    await call;
  } catch (error) {
    const match = /"code":(-?\d+)/.exec(String((error as Error).message));
    return match ? Number(match[1]) : String(error);
  }
  return 'no error';
};

test('ccxt loads markets with the filters, fetches OHLCV and balance, sets leverage, reads the tiers', async () => {
  await withClient(async (_fake, client) => {
    const markets = await client.loadMarkets();
    const market = markets[SYMBOL];
    assert.equal(
      { tick: market?.precision.price, step: market?.precision.amount, minCost: market?.limits.cost?.min },
      { tick: 0.001, step: 0.01, minCost: 5 },
    );
    const candles = await client.fetchOHLCV(SYMBOL, '1h', undefined, 3);
    const last = linkPath()[23];
    assert.equal(candles.at(-1), [last.openTime, last.open, last.high, last.low, last.close, last.volume]);
    const balance = await client.fetchBalance();
    assert.is((balance.total as unknown as Record<string, number>).USDT, 10_000);
    const leverage = (await client.setLeverage(5, SYMBOL)) as { leverage: number };
    assert.is(leverage.leverage, 5);
    const tiers = await client.fetchLeverageTiers([SYMBOL]);
    assert.is(tiers[SYMBOL][0].maxLeverage, 125);
  });
});

test('ccxt places a market entry, a stop-loss and a take-profit through the Algo Order API, reads positions, trades and funding, and cancels by client id', async () => {
  await withClient(async (fake, client) => {
    await client.loadMarkets();
    const entry = await client.createOrder(SYMBOL, 'market', 'buy', 20, undefined, {
      clientOrderId: 'intent-9-entry',
    });
    assert.equal(
      { status: entry.status, filled: entry.filled, id: entry.clientOrderId },
      { status: 'closed', filled: 20, id: 'intent-9-entry' },
    );
    const price = fake.venue.trades[0].price;
    await client.createOrder(SYMBOL, 'market', 'sell', 20, undefined, {
      stopLossPrice: Math.round(price * 0.9 * 1000) / 1000,
      reduceOnly: true,
      clientOrderId: 'intent-9-sl',
    });
    await client.createOrder(SYMBOL, 'market', 'sell', 20, undefined, {
      takeProfitPrice: Math.round(price * 1.5 * 1000) / 1000,
      reduceOnly: true,
      clientOrderId: 'intent-9-tp',
    });
    assert.equal(
      fake.venue.openAlgoOrders(LINK).map((a) => `${a.type}:${a.clientAlgoId}`),
      ['STOP_MARKET:intent-9-sl', 'TAKE_PROFIT_MARKET:intent-9-tp'],
    );
    const triggers = await client.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    assert.is(triggers.length, 2);
    await client.cancelOrder('', SYMBOL, { trigger: true, clientOrderId: 'intent-9-tp' });
    assert.is(fake.venue.openAlgoOrders(LINK).length, 1);
    const [position] = await client.fetchPositions([SYMBOL]);
    assert.equal(
      { contracts: position.contracts, side: position.side, entry: position.entryPrice },
      { contracts: 20, side: 'long', entry: price },
    );
    fake.step(16);
    const trades = await client.fetchMyTrades(SYMBOL);
    assert.equal(
      trades.map((t) => t.price),
      fake.venue.trades.map((t) => t.price),
    );
    const funding = await client.fetchFundingHistory(SYMBOL);
    assert.ok(funding.length >= 1, 'sixteen hours cross a funding instant');
    const rates = await client.fetchFundingRateHistory(SYMBOL);
    assert.ok(rates.length >= 2);
  });
});

test("ccxt sees Binance's error codes: -2019 margin, -4116 duplicate client id, -5022 post-only", async () => {
  await withClient(async (_fake, client) => {
    await client.loadMarkets();
    assert.is(await binanceCode(client.createOrder(SYMBOL, 'market', 'buy', 100_000)), -2019);
    const bid = Math.round(linkPath()[23].close * 0.8 * 1000) / 1000;
    await client.createOrder(SYMBOL, 'limit', 'buy', 10, bid, { clientOrderId: 'dup-1' });
    assert.is(
      await binanceCode(client.createOrder(SYMBOL, 'limit', 'buy', 10, bid, { clientOrderId: 'dup-1' })),
      -4116,
    );
    assert.is(
      await binanceCode(
        client.createOrder(SYMBOL, 'limit', 'buy', 10, linkPath()[23].close * 1.1, { postOnly: true }),
      ),
      -5022,
    );
  });
});

test('ccxt with a wrong secret gets -1022; with a server clock 30 s ahead, -1021; over the weight limit 429 then 418', async () => {
  await withClient(
    async (_fake, client) => {
      await client.loadMarkets();
      assert.is(await binanceCode(client.fetchBalance()), -1022);
    },
    {},
    'not-the-secret',
  );
  await withClient(async (fake, client) => {
    await client.loadMarkets();
    fake.applyFaults({ clockSkewMs: 30_000 });
    assert.is(await binanceCode(client.fetchBalance()), -1021);
  });
  await withClient(async (fake, client) => {
    await client.loadMarkets();
    fake.applyFaults({ weightLimit: fake.weights.refused.tooMany + 3 });
    const codes: (number | string)[] = [];
    for (let i = 0; i < 5; i++) codes.push(await binanceCode(client.fetchOHLCV(SYMBOL, '1h', undefined, 2)));
    assert.ok(codes.includes(-1003), `codes ${codes.join(',')}`);
    assert.equal(fake.weights.refused.tooMany, 1);
    assert.ok(fake.weights.refused.banned >= 1, 'ccxt kept sending after the 429');
  });
});

test('ccxt.pro watchOHLCV gets each closed candle; after the fake drops every connection the next watch reconnects and resubscribes', async () => {
  await withClient(async (fake, client) => {
    await client.loadMarkets();
    const first = client.watchOHLCV(SYMBOL, '1h');
    await until('subscribed', () => fake.connectionCount() === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.step(1);
    const candles = await first;
    assert.is(candles.at(-1)?.[0], linkPath()[24].openTime);
    const broken = client.watchOHLCV(SYMBOL, '1h').then(
      () => 'resolved',
      (error: unknown) => (error instanceof ccxt.NetworkError ? 'network error' : String(error)),
    );
    fake.dropConnections();
    assert.is(await broken, 'network error');
    const again = client.watchOHLCV(SYMBOL, '1h');
    await until('resubscribed', () => fake.connectionCount() === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.step(1);
    const next = await again;
    assert.is(next.at(-1)?.[0], linkPath()[25].openTime);
  });
});

test('ccxt.pro watchOrders follows the listenKey user stream: a market order arrives filled', async () => {
  await withClient(async (fake, client) => {
    await client.loadMarkets();
    const updates = client.watchOrders(SYMBOL);
    await until('the user stream', () => fake.connectionCount() === 1);
    await client.createOrder(SYMBOL, 'market', 'buy', 20, undefined, { clientOrderId: 'watched-1' });
    const orders = await updates;
    assert.is(orders.at(-1)?.clientOrderId, 'watched-1');
    assert.ok(fake.requests.get('POST /fapi/v1/listenKey') === 1);
  });
});

test.run();
