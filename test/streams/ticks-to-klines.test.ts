import { from, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, type Kline, type Tick } from '../../src/domain/index.js';
import { readTickCsv } from '../../src/streams/tick-csv.js';
import { ticksToKlines } from '../../src/streams/ticks-to-klines.js';
import { assertEqual } from '../requirements.js';
import { needSharedData, sharedData } from '../shared-data.js';

const T0 = 1_767_225_600_000;
const tick = (
  sec: number,
  price: number,
  qty: number,
  side: 'BUY' | 'SELL' = 'BUY',
  symbol = 'ETHUSDT',
): Tick => ({
  kind: 'tick',
  symbol,
  ts: T0 + sec * 1000,
  price,
  qty,
  side,
  tradeId: `${symbol}-${sec}-${price}`,
});
const candle = (minute: number, fields: Partial<Kline>, symbol = 'ETHUSDT'): Kline => ({
  kind: 'kline',
  symbol,
  interval: '1m',
  openTime: T0 + minute * 60_000,
  ts: T0 + (minute + 1) * 60_000,
  open: 0,
  high: 0,
  low: 0,
  close: 0,
  volume: 0,
  quoteVolume: 0,
  trades: 0,
  takerBuyVolume: 0,
  ...fields,
});
const scheduler = (): TestScheduler => new TestScheduler(assertEqual);

test('marble: a candle is emitted when the first tick of the next minute arrives, not before', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const ticks = {
      a: tick(0, 100, 1, 'BUY'),
      b: tick(30, 102, 2, 'SELL'),
      c: tick(59.999, 99, 1, 'BUY'),
      d: tick(60, 101, 4, 'SELL'),
      e: tick(185, 103, 1, 'BUY'),
    };
    const first = candle(0, {
      open: 100,
      high: 102,
      low: 99,
      close: 99,
      volume: 4,
      quoteVolume: 100 + 204 + 99,
      trades: 3,
      takerBuyVolume: 2,
    });
    // Minute 1 closes at e (minute 3): minutes 2 had no ticks and yields no candle; minute 3 is still open at completion.
    const second = candle(1, {
      open: 101,
      high: 101,
      low: 101,
      close: 101,
      volume: 4,
      quoteVolume: 404,
      trades: 1,
      takerBuyVolume: 0,
    });
    expectObservable(cold('a-b-c-d-e-|', ticks).pipe(ticksToKlines({ interval: '1m' }))).toBe('------x-y-|', {
      x: first,
      y: second,
    });
  });
});

test('marble: symbols are aggregated independently', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const ticks = {
      a: tick(0, 100, 1, 'BUY', 'ETHUSDT'),
      b: tick(10, 50, 2, 'SELL', 'BTCUSDT'),
      c: tick(61, 101, 1, 'BUY', 'ETHUSDT'),
      d: tick(70, 51, 1, 'BUY', 'BTCUSDT'),
    };
    const eth = candle(0, {
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: 1,
      quoteVolume: 100,
      trades: 1,
      takerBuyVolume: 1,
    });
    const btc = candle(
      0,
      { open: 50, high: 50, low: 50, close: 50, volume: 2, quoteVolume: 100, trades: 1, takerBuyVolume: 0 },
      'BTCUSDT',
    );
    expectObservable(cold('abcd|', ticks).pipe(ticksToKlines())).toBe('--xy|', { x: eth, y: btc });
  });
});

test('marble: errors pass through; the open candle is not emitted on error or completion', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const ticks = { a: tick(0, 100, 1), b: tick(1, 101, 1) };
    expectObservable(cold('ab#', ticks).pipe(ticksToKlines())).toBe('--#');
    expectObservable(cold('ab|', ticks).pipe(ticksToKlines())).toBe('--|');
  });
});

test('marble: unsubscribing unsubscribes from the ticks', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a-b-c-d', {
      a: tick(0, 1, 1),
      b: tick(60, 2, 1),
      c: tick(120, 3, 1),
      d: tick(180, 4, 1),
    });
    expectObservable(source.pipe(ticksToKlines()), '^---!').toBe('--x-', {
      x: candle(0, {
        open: 1,
        high: 1,
        low: 1,
        close: 1,
        volume: 1,
        quoteVolume: 1,
        trades: 1,
        takerBuyVolume: 1,
      }),
    });
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('marble: a late tick is dropped by default and fails the stream with lateTicks: error', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const ticks = { a: tick(0, 100, 1), b: tick(60, 101, 1), c: tick(30, 500, 1), d: tick(120, 102, 1) };
    const x = candle(0, {
      open: 100,
      high: 100,
      low: 100,
      close: 100,
      volume: 1,
      quoteVolume: 100,
      trades: 1,
      takerBuyVolume: 1,
    });
    const y = candle(1, {
      open: 101,
      high: 101,
      low: 101,
      close: 101,
      volume: 1,
      quoteVolume: 101,
      trades: 1,
      takerBuyVolume: 1,
    });
    expectObservable(cold('abcd|', ticks).pipe(ticksToKlines())).toBe('-x-y|', { x, y });
    expectObservable(cold('abcd|', ticks).pipe(ticksToKlines({ lateTicks: 'error' }))).toBe(
      '-x#',
      { x },
      new DataError(
        `ticksToKlines: ETHUSDT tick ${ticks.c.tradeId} at ts ${ticks.c.ts} is older than the open candle (openTime ${T0 + 60_000}); sort ticks by ts or set lateTicks: 'drop'`,
        `tick ${ticks.c.tradeId}`,
      ),
    );
  });
});

const TRADES = sharedData('trades/ETHUSDT-trades-2023-02-02.csv');
if (needSharedData(TRADES)) {
  test('1,000 real ETHUSDT trades make 3 closed 1m candles matching a hand aggregation', () => {
    const { ticks, issues } = readTickCsv(TRADES);
    assert.equal(issues, []);
    let klines: Kline[] = [];
    from(ticks)
      .pipe(ticksToKlines({ interval: '1m' }), toArray())
      .subscribe((all) => {
        klines = all;
      });
    // Computed independently (python csv + dict by minute) from the file.
    const expected = [
      [1_675_329_600_000, 265, 1666.8, 1667.25, 1666.68, 1667.23, 931.486, 1_552_792.4569, 548.695],
      [1_675_329_660_000, 193, 1667.23, 1667.28, 1667.0, 1667.27, 1390.166, 2_317_641.5599, 766.913],
      [1_675_329_720_000, 326, 1667.27, 1667.28, 1666.21, 1666.73, 2249.229, 3_748_612.7978, 539.067],
    ];
    assert.is(klines.length, 3, 'the 4th minute (216 trades) never closed');
    klines.forEach((k, i) => {
      const [openTime, trades, open, high, low, close, volume, quoteVolume, takerBuy] = expected[i];
      assert.equal(
        [k.openTime, k.ts, k.trades, k.open, k.high, k.low, k.close],
        [openTime, openTime + 60_000, trades, open, high, low, close],
      );
      assert.ok(Math.abs(k.volume - volume) < 1e-6, `volume ${k.volume}`);
      assert.ok(Math.abs(k.quoteVolume - quoteVolume) < 1e-3, `quote volume ${k.quoteVolume}`);
      assert.ok(Math.abs(k.takerBuyVolume - takerBuy) < 1e-6, `taker buy ${k.takerBuyVolume}`);
    });
  });
}

test.run();
