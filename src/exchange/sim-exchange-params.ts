import { z } from 'zod';
import { SymbolFilters } from '../domain/index.js';

/** How the simulator prices adverse slippage on taker fills (MARKET and triggered STOP/TP). */
export const slippageParams = z
  .object({
    /**
     * `fixed-bps`: slippage fraction = bps / 1e4.
     * `volatility`: fraction = bps / 1e4 + volatilityFactor × (high − low) / close of the fill candle,
     * so fills in wide candles pay more (a tick has no range: only the bps part applies).
     */
    model: z.enum(['fixed-bps', 'volatility']).default('fixed-bps'),
    bps: z.number().nonnegative().default(2),
    volatilityFactor: z.number().nonnegative().default(0.1),
  })
  .strict();

/** Parameters of `SimExchange` (backtest and paper venue); every key has a default. */
export const simExchangeParams = z
  .object({
    initialBalanceUsdt: z.number().positive().default(10_000),
    takerFeeRate: z.number().min(0).max(0.01).default(0.0005),
    makerFeeRate: z.number().min(-0.001).max(0.01).default(0.0002),
    slippage: slippageParams.default({ model: 'fixed-bps', bps: 2, volatilityFactor: 0.1 }),
    /** An order becomes eligible for matching at the first market event with `ts ≥ order.ts + latencyMs`. */
    latencyMs: z.number().int().nonnegative().default(100),
    /** Funding instants are the multiples of this interval since 00:00 UTC. */
    fundingIntervalHours: z.number().positive().max(24).default(8),
    /** Rate used when a kline carries no `fundingRate`; `null` ⇒ only rates from data are charged. */
    defaultFundingRate: z.number().nullable().default(0.0001),
    /**
     * One maintenance-margin rate for every symbol and notional when set (the one-rate model: the
     * symbols' leverage brackets are ignored for maintenance margin and liquidation price).
     */
    maintenanceMarginRate: z.number().min(0).max(0.5).optional(),
    /** Which extreme of a candle is visited first when it matters (see SimExchange docs). */
    intrabarPolicy: z.enum(['worst', 'best', 'ohlc-path']).default('worst'),
    /** A LIMIT order fills at most this share of a candle's (or tick's) volume per event. */
    limitFillVolumeShare: z.number().positive().max(1).default(0.1),
    /**
     * Per-symbol filter overrides, merged over the venue rules' filters (the symbol's Binance
     * filters and brackets), or over DEFAULT_SYMBOL_FILTERS for a symbol the rules do not list.
     */
    filters: z.record(z.string(), SymbolFilters.partial()).default({}),
    /**
     * A folder with Binance's `exchange-info.json` (`GET /fapi/v1/exchangeInfo`) and
     * `leverage-brackets.json` (`GET /fapi/v1/leverageBracket`), e.g. a fresh download; default: the
     * bundled snapshot (`data/binance-usdm/`).
     */
    venueRulesDir: z.string().min(1).optional(),
    /** Leverage of an order that names none. */
    defaultLeverage: z.number().positive().default(1),
  })
  .strict();
export type SimExchangeParams = z.output<typeof simExchangeParams>;
