import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requirements.js';
import { missingSharedData, sharedData } from '../shared-data.js';
import { codeOf, withFake } from './fake-binance-rest-helpers.js';
import { get, KEY, LINK, linkPath, record, signed, sleep, startLinkFake, until } from './harness.js';

// The fake Binance's REST side through raw `fetch` requests signed by hand, as Binance's docs
// describe: orders and the Algo Order API, delayed acks, the control API and the fault schedule —
// and the payloads' shapes against real Binance bodies. Market data, authentication, timestamps and
// request weights are in `fake-binance-rest.test.ts`.

test('a MARKET order answers FILLED with its average price; a LIMIT order rests, is found by client id, and is canceled', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    const buy = await signed(fake, 'POST', '/fapi/v1/order', {
      symbol: LINK,
      side: 'BUY',
      type: 'MARKET',
      quantity: 20,
      newClientOrderId: 'intent-1-entry',
    });
    const filled = buy.body as {
      status: string;
      avgPrice: string;
      executedQty: string;
      clientOrderId: string;
    };
    assert.equal(
      { status: filled.status, qty: filled.executedQty, id: filled.clientOrderId },
      { status: 'FILLED', qty: '20.00', id: 'intent-1-entry' },
    );
    assert.is(Number(filled.avgPrice), fake.venue.trades[0].price);
    const bid = Math.round(linkPath()[23].close * 0.9 * 1000) / 1000;
    await signed(fake, 'POST', '/fapi/v1/order', {
      symbol: LINK,
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: 10,
      price: bid,
      newClientOrderId: 'intent-2-entry',
    });
    const found = await signed(fake, 'GET', '/fapi/v1/order', {
      symbol: LINK,
      origClientOrderId: 'intent-2-entry',
    });
    assert.is((found.body as { status: string }).status, 'NEW');
    const open = await signed(fake, 'GET', '/fapi/v1/openOrders', { symbol: LINK });
    assert.is((open.body as unknown[]).length, 1);
    const canceled = await signed(fake, 'DELETE', '/fapi/v1/order', {
      symbol: LINK,
      origClientOrderId: 'intent-2-entry',
    });
    assert.is((canceled.body as { status: string }).status, 'CANCELED');
    const again = await signed(fake, 'DELETE', '/fapi/v1/order', {
      symbol: LINK,
      origClientOrderId: 'intent-2-entry',
    });
    assert.is(codeOf(again), -2011);
    const positions = (await signed(fake, 'GET', '/fapi/v3/positionRisk', { symbol: LINK })).body as {
      positionAmt: string;
    }[];
    assert.equal(
      positions.map((p) => p.positionAmt),
      ['20.00'],
    );
  });
});

test('conditional orders live in the Algo Order API: STOP_MARKET on /fapi/v1/order answers -4120, on /fapi/v1/algoOrder it waits and is canceled by client id', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    await signed(fake, 'POST', '/fapi/v1/order', { symbol: LINK, side: 'BUY', type: 'MARKET', quantity: 20 });
    const stopPrice = Math.round(linkPath()[23].close * 0.95 * 1000) / 1000;
    const old = await signed(fake, 'POST', '/fapi/v1/order', {
      symbol: LINK,
      side: 'SELL',
      type: 'STOP_MARKET',
      stopPrice,
      quantity: 20,
      reduceOnly: true,
    });
    assert.is(codeOf(old), -4120);
    const algo = await signed(fake, 'POST', '/fapi/v1/algoOrder', {
      algoType: 'CONDITIONAL',
      symbol: LINK,
      side: 'SELL',
      type: 'STOP_MARKET',
      triggerPrice: stopPrice,
      quantity: 20,
      reduceOnly: true,
      clientAlgoId: 'intent-1-sl',
    });
    assert.equal(
      {
        status: algo.status,
        algoStatus: (algo.body as { algoStatus: string }).algoStatus,
        type: (algo.body as { orderType: string }).orderType,
      },
      { status: 200, algoStatus: 'NEW', type: 'STOP_MARKET' },
    );
    const open = await signed(fake, 'GET', '/fapi/v1/openAlgoOrders', { symbol: LINK });
    assert.equal(
      (open.body as { clientAlgoId: string }[]).map((a) => a.clientAlgoId),
      ['intent-1-sl'],
    );
    const canceled = await signed(fake, 'DELETE', '/fapi/v1/algoOrder', { clientAlgoId: 'intent-1-sl' });
    assert.equal(canceled.body, {
      algoId: (algo.body as { algoId: number }).algoId,
      clientAlgoId: 'intent-1-sl',
      code: '200',
      msg: 'success',
    });
  });
});

test('a delayed ack applies the order at once (the user stream reports the fill) but answers ackDelayMs later', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    const { listenKey } = (await (
      await fetch(`${fake.restUrl}/fapi/v1/listenKey`, { method: 'POST', headers: { 'X-MBX-APIKEY': KEY } })
    ).json()) as { listenKey: string };
    const user = await record(`${fake.wsUrl}/ws/${listenKey}`);
    fake.applyFaults({ ackDelayMs: 400 });
    let answeredAt = 0;
    const answer = signed(fake, 'POST', '/fapi/v1/order', {
      symbol: LINK,
      side: 'BUY',
      type: 'MARKET',
      quantity: 20,
    }).then((a) => {
      answeredAt = Date.now();
      return a;
    });
    await until('the fill on the user stream', () =>
      user.messages.some((m) => (m.o as { X?: string } | undefined)?.X === 'FILLED'),
    );
    const filledSeenAt = Date.now();
    const ack = await answer;
    assert.is(ack.status, 200);
    assert.ok(ack.ms >= 380, `answered after ${ack.ms.toFixed(0)} ms`);
    assert.ok(filledSeenAt <= answeredAt, 'the fill arrived before the ack');
    user.close();
  });
});

test('the control API steps the path, switches faults (naming a bad key), and its ledger sums income to the wallet; mutating routes need the key', async () => {
  await withFake(await startLinkFake(), async (fake) => {
    const post = (path: string, body?: object, key = KEY) =>
      fetch(`${fake.restUrl}${path}`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': key, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const refused = await post('/fake/step?n=2', undefined, 'wrong');
    assert.equal(
      { status: refused.status, code: ((await refused.json()) as { code: string }).code },
      { status: 401, code: 'QT_FAKE_API_KEY' },
    );
    await signed(fake, 'POST', '/fapi/v1/order', { symbol: LINK, side: 'BUY', type: 'MARKET', quantity: 50 });
    const stepped = (await (await post('/fake/step?n=10')).json()) as {
      moved: number;
      revealed: number;
      remaining: number;
    };
    assert.equal({ moved: stepped.moved, revealed: stepped.revealed }, { moved: 10, revealed: 34 });
    const bad = await post('/fake/faults', { ackDelayMs: 'slow' });
    const badBody = (await bad.json()) as { code: string; msg: string };
    assert.is(bad.status, 400);
    assert.is(badBody.code, 'QT_FAKE_FAULTS_INVALID');
    assert.match(badBody.msg, /^ackDelayMs: expected an integer/);
    const switched = (await (
      await post('/fake/faults', { duplicateUserEvents: true, weightLimit: 1200 })
    ).json()) as { faults: { duplicateUserEvents: boolean }; weightLimit: number };
    assert.equal(
      { dup: switched.faults.duplicateUserEvents, limit: switched.weightLimit },
      { dup: true, limit: 1200 },
    );
    const ledger = (await get(fake, '/fake/ledger')).body as {
      walletUsdt: number;
      incomeTotalUsdt: number;
      incomeByType: Record<string, number>;
      positions: { amt: number }[];
    };
    assert.equal(
      ledger.positions.map((p) => p.amt),
      [50],
    );
    assert.ok(ledger.incomeByType.FUNDING_FEE !== 0, '10 hours cross a funding instant');
    assert.is(ledger.incomeTotalUsdt.toFixed(2), ledger.walletUsdt.toFixed(2));
  });
});

test('a fault schedule applies each change just before its candle is revealed', async () => {
  const faultSchedule = [
    { at: 10, clockSkewMs: 5 },
    { at: 26, ackDelayMs: 250 },
    { at: 28, ackDelayMs: 0, weightLimit: 100 },
  ];
  await withFake(await startLinkFake({ faultSchedule }), async (fake) => {
    assert.is(fake.faults.clockSkewMs, 5, 'entries before the first unrevealed candle are in force at start');
    fake.step(2);
    assert.is(fake.faults.ackDelayMs, 0, 'candles 24 and 25 revealed');
    fake.step(1);
    assert.is(fake.faults.ackDelayMs, 250, 'candle 26 revealed under the new fault');
    fake.step(2);
    assert.equal({ ack: fake.faults.ackDelayMs, limit: fake.weights.limit }, { ack: 0, limit: 100 });
  });
});

test('with stepMs the path moves on its own, one candle every stepMs', async () => {
  await withFake(await startLinkFake({ stepMs: 50 }), async (fake) => {
    await until('three candles', () => fake.venue.revealedCount() >= 27, 3_000);
    await sleep(20);
    assert.ok(fake.venue.revealedCount() < 40);
  });
});

if (requires(missingSharedData('binance/futures'))) {
  const real = (file: string): unknown => {
    const json = JSON.parse(readFileSync(sharedData('binance/futures', file), 'utf8')) as {
      response?: unknown;
      data?: unknown;
    };
    return json.response ?? json.data ?? json;
  };
  const first = (value: unknown): Record<string, unknown> =>
    (Array.isArray(value) ? value[0] : value) as Record<string, unknown>;
  /** Keys of the real payload our payload lacks. */
  const missing = (realBody: unknown, ours: unknown): string[] => {
    const have = new Set(Object.keys(first(ours)));
    return Object.keys(first(realBody)).filter((key) => !have.has(key));
  };

  test('REST bodies carry every key of the real Binance bodies', async () => {
    await withFake(await startLinkFake({ revealed: 30 }), async (fake) => {
      const order = await signed(fake, 'POST', '/fapi/v1/order', {
        symbol: LINK,
        side: 'BUY',
        type: 'MARKET',
        quantity: 20,
      });
      assert.equal(missing(real('http_json/order_response.json'), order.body), []);
      assert.equal(missing(real('ccxt_captured/new_order_limit_response.json'), order.body), []);
      const account = (await signed(fake, 'GET', '/fapi/v2/account')).body as Record<string, unknown[]>;
      const realAccount = real('http_json/account_info_v2.json') as Record<string, unknown[]>;
      assert.equal(missing(realAccount, account), []);
      assert.equal(missing(realAccount.assets, account.assets), []);
      assert.equal(missing(realAccount.positions, account.positions), []);
      assert.equal(
        missing(
          real('ccxt_captured/position_risk_linear.json'),
          (await signed(fake, 'GET', '/fapi/v3/positionRisk')).body,
        ),
        [],
      );
      assert.equal(
        missing(
          real('http_json/position_risk.json'),
          (await signed(fake, 'GET', '/fapi/v2/positionRisk')).body,
        ),
        [],
      );
      assert.equal(
        missing(real('http_json/balance.json'), (await signed(fake, 'GET', '/fapi/v2/balance')).body),
        [],
      );
      assert.equal(
        missing(
          real('ccxt_captured/user_trades.json'),
          (await signed(fake, 'GET', '/fapi/v1/userTrades', { symbol: LINK })).body,
        ),
        [],
      );
      const info = (await get(fake, '/fapi/v1/exchangeInfo')).body as Record<string, unknown[]>;
      const realInfo = real('rest_examples/market_exchange_info.json') as Record<string, unknown[]>;
      assert.equal(missing(realInfo, info), []);
      assert.equal(missing(realInfo.symbols, info.symbols), []);
      assert.equal(
        missing(
          real('rest_examples/market_premium_index.json'),
          (await get(fake, '/fapi/v1/premiumIndex', { symbol: LINK })).body,
        ),
        [],
      );
      assert.equal(
        missing(
          real('rest_examples/market_funding_rate.json'),
          (await get(fake, '/fapi/v1/fundingRate', { symbol: LINK })).body,
        ),
        [],
      );
      const klines = (await get(fake, '/fapi/v1/klines', { symbol: LINK, interval: '1h', limit: 2 }))
        .body as unknown[][];
      assert.is(klines[0].length, (real('rest_examples/market_klines.json') as unknown[][])[0].length);
      const trades = (await get(fake, '/fapi/v1/aggTrades', { symbol: LINK, limit: 3 })).body as unknown[];
      assert.is(trades.length, 3);
      assert.equal(missing(real('rest_examples/market_agg_trades.json'), trades), []);
      assert.equal(
        missing(
          real('rest_examples/market_book_ticker.json'),
          (await get(fake, '/fapi/v1/ticker/bookTicker', { symbol: LINK })).body,
        ),
        [],
      );
    });
  });

  test('tape streams carry every key of the real aggTrade, trade and bookTicker events', async () => {
    await withFake(await startLinkFake({ revealed: 30 }), async (fake) => {
      const lower = LINK.toLowerCase();
      const socket = await record(`${fake.wsUrl}/ws/${lower}@aggTrade/${lower}@trade/${lower}@bookTicker`);
      try {
        fake.step(1);
        await until('a candle of tape', () => socket.messages.length === 3 * 4);
        const of = (e: string) => socket.messages.filter((m) => m.e === e);
        // `st` and `ps` (newer fields Binance added to some streams) are not modelled.
        const lacking = (file: string, e: string): string[] =>
          missing(real(file), of(e)).filter((key) => key !== 'st' && key !== 'ps');
        assert.equal(lacking('market_data_json/agg_trade_stream.json', 'aggTrade'), []);
        assert.equal(lacking('market_data_json/trade_stream.json', 'trade'), []);
        assert.equal(lacking('market_data_json/book_ticker_stream.json', 'bookTicker'), []);
        // Aggregate ids follow on from the revealed history's, with no hole.
        const ids = of('aggTrade').map((m) => Number(m.a));
        assert.equal(ids, [121, 122, 123, 124]);
      } finally {
        socket.close();
      }
    });
  });
}

test.run();
