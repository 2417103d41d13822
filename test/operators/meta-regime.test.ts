// meta-regime: the rule classifier on hand-made measures, the stage on hand-made price series
// (a steady rise, a steady fall, a sideways swing, a volatility burst), its hysteresis, symbols
// kept apart, a marble spec, and the seeded synthetic market whose regimes are known.
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kline, Regime, RegimeChanged } from '../../src/domain/index.js';
import {
  classifyRegime,
  confirmRegime,
  createMetaRegime,
  metaRegime,
  metaRegimeParams,
  type RegimeHold,
} from '../../src/operators/meta-regime.js';
import { generateSyntheticMarket, SYNTHETIC_REGIMES } from '../../src/streams/synthetic-market.js';
import { kline } from '../builders.js';
import { assertEqual } from '../requirements.js';

const P = metaRegimeParams.parse({});
const MINUTE = 60_000;

test('classifier: an ATR well above its usual level is VOLATILE whatever the trend; ADX with agreeing slope and DIs is a trend; else RANGING', () => {
  const base = { adx: 30, plusDi: 30, minusDi: 10, atrRatio: 1, realizedVol: 0.001, slope: 0.0002 };
  assert.is(classifyRegime(base, P).regime, 'TRENDING_UP');
  assert.is(classifyRegime({ ...base, plusDi: 10, minusDi: 30, slope: -0.0002 }, P).regime, 'TRENDING_DOWN');
  assert.is(classifyRegime({ ...base, atrRatio: 1.5 }, P).regime, 'VOLATILE', 'at 1.5× its usual level');
  assert.is(classifyRegime({ ...base, atrRatio: 1.49 }, P).regime, 'TRENDING_UP');
  assert.is(classifyRegime({ ...base, adx: 24.9 }, P).regime, 'RANGING');
  const disagree = classifyRegime({ ...base, slope: -0.0001 }, P);
  assert.is(disagree.regime, 'RANGING');
  assert.match(disagree.why, /slope and DIs disagree/);
  assert.match(classifyRegime({ ...base, adx: 12 }, P).why, /ADX 12\.0 < 25/);
});

/** 1m candles of `symbol` from closes; each candle's range is `range` of its close around it. */
const series = (closes: readonly number[], range: (i: number) => number, symbol = 'BTCUSDT'): Kline[] =>
  closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1];
    const half = (close * range(i)) / 2;
    return kline({
      symbol,
      ts: (i + 1) * MINUTE,
      open,
      close,
      high: Math.max(open, close) + half,
      low: Math.min(open, close) - half,
    });
  });

const regimesOf = async (klines: readonly Kline[], params = {}): Promise<RegimeChanged[]> =>
  lastValueFrom(from(klines).pipe(metaRegime({ atrWindow: 100, slopePeriod: 30, ...params }), toArray()));

/** A wiggle so ±DM and the ATR are never degenerate. */
const wiggle = (i: number): number => 0.001 * Math.sin(i * 1.7);

test('a steady rise is TRENDING_UP, a steady fall TRENDING_DOWN, a sideways swing RANGING', async () => {
  const up = Array.from({ length: 300 }, (_, i) => 100 * Math.exp(0.002 * i) * (1 + wiggle(i)));
  const down = Array.from({ length: 300 }, (_, i) => 100 * Math.exp(-0.002 * i) * (1 + wiggle(i)));
  // Back and forth every few candles: no direction lasts.
  const sideways = Array.from({ length: 300 }, (_, i) => 100 * (1 + 0.004 * Math.sin(i * 1.1) + wiggle(i)));
  const flatRange = () => 0.002;
  assert.equal(
    (await regimesOf(series(up, flatRange))).map((e) => e.regime),
    ['TRENDING_UP'],
  );
  assert.equal(
    (await regimesOf(series(down, flatRange))).map((e) => e.regime),
    ['TRENDING_DOWN'],
  );
  const ranging = await regimesOf(series(sideways, flatRange));
  assert.is(ranging[0]?.regime, 'RANGING');
  assert.ok(
    ranging.every((e) => e.regime !== 'TRENDING_UP' && e.regime !== 'TRENDING_DOWN'),
    ranging.map((e) => e.regime).join(' '),
  );
  // The first classification comes once every window is full: 100 NATR values after the ATR's 14.
  assert.is((await regimesOf(series(up, flatRange)))[0].ts, (14 + 100) * MINUTE);
});

test('hysteresis: the first regime at once, then a new one only after confirmCandles candles in a row', () => {
  const hold: RegimeHold = { regime: undefined, candidate: undefined, held: 0 };
  const feed = (sequence: Regime[]): boolean[] => sequence.map((r) => confirmRegime(hold, r, 3));
  assert.equal(feed(['RANGING']), [true]);
  // One or two odd candles change nothing; a candle back in RANGING resets the count.
  assert.equal(feed(['VOLATILE', 'VOLATILE', 'RANGING', 'VOLATILE', 'TRENDING_UP']), [
    false,
    false,
    false,
    false,
    false,
  ]);
  assert.is(hold.regime, 'RANGING');
  assert.equal(feed(['VOLATILE', 'VOLATILE', 'VOLATILE']), [false, false, true]);
  assert.is(hold.regime, 'VOLATILE');
});

test('a volatility burst is VOLATILE after confirmCandles candles, and the calm after it ends it', async () => {
  const closes = Array.from({ length: 400 }, (_, i) => 100 * (1 + 0.004 * Math.sin(i * 1.1) + wiggle(i)));
  const burst = (i: number): number => (i >= 250 && i < 290 ? 0.03 : 0.002);
  const events = await regimesOf(series(closes, burst), { confirmCandles: 3 });
  const volatile = events.find((e) => e.regime === 'VOLATILE');
  assert.ok(volatile !== undefined, events.map((e) => `${e.ts / MINUTE} ${e.regime}`).join(', '));
  // Candle 250 is the first wide one (ts 251 min): the 14-candle ATR is 1.5× its usual level
  // after two wide candles, and three candles in a row confirm it.
  assert.is(volatile.ts, 254 * MINUTE);
  assert.is(volatile.previous, 'RANGING');
  assert.match(
    volatile.reason,
    /RANGING → VOLATILE after 3 candle\(s\): ATR \d+\.\d\d× its usual level ≥ 1\.5×/,
  );
  assert.ok(
    events.some((e) => e.ts > 290 * MINUTE && e.previous === 'VOLATILE'),
    'the calm ends it',
  );
  // With confirmCandles 1 the same burst is called as soon as the ATR crosses the line.
  const eager = await regimesOf(series(closes, burst), { confirmCandles: 1 });
  assert.is(eager.find((e) => e.regime === 'VOLATILE')?.ts, 252 * MINUTE);
});

test('symbols are kept apart: each has its own windows and its own regime', async () => {
  const up = series(
    Array.from({ length: 300 }, (_, i) => 100 * Math.exp(0.002 * i) * (1 + wiggle(i))),
    () => 0.002,
    'AAAUSDT',
  );
  const down = series(
    Array.from({ length: 300 }, (_, i) => 50 * Math.exp(-0.002 * i) * (1 + wiggle(i))),
    () => 0.002,
    'BBBUSDT',
  );
  const interleaved = up.flatMap((k, i) => [k, down[i]]);
  const events = await regimesOf(interleaved);
  assert.equal(
    events.map((e) => [e.symbol, e.regime]),
    [
      ['AAAUSDT', 'TRENDING_UP'],
      ['BBBUSDT', 'TRENDING_DOWN'],
    ],
  );
});

test('marbles: one RegimeChanged when the regime changes, nothing while it stays', () => {
  const closes = Array.from({ length: 140 }, (_, i) => 100 * Math.exp(0.002 * i) * (1 + wiggle(i)));
  const klines = series(closes, () => 0.002);
  // One frame per candle, each named by its own character.
  const names = klines.map((_, i) => String.fromCharCode(0x100 + i));
  const first = 14 + 100 - 1;
  new TestScheduler(assertEqual).run(({ cold, expectObservable }) => {
    const source = cold(names.join(''), Object.fromEntries(klines.map((k, i) => [names[i], k])));
    expectObservable(
      source.pipe(
        metaRegime({ atrWindow: 100, slopePeriod: 30 }),
        map((e) => ({ symbol: e.symbol, ts: e.ts, regime: e.regime, previous: e.previous })),
      ),
    ).toBe(`${'-'.repeat(first)}r${'-'.repeat(klines.length - first - 1)}`, {
      r: { symbol: 'BTCUSDT', ts: (first + 1) * MINUTE, regime: 'TRENDING_UP', previous: undefined },
    });
  });
});

test('the synthetic market (regimes known): agreement well above chance, and VOLATILE calls mostly in its high-volatility spells', () => {
  const market = generateSyntheticMarket({ count: 20_000, regimeStay: 0.999, seed: 7 });
  const names: Record<string, string> = {
    TREND_UP: 'TRENDING_UP',
    TREND_DOWN: 'TRENDING_DOWN',
    RANGE: 'RANGING',
    HIGH_VOL: 'VOLATILE',
  };
  const handler = createMetaRegime(P);
  let current: string | undefined;
  let agree = 0;
  let total = 0;
  let volatileCalls = 0;
  let volatileInCalm = 0;
  const candles = market.series[0];
  for (let i = 0; i < candles.length; i++) {
    handler.next(candles[i], (e) => {
      current = e.regime;
    });
    if (current === undefined) continue;
    const truth = names[SYNTHETIC_REGIMES[market.regimes[i]]];
    total++;
    if (truth === current) agree++;
    if (current === 'VOLATILE') {
      volatileCalls++;
      if (truth === 'RANGING') volatileInCalm++;
    }
  }
  // Four regimes: chance is 25 %. (Trends here drift 0.08 σ a candle: hard to see in any window.)
  assert.ok(agree / total >= 0.4, `agreement ${(agree / total).toFixed(3)}`);
  assert.ok(
    volatileInCalm / volatileCalls < 0.5,
    `${volatileInCalm} of ${volatileCalls} VOLATILE calls in RANGE`,
  );
});

test('method hmm: a calm/volatile HMM per symbol, forward-filtered, finds the synthetic market’s high-volatility spells (precision ≥ 80 %, recall ≥ 50 %)', () => {
  const market = generateSyntheticMarket({ count: 20_000, regimeStay: 0.995, seed: 7 });
  const handler = createMetaRegime(metaRegimeParams.parse({ method: 'hmm', hmm: { fitCandles: 2_000 } }));
  let current: string | undefined;
  let reason = '';
  let called = 0;
  let calledRight = 0;
  let spells = 0;
  const candles = market.series[0];
  for (let i = 0; i < candles.length; i++) {
    handler.next(candles[i], (e) => {
      current = e.regime;
      reason = e.reason;
    });
    if (current === undefined) continue;
    const highVol = SYNTHETIC_REGIMES[market.regimes[i]] === 'HIGH_VOL';
    if (highVol) spells++;
    if (current === 'VOLATILE') {
      called++;
      if (highVol) calledRight++;
    }
    assert.ok(current === 'VOLATILE' || current === 'RANGING', current);
  }
  assert.ok(calledRight / called >= 0.8, `precision ${(calledRight / called).toFixed(3)}`);
  assert.ok(calledRight / spells >= 0.5, `recall ${(calledRight / spells).toFixed(3)}`);
  assert.match(reason, /HMM state [12] of 2 \(p \d\.\d\d\): mean return/);
});

test.run();
