import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kline } from '../../src/domain/index.js';
import {
  generateSyntheticMarket,
  SYNTHETIC_REGIMES,
  syntheticMarket,
  syntheticMarketParams,
} from '../../src/streams/synthetic-market.js';

const logReturns = (klines: readonly Kline[]): Float64Array => {
  const out = new Float64Array(klines.length - 1);
  for (let i = 1; i < klines.length; i++) out[i - 1] = Math.log(klines[i].close / klines[i - 1].close);
  return out;
};
const correlation = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  const n = Math.min(x.length, y.length);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
};

const market = generateSyntheticMarket({ seed: 11, count: 20_000 });

test('same seed gives identical output, another seed a different one', () => {
  const again = generateSyntheticMarket({ seed: 11, count: 20_000 });
  assert.equal(again.series, market.series);
  assert.equal(again.regimes, market.regimes);
  const other = syntheticMarket({ seed: 12, count: 20_000 });
  assert.is.not(other[0][100].close, market.series[0][100].close);
});

test('defaults: 3 symbols, 1m candles from 2026-01-01T00:00Z, ts = openTime + 60 s', () => {
  assert.equal(
    market.series.map((s) => s[0].symbol),
    ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
  );
  const first = market.series[0][0];
  assert.is(first.openTime, Date.UTC(2026, 0, 1));
  assert.is(first.ts, first.openTime + 60_000);
  assert.is(first.open, 87_500);
  for (const series of market.series) {
    for (let i = 1; i < series.length; i++) {
      if (series[i].openTime !== series[i - 1].openTime + 60_000) assert.unreachable('not contiguous');
      if (series[i].open !== series[i - 1].close) assert.unreachable('open is not the previous close');
    }
  }
});

test('every candle is OHLC-consistent, on its tick, with no NaN, and passes the domain schema', () => {
  for (const series of market.series) {
    const decimals = series[0].symbol === 'BTCUSDT' ? 1 : 2;
    for (const k of series) {
      const values = [k.open, k.high, k.low, k.close, k.volume, k.quoteVolume, k.trades, k.takerBuyVolume];
      if (values.some((v) => !Number.isFinite(v))) assert.unreachable(`non-finite value at ${k.ts}`);
      if (!(k.high >= Math.max(k.open, k.close) && k.low <= Math.min(k.open, k.close) && k.low > 0)) {
        assert.unreachable(`inconsistent OHLC at ${k.ts}`);
      }
      if (k.takerBuyVolume > k.volume) assert.unreachable('taker buy volume above volume');
      for (const price of [k.open, k.high, k.low, k.close]) {
        if (Number(price.toFixed(decimals)) !== price) assert.unreachable(`${price} is off the tick`);
      }
    }
    assert.ok(Kline.safeParse(series[123]).success);
  }
});

test("the symbols' returns are positively correlated (common market factor)", () => {
  const [btc, eth, sol] = market.series.map(logReturns);
  const btcEth = correlation(btc, eth);
  const ethSol = correlation(eth, sol);
  // Shocks correlate at 0.6; rounding and idiosyncratic jumps lower it a little.
  assert.ok(btcEth > 0.4 && btcEth < 0.7, `BTC/ETH correlation ${btcEth}`);
  assert.ok(ethSol > 0.4 && ethSol < 0.7, `ETH/SOL correlation ${ethSol}`);
  const independent = generateSyntheticMarket({ seed: 11, count: 20_000, correlation: 0 }).series.map(
    logReturns,
  );
  assert.ok(Math.abs(correlation(independent[0], independent[1])) < 0.05);
});

test('the market switches regimes and visits all four', () => {
  let switches = 0;
  const visits = [0, 0, 0, 0];
  for (let t = 0; t < market.regimes.length; t++) {
    visits[market.regimes[t]]++;
    if (t > 0 && market.regimes[t] !== market.regimes[t - 1]) switches++;
  }
  // Stay 0.995 ⇒ about 0.005 × 20,000 = 100 switches.
  assert.ok(switches > 50 && switches < 160, `${switches} switches`);
  assert.ok(
    visits.every((v) => v > 0),
    `visits ${visits}`,
  );
  assert.is(SYNTHETIC_REGIMES.length, 4);
  const stuck = generateSyntheticMarket({ seed: 11, count: 1000, regimeStay: 1 });
  assert.ok(stuck.regimes.every((r) => r === SYNTHETIC_REGIMES.indexOf('RANGE')));
});

test('volatility clusters: |returns| are autocorrelated while returns are not', () => {
  const returns = logReturns(market.series[0]);
  const absolute = returns.map(Math.abs);
  const absLag1 = correlation(absolute.subarray(1), absolute.subarray(0, -1));
  const rawLag1 = correlation(returns.subarray(1), returns.subarray(0, -1));
  assert.ok(absLag1 > 0.1, `autocorrelation of |r| ${absLag1}`);
  assert.ok(Math.abs(rawLag1) < 0.05, `autocorrelation of r ${rawLag1}`);
});

test('volume rises with |return|', () => {
  const btc = market.series[0];
  const returns = logReturns(btc).map(Math.abs);
  const volumes = btc.slice(1).map((k) => k.volume);
  assert.ok(correlation(returns, volumes) > 0.3);
});

test('funding is set exactly on candles whose close crosses 00:00/08:00/16:00 UTC', () => {
  const btc = market.series[0];
  const funded = btc.filter((k) => k.fundingRate !== undefined);
  assert.ok(funded.length > 0);
  for (const k of funded) {
    if (k.ts % (8 * 3_600_000) !== 0) assert.unreachable(`funding at ${k.ts}`);
    if (Math.abs(k.fundingRate ?? 1) > 0.001) assert.unreachable(`funding rate ${k.fundingRate}`);
  }
  // 20,000 minutes from midnight: boundaries at 8h, 16h, … up to 333 h ⇒ 41 settlements.
  assert.is(funded.length, Math.floor((20_000 * 60_000) / (8 * 3_600_000)));
  assert.not.ok(syntheticMarket({ count: 1000, funding: false })[0].some((k) => k.fundingRate !== undefined));
});

test('other intervals scale timestamps; params are validated strictly', () => {
  const hourly = syntheticMarket({
    count: 3,
    interval: '1h',
    symbols: [{ symbol: 'AVAXUSDT', startPrice: 10, volatility: 0.002, baseVolume: 1000, priceDecimals: 3 }],
  });
  assert.equal(
    hourly[0].map((k) => k.ts - k.openTime),
    [3_600_000, 3_600_000, 3_600_000],
  );
  assert.throws(() => syntheticMarketParams.parse({ seeds: 1 }));
  assert.throws(() => syntheticMarketParams.parse({ garch: { alpha: 0.5, beta: 0.6 } }), /alpha \+ beta < 1/);
});

test.run();
