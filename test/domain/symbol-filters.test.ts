import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bracketsOf,
  DEFAULT_SYMBOL_FILTERS,
  type LeverageBracket,
  roundToStep,
  SymbolFilters,
  withOverrides,
} from '../../src/domain/index.js';

test('a price exactly half a tick away rounds up, as its decimal text says', () => {
  // 122.62265 / 0.0001 is 1226226.4999999998 in binary floats
  assert.is(roundToStep(122.62265, 0.0001), 122.6227);
  assert.is(roundToStep(118.52505, 0.0001), 118.5251);
});

test('results are the doubles nearest the decimal values, for odd steps too', () => {
  assert.is(roundToStep(0.1 + 0.2, 0.1), 0.3);
  assert.is(roundToStep(1.0374, 0.025, 'down'), 1.025);
  assert.is(roundToStep(1.0374, 0.025, 'up'), 1.05);
  assert.is(roundToStep(7, 0.5, 'nearest'), 7);
  assert.is(roundToStep(12_345.678, 10, 'down'), 12_340);
});

test('values a float hair below a step boundary count as on it', () => {
  assert.is(roundToStep(0.3 - 1e-13, 0.1, 'down'), 0.3);
  assert.is(roundToStep(0.3 + 1e-13, 0.1, 'up'), 0.3);
});

const TIERS: LeverageBracket[] = [
  {
    notionalFloorUsdt: 0,
    notionalCapUsdt: 5_000,
    maxLeverage: 75,
    maintenanceMarginRate: 0.005,
    maintenanceAmountUsdt: 0,
  },
  {
    notionalFloorUsdt: 5_000,
    notionalCapUsdt: 25_000,
    maxLeverage: 50,
    maintenanceMarginRate: 0.0065,
    maintenanceAmountUsdt: 7.5,
  },
];
const tiered: SymbolFilters = {
  ...DEFAULT_SYMBOL_FILTERS,
  maintenanceMarginRate: 0.005,
  maxLeverage: 75,
  brackets: TIERS,
};

test('an override wins key by key and keeps the brackets unless it sets a maintenance rate of its own', () => {
  assert.equal(withOverrides(tiered, { tickSize: 0.01 }), { ...tiered, tickSize: 0.01 });
  // one rate of its own: the brackets would contradict it
  const oneRate = withOverrides(tiered, { maintenanceMarginRate: 0.02 });
  assert.is(oneRate.brackets, undefined);
  assert.equal(
    bracketsOf(oneRate).map((b) => [b.maintenanceMarginRate, b.maxLeverage, b.notionalCapUsdt]),
    [[0.02, 75, Number.POSITIVE_INFINITY]],
  );
  // brackets of its own bring their first tier's rate and leverage
  const rebracketed = withOverrides(DEFAULT_SYMBOL_FILTERS, { brackets: TIERS });
  assert.equal([rebracketed.maintenanceMarginRate, rebracketed.maxLeverage], [0.005, 75]);
  assert.is(withOverrides(tiered, undefined), tiered);
});

test('filters without brackets have one tier at their rate and leverage, the same array on every call', () => {
  const tiers = bracketsOf(DEFAULT_SYMBOL_FILTERS);
  assert.equal(tiers, [
    {
      notionalFloorUsdt: 0,
      notionalCapUsdt: Number.POSITIVE_INFINITY,
      maxLeverage: 125,
      maintenanceMarginRate: 0.004,
      maintenanceAmountUsdt: 0,
    },
  ]);
  assert.is(bracketsOf(DEFAULT_SYMBOL_FILTERS), tiers);
  assert.is(bracketsOf(tiered), TIERS);
});

test('the config schema refuses brackets that do not start at notional 0', () => {
  assert.not.ok(SymbolFilters.partial().safeParse({ brackets: [TIERS[1]] }).success);
  assert.ok(SymbolFilters.partial().safeParse({ brackets: TIERS }).success);
});

test.run();
