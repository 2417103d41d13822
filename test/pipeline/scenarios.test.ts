import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { marbleBacktest } from '../../src/pipeline/marble-backtest.js';

// Every scenario runs the real pipeline (SCENARIO_BASE_CONFIG: EMA 2/3 + RSI 2 trend model, warm
// after 3 candles; 10 % margin at 3×, stop 1.5 %, target 3 %; 661 s cooldown; 100 ms latency).
// One letter is one 1m candle; an order decided on candle f fills at the open of candle f + 1.
// The symbol is BTCUSDT on its real Binance filters (tick 0.1): fills and the take-profit are on
// that tick, e.g. the entry 101 × (1 + 2 bps) = 101.0202 fills at 101.0.

const rising = { a: 100, b: 100.5, c: 101, d: 101.5, e: 102, f: 102.5, g: 103, h: 103.5, i: 104, j: 105 };

test('trend entry: the first warm BUY opens a long with a bracket, filled on the next candle', () => {
  marbleBacktest({
    market: 'abcdefghij|',
    candles: rising,
    expect: {
      // warm at the third candle: BUY from then on, every signal an intent (the gates sort them out)
      signals: ['--BBBBBBBB|', { B: 'BUY' }],
      intents: ['--LLLLLLLL|', { L: 'LONG' }],
      orders: ['--(EST)---|', { E: 'BUY MARKET', S: 'SELL STOP_MARKET', T: 'SELL TAKE_PROFIT_MARKET' }],
      fills: ['---E----T-|', { E: 'BUY ENTRY', T: 'SELL TAKE_PROFIT' }],
    },
  });
});

test("take-profit: entry at 101 (+2 bps slippage, 101.0 on BTCUSDT's 0.1 tick), target 101 × 1.03 = 104.03 → 104.0 on the tick, first reached by i (high 104)", () => {
  marbleBacktest({
    market: 'abcdefghij|',
    candles: rising,
    expect: {
      trades: ['--------T-|', { T: 'LONG TAKE_PROFIT' }],
      denied: ['---PPPPPCC|', { P: 'position-exists', C: 'cooldown' }],
    },
  });
});

test('stop-out: stop at 101 × 0.985 = 99.485 → 99.5 on the tick; candle e trades down to 98.9 and the stop fills', () => {
  marbleBacktest({
    market: 'abcdefg|',
    candles: { a: 100, b: 100.5, c: 101, d: 101.2, e: { close: 99, low: 98.9 }, f: 98.5, g: 98 },
    expect: {
      fills: ['---ES--|', { E: 'BUY ENTRY', S: 'SELL STOP_LOSS' }],
      trades: ['----S--|', { S: 'LONG STOP_LOSS' }],
    },
  });
});

test('cooldown: after the exit on candle i, entries wait 661 s — 12 one-minute candles — then a new long opens', () => {
  const letters = [...'abcdefghijklmnopqrstuvwxyz'];
  // a steady rise to the target (104.0 on the tick) on i, then a slow drift higher so the model keeps saying BUY
  const candles = Object.fromEntries(
    letters.map((l, i) => [l, i < 9 ? 100 + i * 0.5 : 104.5 + (i - 9) * 0.1]),
  );
  marbleBacktest({
    market: `${letters.join('')}|`,
    candles,
    expect: {
      // exit fill ts = close of i; candle at +11 min is 660 s later (denied), +12 min is 720 s (allowed)
      denied: {
        marble: '--------CCCCCCCCCCCC------|',
        values: { C: 'cooldown' },
        filter: (denied) => denied.gate === 'cooldown',
      },
      orders: [
        '--(EST)-------------(EST)-|',
        { E: 'BUY MARKET', S: 'SELL STOP_MARKET', T: 'SELL TAKE_PROFIT_MARKET' },
      ],
      trades: ['--------T-----------------(D|)', { T: 'LONG TAKE_PROFIT', D: 'LONG END_OF_DATA' }],
    },
  });
});

test('kill switch: a gap through the stop costs more than 3 % of equity; trading stops for good', () => {
  marbleBacktest({
    config: { risk: { maxDrawdownPct: 3 }, sizing: { fraction: 0.5, leverage: 5 } },
    market: 'abcdefghij|',
    candles: {
      a: 100,
      b: 100.5,
      c: 101,
      d: 101.5,
      // opens at 95, far below the 99.5 stop: the stop fills at the open (gap), 12.5× notional loses ~7.5 %
      e: { open: 95, high: 95, low: 94, close: 94.5 },
      f: 95,
      g: 96,
      h: 97,
      i: 98,
      j: 99,
    },
    expect: {
      trades: ['----S-----|', { S: 'LONG STOP_LOSS' }],
      killSwitch: ['----K-----|', { K: 'KILL' }],
      denied: ['---PKKKKKK|', { P: 'position-exists', K: 'kill-switch' }],
      orders: ['--(EST)---|', { E: 'BUY MARKET', S: 'SELL STOP_MARKET', T: 'SELL TAKE_PROFIT_MARKET' }],
    },
  });
});

test('a wrong expectation fails with both marbles and a legend', () => {
  try {
    marbleBacktest({
      market: 'abcdefghij|',
      candles: rising,
      expect: { trades: ['----T|', { T: 'LONG TAKE_PROFIT' }] },
    });
    assert.unreachable('should have thrown');
  } catch (error) {
    const message = (error as Error).message;
    assert.match(message, 'expected ----T|');
    assert.match(message, 'actual   --------T-|');
  }
});

test.run();
