// Venue rules: the bundled Binance snapshot (exchangeInfo + leverageBracket shapes) and its loader.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/domain/index.js';
import {
  bundledVenueRules,
  bundledVenueRulesDir,
  loadVenueRules,
  parseExchangeInfo,
  parseLeverageBrackets,
  VENUE_RULES_FILES,
} from '../../src/exchange/venue-rules.js';

/** The bundled files as JSON, to copy and spoil. */
const bundledJson = (name: string): unknown =>
  JSON.parse(readFileSync(join(bundledVenueRulesDir(), name), 'utf8'));

/** A venue-rules folder with the given bodies (the bundled ones where not given). */
const rulesDir = (bodies: { exchangeInfo?: unknown; leverageBrackets?: unknown }): string => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-venue-rules-'));
  const exchangeInfo = bodies.exchangeInfo ?? bundledJson(VENUE_RULES_FILES.exchangeInfo);
  const leverageBrackets = bodies.leverageBrackets ?? bundledJson(VENUE_RULES_FILES.leverageBrackets);
  writeFileSync(join(dir, VENUE_RULES_FILES.exchangeInfo), JSON.stringify(exchangeInfo));
  writeFileSync(join(dir, VENUE_RULES_FILES.leverageBrackets), JSON.stringify(leverageBrackets));
  return dir;
};

/** The error `action` throws (uvu's `throws` does not hand it over). */
const thrown = (action: () => unknown): DataError => {
  try {
    action();
  } catch (error) {
    assert.instance(error, DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
};

test("the bundled snapshot holds Binance's real BTCUSDT filters and brackets", () => {
  const btc = bundledVenueRules().filtersOf('BTCUSDT');
  assert.ok(btc !== undefined);
  // exchangeInfo 2025-11-26: PRICE_FILTER 0.10, LOT_SIZE 0.001 / 0.001 / 1000, MARKET_LOT_SIZE 1000, MIN_NOTIONAL 100
  assert.equal(
    [btc.tickSize, btc.stepSize, btc.minQty, btc.maxQty, btc.marketMaxQty, btc.minNotionalUsdt],
    [0.1, 0.001, 0.001, 1000, 1000, 100],
  );
  // leverageBracket 2024-10: 12 tiers, the first 0–50 000 at 125× and 0.4 %, the second from 50 000 at 0.5 % − 50
  assert.is(btc.brackets?.length, 12);
  assert.equal([btc.maxLeverage, btc.maintenanceMarginRate], [125, 0.004]);
  assert.equal(btc.brackets?.[1], {
    notionalFloorUsdt: 50_000,
    notionalCapUsdt: 600_000,
    maxLeverage: 100,
    maintenanceMarginRate: 0.005,
    maintenanceAmountUsdt: 50,
  });
});

test('every symbol the examples and tests trade is in the snapshot with its own tick and brackets', () => {
  const rules = bundledVenueRules();
  const ticks: Record<string, number> = {};
  for (const symbol of [
    'BTCUSDT',
    'ETHUSDT',
    'AVAXUSDT',
    'LINKUSDT',
    'XRPUSDT',
    'SOLUSDT',
    'ALGOUSDT',
    'DOTUSDT',
    'FILUSDT',
    'LTCUSDT',
    'NEARUSDT',
  ]) {
    const filters = rules.filtersOf(symbol);
    assert.ok(filters?.brackets !== undefined, `${symbol} has brackets`);
    ticks[symbol] = filters.tickSize;
  }
  assert.equal(ticks, {
    BTCUSDT: 0.1,
    ETHUSDT: 0.01,
    AVAXUSDT: 0.001,
    LINKUSDT: 0.001,
    XRPUSDT: 0.0001,
    SOLUSDT: 0.01,
    ALGOUSDT: 0.0001,
    DOTUSDT: 0.001,
    FILUSDT: 0.001,
    LTCUSDT: 0.01,
    NEARUSDT: 0.001,
  });
  assert.ok(rules.symbols.length > 500);
  // a symbol neither file lists: the caller falls back to DEFAULT_SYMBOL_FILTERS
  assert.is(rules.filtersOf('AAAUSDT'), undefined);
});

test('a malformed exchangeInfo is refused with an error naming the file and the field', () => {
  const exchangeInfo = bundledJson(VENUE_RULES_FILES.exchangeInfo) as {
    symbols: { filters: Record<string, unknown>[] }[];
  };
  const priceFilter = exchangeInfo.symbols[0].filters.findIndex(
    (filter) => filter.filterType === 'PRICE_FILTER',
  );
  exchangeInfo.symbols[0].filters[priceFilter].tickSize = 'one tenth';
  const dir = rulesDir({ exchangeInfo });
  const error = thrown(() => loadVenueRules(dir));
  assert.is(error.code, 'QT_DATA_INVALID');
  assert.is(error.where, join(dir, VENUE_RULES_FILES.exchangeInfo));
  assert.match(error.message, join(dir, VENUE_RULES_FILES.exchangeInfo));
  assert.match(error.message, `symbols[0].filters[${priceFilter}].tickSize`);
});

test('a malformed leverageBracket is refused with an error naming the file and the field', () => {
  const leverageBrackets = bundledJson(VENUE_RULES_FILES.leverageBrackets) as {
    brackets: Record<string, unknown>[];
  }[];
  delete leverageBrackets[2].brackets[1].cum;
  const dir = rulesDir({ leverageBrackets });
  const error = thrown(() => loadVenueRules(dir));
  assert.is(error.where, join(dir, VENUE_RULES_FILES.leverageBrackets));
  assert.match(error.message, '[2].brackets[1].cum');
});

test('a missing file is named, never replaced by defaults in silence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantum-venue-rules-'));
  const error = thrown(() => loadVenueRules(dir));
  assert.match(error.message, join(dir, VENUE_RULES_FILES.exchangeInfo));
});

test("Binance's one-symbol leverageBracket answer parses like the list; a disabled (0) tick counts as unset", () => {
  const one = {
    symbol: 'ETHUSDT',
    notionalCoef: 1.5,
    brackets: [
      {
        bracket: 1,
        initialLeverage: 75,
        notionalCap: 10_000,
        notionalFloor: 0,
        maintMarginRatio: 0.0065,
        cum: 0,
      },
    ],
  };
  assert.equal(parseLeverageBrackets(one, 'one.json')[0].symbol, 'ETHUSDT');
  const info = parseExchangeInfo(
    {
      symbols: [
        { symbol: 'NEWUSDT', filters: [{ filterType: 'PRICE_FILTER', tickSize: '0', minPrice: '0' }] },
      ],
    },
    'info.json',
  );
  assert.is(info.symbols[0].symbol, 'NEWUSDT');
  const dir = rulesDir({ exchangeInfo: info, leverageBrackets: [one] });
  const rules = loadVenueRules(dir);
  // tick 0 (a symbol still PENDING_TRADING): the default tick
  assert.is(rules.filtersOf('NEWUSDT')?.tickSize, 0.0001);
  // a symbol only the brackets list: default filters with its brackets
  assert.equal([rules.filtersOf('ETHUSDT')?.tickSize, rules.filtersOf('ETHUSDT')?.maxLeverage], [0.0001, 75]);
});

test.run();
