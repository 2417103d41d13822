import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FundingPaid, Kline, OrderRequest, VenueEvent } from '../../src/domain/index.js';
import { clientOrderIdFor, fundingInstantsIn } from '../../src/domain/index.js';
import { createBinanceClient } from '../../src/exchange/binance-client.js';
import { CcxtExchange } from '../../src/exchange/ccxt-exchange.js';
import { KEY, LINK, LINK_SPEC, linkPath, SECRET, startLinkFake, until } from '../fake-binance/harness.js';

// Funding through CcxtExchange against the fake Binance server (127.0.0.1, real LINKUSDT 1h
// candles): after a candle that holds a settlement instant, what the venue booked as FUNDING_FEE
// becomes FundingPaid events — the amount to the cent of the ledger, the rate and mark price of the
// settlement, once each however often the candle is seen.

const HOUR = 3_600_000;

test('settlement instants: every 8 h from 00:00 UTC, in (openTime, ts]', () => {
  const day = Date.UTC(2026, 1, 2);
  assert.equal(fundingInstantsIn(day - HOUR, day), [day]);
  assert.equal(fundingInstantsIn(day, day + HOUR), []);
  assert.equal(fundingInstantsIn(day + 7 * HOUR, day + 8 * HOUR), [day + 8 * HOUR]);
  assert.equal(fundingInstantsIn(day, day + 24 * HOUR), [day + 8 * HOUR, day + 16 * HOUR, day + 24 * HOUR]);
});

const entry = (side: 'BUY' | 'SELL', qty: number, intentId: string): OrderRequest => ({
  kind: 'order-request',
  clientOrderId: clientOrderIdFor(intentId, 'ENTRY'),
  intentId,
  symbol: LINK,
  ts: 0,
  side,
  type: 'MARKET',
  qty,
  reduceOnly: false,
  purpose: 'ENTRY',
  positionSide: side === 'BUY' ? 'LONG' : 'SHORT',
  leverage: 5,
});

const heldThroughADay = async (fundingIntervalHours: 4 | 8): Promise<void> => {
  // Candles carry their own rates (positive and negative), so the rate is the settlement's own.
  const path: Kline[] = linkPath().map((k, i) => ({ ...k, fundingRate: ((i % 7) - 3) * 1e-4 }));
  const fake = await startLinkFake({
    symbols: [{ ...LINK_SPEC, fundingIntervalHours }],
    path: new Map([[LINK, path]]),
    revealed: 24,
  });
  const client = createBinanceClient({ apiKey: KEY, secret: SECRET, baseUrl: fake.restUrl });
  const exchange = new CcxtExchange({ client, symbols: [LINK], reconnectDelayMs: 50 });
  const events: VenueEvent[] = [];
  exchange.events$.subscribe((e) => events.push(e));
  const funding = (): FundingPaid[] => events.filter((e): e is FundingPaid => e.kind === 'funding-paid');
  try {
    await exchange.connect(0);
    exchange.createOrder(entry('BUY', 30, 'funding-long'));
    await exchange.drain();
    await until('the entry filled', () => events.some((e) => e.kind === 'fill'));
    // 24 h of candles: three settlements (08:00, 16:00, 00:00), or six on a 4 h symbol; the engine sees each candle.
    for (let i = 0; i < 24; i++) {
      fake.step(1);
      const candle = path[24 + i];
      exchange.onMarket(candle);
      if (i === 10) exchange.onMarket(candle); // a candle seen twice pays nothing twice
    }
    await exchange.drain();
    const ledger = fake.venue.income.filter((r) => r.incomeType === 'FUNDING_FEE');
    const settlements = 24 / fundingIntervalHours;
    assert.is(ledger.length, settlements);
    assert.is(funding().length, settlements);
    for (const [i, paid] of funding().entries()) {
      const booked = ledger[i];
      const settled = fake.venue.funding.find((f) => f.fundingTime === booked.time);
      assert.ok(settled !== undefined);
      assert.equal(
        {
          ts: paid.ts,
          amount: paid.amountUsdt.toFixed(8),
          rate: paid.rate,
          mark: paid.markPrice,
          side: paid.positionSide,
          qty: paid.qty,
        },
        {
          ts: booked.time,
          amount: (-booked.income).toFixed(8),
          rate: Number(settled.fundingRate.toFixed(8)),
          mark: settled.markPrice,
          side: 'LONG',
          qty: 30,
        },
      );
      // Longs pay positive rates: amount = qty × mark × rate.
      assert.ok(Math.abs(paid.amountUsdt - 30 * paid.markPrice * paid.rate) < 1e-9);
    }
    const paidTotal = funding().reduce((sum, f) => sum + f.amountUsdt, 0);
    const bookedTotal = -ledger.reduce((sum, r) => sum + r.income, 0);
    assert.is(paidTotal.toFixed(2), bookedTotal.toFixed(2));
  } finally {
    exchange.close(0);
    await exchange.drain();
    await fake.close();
  }
};

test('a held position’s funding becomes FundingPaid events equal to the venue’s FUNDING_FEE income, once each', () =>
  heldThroughADay(8));

test('a symbol Binance settles every 4 h (GET /fapi/v1/fundingInfo): each of its six settlements a day, to the cent', () =>
  heldThroughADay(4));

test.run();
