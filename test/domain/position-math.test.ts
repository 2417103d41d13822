import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LeverageBracket } from '../../src/domain/index.js';
import {
  applyFill,
  type BinanceLiquidationInput,
  binanceLiquidationPrice,
  bracketFor,
  initialMarginUsdt,
  liquidationPrice,
  maintenanceMarginUsdt,
  maxNotionalAtLeverage,
  type PositionState,
  pnlUsdt,
  unrealizedPnlUsdt,
} from '../../src/domain/position-math.js';

const long: PositionState = { side: 'LONG', qty: 2, entryPrice: 100, marginUsdt: 20, leverage: 10 };

test('an increase averages the entry and adds margin at the position leverage', () => {
  const outcome = applyFill(long, { side: 'BUY', qty: 1, price: 106, leverage: 5, reduceOnly: false });
  // avg = (2 × 100 + 1 × 106) / 3 = 102; margin = 20 + 106 / 10 = 30.6
  assert.equal(outcome.position, { side: 'LONG', qty: 3, entryPrice: 102, marginUsdt: 30.6, leverage: 10 });
  assert.is(outcome.realizedPnlUsdt, 0);
  assert.is(outcome.openedQty, 1);
});

test('a reduction realizes (exit − entry) × qty × direction and releases margin pro rata', () => {
  const outcome = applyFill(long, { side: 'SELL', qty: 0.5, price: 110, leverage: 10, reduceOnly: true });
  // (110 − 100) × 0.5 × (+1) = 5; margin 20 × 1.5 / 2 = 15
  assert.is(outcome.realizedPnlUsdt, 5);
  assert.equal(outcome.position, { side: 'LONG', qty: 1.5, entryPrice: 100, marginUsdt: 15, leverage: 10 });
  assert.is(outcome.closedPosition, false);
  const short: PositionState = { side: 'SHORT', qty: 1, entryPrice: 100, marginUsdt: 10, leverage: 10 };
  // short: (110 − 100) × 1 × (−1) = −10
  assert.is(
    applyFill(short, { side: 'BUY', qty: 1, price: 110, leverage: 10, reduceOnly: false }).realizedPnlUsdt,
    -10,
  );
});

test('an opposite fill larger than the position flips it; a reduce-only one never does', () => {
  const flip = applyFill(long, { side: 'SELL', qty: 3, price: 90, leverage: 5, reduceOnly: false });
  // closes 2: (90 − 100) × 2 = −20; opens SHORT 1 @ 90 with margin 90 / 5 = 18
  assert.is(flip.realizedPnlUsdt, -20);
  assert.is(flip.closedPosition, true);
  assert.equal(flip.position, { side: 'SHORT', qty: 1, entryPrice: 90, marginUsdt: 18, leverage: 5 });
  const reduceOnly = applyFill(long, { side: 'SELL', qty: 3, price: 90, leverage: 5, reduceOnly: true });
  assert.is(reduceOnly.position, undefined);
  assert.is(reduceOnly.closedQty, 2);
  assert.is(reduceOnly.openedQty, 0);
});

test('float dust after reductions counts as flat', () => {
  const p: PositionState = { side: 'LONG', qty: 0.3, entryPrice: 100, marginUsdt: 3, leverage: 10 };
  const a = applyFill(p, { side: 'SELL', qty: 0.1, price: 100, leverage: 10, reduceOnly: true }).position;
  const b = applyFill(a, { side: 'SELL', qty: 0.2, price: 100, leverage: 10, reduceOnly: true });
  assert.is(b.position, undefined);
});

test('liquidation price of isolated long and short at 10× with mmr 0.004', () => {
  const margin = initialMarginUsdt(100 * 1, 10); // 10
  const longAt = liquidationPrice(
    { side: 'LONG', qty: 1, entryPrice: 100, marginUsdt: margin, leverage: 10 },
    0.004,
  );
  // (100 − 10 / 1) / (1 − 0.004) = 90 / 0.996 = 90.36144578313…
  assert.ok(Math.abs(longAt - 90 / 0.996) < 1e-12);
  assert.ok(Math.abs(longAt - 90.3614457831) < 1e-9);
  const shortAt = liquidationPrice(
    { side: 'SHORT', qty: 1, entryPrice: 100, marginUsdt: margin, leverage: 10 },
    0.004,
  );
  // (100 + 10) / (1 + 0.004) = 110 / 1.004 = 109.56175298…
  assert.ok(Math.abs(shortAt - 109.561752988) < 1e-9);
  // at the liquidation price equity equals the maintenance margin: 10 + (P − 100) = 0.004 × P
  assert.ok(Math.abs(10 + (longAt - 100) - 0.004 * longAt) < 1e-9);
  // 1× long cannot be liquidated
  assert.is(
    liquidationPrice({ side: 'LONG', qty: 1, entryPrice: 100, marginUsdt: 100, leverage: 1 }, 0.004),
    0,
  );
});

test('unrealized PnL marks the position at a price', () => {
  assert.is(unrealizedPnlUsdt(long, 97), -6); // (97 − 100) × 2
});

// freqtrade tests/exchange/test_binance.py::test_liquidation_price_binance (freqtrade/freqtrade,
// GPL-3.0; the numbers are Binance's own calculation example): wallet balance, the bracket's
// maintenance rate and amount (cum), position size and entry; for cross margin the other open
// positions' maintenance margin (TMM1) and unrealized PnL (UPNL1) at their mark price. freqtrade
// asserts the price rounded to 2 decimals.
interface OtherPosition {
  readonly openRate: number;
  readonly amount: number;
  readonly markPrice: number;
  readonly mmRatio: number;
  readonly maintenanceAmt: number;
}
const BTC_EXAMPLE: OtherPosition = {
  openRate: 32481.98,
  amount: 109.488,
  markPrice: 31967.27,
  mmRatio: 0.025,
  maintenanceAmt: 16300,
};
const ETH_EXAMPLE: OtherPosition = {
  openRate: 1456.84,
  amount: 3683.979,
  markPrice: 1335.18,
  mmRatio: 0.1,
  maintenanceAmt: 135365,
};
const FREQTRADE_CASES: readonly {
  readonly name: string;
  readonly input: Omit<BinanceLiquidationInput, 'otherMaintenanceMarginUsdt' | 'otherUnrealizedPnlUsdt'>;
  /** Cross margin: every other position of the wallet (freqtrade skips the priced pair itself). */
  readonly others: readonly OtherPosition[];
  readonly expected: number;
}[] = [
  {
    name: 'isolated ETH',
    input: {
      walletBalanceUsdt: 1535443.01,
      side: 'LONG',
      qty: 3683.979,
      entryPrice: 1456.84,
      maintenanceMarginRate: 0.1,
      maintenanceAmountUsdt: 135365,
    },
    others: [],
    expected: 1114.78,
  },
  {
    name: 'isolated BTC',
    input: {
      walletBalanceUsdt: 1535443.01,
      side: 'LONG',
      qty: 109.488,
      entryPrice: 32481.98,
      maintenanceMarginRate: 0.025,
      maintenanceAmountUsdt: 16300,
    },
    others: [],
    expected: 18778.73,
  },
  {
    name: 'cross ETH (BTC open too)',
    input: {
      walletBalanceUsdt: 1535443.01,
      side: 'LONG',
      qty: 3683.979,
      entryPrice: 1456.84,
      maintenanceMarginRate: 0.1,
      maintenanceAmountUsdt: 135365,
    },
    others: [BTC_EXAMPLE],
    expected: 1153.26,
  },
  {
    name: 'cross BTC (ETH open too)',
    input: {
      walletBalanceUsdt: 1535443.01,
      side: 'LONG',
      qty: 109.488,
      entryPrice: 32481.98,
      maintenanceMarginRate: 0.025,
      maintenanceAmountUsdt: 16300,
    },
    others: [ETH_EXAMPLE],
    expected: 26316.89,
  },
];

test("Binance's liquidation price reproduces freqtrade's test_liquidation_price_binance cases", () => {
  for (const { name, input, others, expected } of FREQTRADE_CASES) {
    // freqtrade: maint_margin = amount × mark × mm_ratio − maint_amnt; upnl = amount × (mark − open)
    const otherMaintenanceMarginUsdt = others.reduce(
      (sum, o) => sum + o.amount * o.markPrice * o.mmRatio - o.maintenanceAmt,
      0,
    );
    const otherUnrealizedPnlUsdt = others.reduce(
      (sum, o) => sum + o.amount * o.markPrice - o.amount * o.openRate,
      0,
    );
    const price = binanceLiquidationPrice({ ...input, otherMaintenanceMarginUsdt, otherUnrealizedPnlUsdt });
    const rounded = Math.round(price * 100) / 100;
    assert.ok(
      Math.abs(rounded - expected) <= 1e-6,
      `${name}: ${price} rounds to ${rounded}, freqtrade ${expected}`,
    );
  }
});

test('the isolated liquidation price is the same formula with the margin as wallet (freqtrade isolated cases)', () => {
  for (const { name, input, others, expected } of FREQTRADE_CASES) {
    if (others.length > 0) continue;
    // One bracket holding every notional, with the case's rate and maintenance amount.
    const brackets: LeverageBracket[] = [
      {
        notionalFloorUsdt: 0,
        notionalCapUsdt: 1e12,
        maxLeverage: 125,
        maintenanceMarginRate: input.maintenanceMarginRate,
        maintenanceAmountUsdt: input.maintenanceAmountUsdt,
      },
    ];
    const position: PositionState = {
      side: input.side,
      qty: input.qty,
      entryPrice: input.entryPrice,
      marginUsdt: input.walletBalanceUsdt,
      leverage: 5,
    };
    const price = liquidationPrice(position, brackets);
    assert.ok(Math.abs(Math.round(price * 100) / 100 - expected) <= 1e-6, `${name}: ${price}`);
    const general = binanceLiquidationPrice({
      ...input,
      otherMaintenanceMarginUsdt: 0,
      otherUnrealizedPnlUsdt: 0,
    });
    assert.ok(Math.abs(price - general) <= 1e-9 * general, `${name}: ${price} vs ${general}`);
  }
});

// BTCUSDT's first three brackets (Binance leverageBracket, October 2024; data/binance-usdm/).
const BTC_BRACKETS: readonly LeverageBracket[] = [
  {
    notionalFloorUsdt: 0,
    notionalCapUsdt: 50_000,
    maxLeverage: 125,
    maintenanceMarginRate: 0.004,
    maintenanceAmountUsdt: 0,
  },
  {
    notionalFloorUsdt: 50_000,
    notionalCapUsdt: 600_000,
    maxLeverage: 100,
    maintenanceMarginRate: 0.005,
    maintenanceAmountUsdt: 50,
  },
  {
    notionalFloorUsdt: 600_000,
    notionalCapUsdt: 3_000_000,
    maxLeverage: 75,
    maintenanceMarginRate: 0.0065,
    maintenanceAmountUsdt: 950,
  },
];

test('brackets change tier at the cap, and the maintenance margin stays continuous across it', () => {
  assert.is(bracketFor(BTC_BRACKETS, 49_999.99).maintenanceMarginRate, 0.004);
  assert.is(bracketFor(BTC_BRACKETS, 50_000).maintenanceMarginRate, 0.005);
  assert.is(bracketFor(BTC_BRACKETS, 600_000).maintenanceMarginRate, 0.0065);
  // beyond the last cap: the last bracket
  assert.is(bracketFor(BTC_BRACKETS, 5e6).maintenanceMarginRate, 0.0065);
  // 50 000 × 0.004 = 200 = 50 000 × 0.005 − 50: cum makes the two tiers meet at the cap
  assert.ok(Math.abs(maintenanceMarginUsdt(50_000 - 1e-6, BTC_BRACKETS) - 200) < 1e-6);
  assert.is(maintenanceMarginUsdt(50_000, BTC_BRACKETS), 200);
  // tier 2: 60 000 × 0.005 − 50 = 250 (one rate 0.004 would say 240)
  assert.is(maintenanceMarginUsdt(60_000, BTC_BRACKETS), 250);
  assert.is(maintenanceMarginUsdt(60_000, 0.004), 240);
  // tier 3: 1 000 000 × 0.0065 − 950 = 5 550
  assert.is(maintenanceMarginUsdt(1_000_000, BTC_BRACKETS), 5550);
});

test('the largest position a leverage allows is the cap of the last bracket allowing it', () => {
  assert.is(maxNotionalAtLeverage(BTC_BRACKETS, 125), 50_000);
  assert.is(maxNotionalAtLeverage(BTC_BRACKETS, 101), 50_000);
  assert.is(maxNotionalAtLeverage(BTC_BRACKETS, 100), 600_000);
  assert.is(maxNotionalAtLeverage(BTC_BRACKETS, 20), 3_000_000);
  assert.is(maxNotionalAtLeverage(BTC_BRACKETS, 126), 0);
});

test("a tier-2 position's liquidation price uses tier 2's rate and amount: equity = maintenance margin there", () => {
  // 2 BTC at 60 000 = 120 000 notional at 20×: margin 6 000; liquidation near 57 000 (notional 114 000, tier 2)
  const position: PositionState = {
    side: 'LONG',
    qty: 2,
    entryPrice: 60_000,
    marginUsdt: 6_000,
    leverage: 20,
  };
  const price = liquidationPrice(position, BTC_BRACKETS);
  // (60 000 − (6 000 + 50) / 2) / (1 − 0.005) = 56 975 / 0.995
  assert.ok(Math.abs(price - 56_975 / 0.995) < 1e-9, String(price));
  const equityUsdt = position.marginUsdt + pnlUsdt('LONG', 60_000, price, 2);
  assert.ok(Math.abs(equityUsdt - maintenanceMarginUsdt(2 * price, BTC_BRACKETS)) < 1e-9);
  // the one-rate model (0.004, no amount) puts it elsewhere: (60 000 − 3 000) / 0.996
  assert.ok(Math.abs(liquidationPrice(position, 0.004) - 57_000 / 0.996) < 1e-9);
  // a short's liquidation price rises into its tier the same way: (60 000 + 3 025) / 1.005
  const short: PositionState = { ...position, side: 'SHORT' };
  assert.ok(Math.abs(liquidationPrice(short, BTC_BRACKETS) - 63_025 / 1.005) < 1e-9);
});

test("the bracket is the one holding the notional at the liquidation price, not the entry's", () => {
  // 0.9 BTC at 60 000 = 54 000 notional (tier 2) at 10×: margin 5 400. At the liquidation price
  // (~54 216, notional ~48 795) the position is back in tier 1, where the venue's check happens.
  const position: PositionState = {
    side: 'LONG',
    qty: 0.9,
    entryPrice: 60_000,
    marginUsdt: 5_400,
    leverage: 10,
  };
  const price = liquidationPrice(position, BTC_BRACKETS);
  assert.ok(Math.abs(price - (60_000 - 5_400 / 0.9) / 0.996) < 1e-9, String(price));
  assert.ok(price * 0.9 < 50_000);
  const equityUsdt = position.marginUsdt + pnlUsdt('LONG', 60_000, price, 0.9);
  assert.ok(Math.abs(equityUsdt - maintenanceMarginUsdt(0.9 * price, BTC_BRACKETS)) < 1e-9);
  // freqtrade's dry run would take the entry's tier 2 instead: (60 000 − (5 400 + 50) / 0.9) / 0.995
  const entryTier = (60_000 - (5_400 + 50) / 0.9) / 0.995;
  assert.ok(Math.abs(price - entryTier) > 1, `${price} vs ${entryTier}`);
});

test('with one bracket and no maintenance amount the tiered price is the one-rate price, bit for bit', () => {
  const oneTier: LeverageBracket[] = [
    {
      notionalFloorUsdt: 0,
      notionalCapUsdt: Number.POSITIVE_INFINITY,
      maxLeverage: 125,
      maintenanceMarginRate: 0.004,
      maintenanceAmountUsdt: 0,
    },
  ];
  for (const position of [long, { ...long, side: 'SHORT' as const }, { ...long, marginUsdt: 300 }]) {
    assert.is(liquidationPrice(position, oneTier), liquidationPrice(position, 0.004));
  }
});

test.run();
